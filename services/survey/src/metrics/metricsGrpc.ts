import { requireTenantId, type AsyncService, type CallContext } from '@contactcenter/infra';
import type { MetricsRow, SurveyServiceServer } from '@contactcenter/proto/survey/v1';
import { metricsRows } from './figures/metricsTable';
import { metricsQueryOf } from './settings/metricsRequest';
import { policyOf, validateMetricsSettings } from './settings/metricsSettings';
import type { MetricsSettingsStore } from './settings/settingsStore';
import type { MetricsStore } from './store/metricsStore';

export type MetricsCalls = Pick<AsyncService<SurveyServiceServer>, 'putMetricsSettings' | 'getMetricsSettings' | 'getMetrics'>;

export interface MetricsCallsDeps {
  settings: MetricsSettingsStore;
  store: MetricsStore;
  /** The projection's checkpoint name, whose position GetMetrics reports. */
  projection: string;
  now?: () => number;
}

/**
 * The metrics calls of SurveyService, scoped to the tenant of the call.
 * Errors are domain errors (ValidationError → INVALID_ARGUMENT), mapped by
 * infra's GrpcServer.
 */
export function metricsCalls(deps: MetricsCallsDeps): MetricsCalls {
  const now = deps.now ?? Date.now;
  const tenant = (ctx: CallContext) => requireTenantId(ctx.tenantId);
  return {
    putMetricsSettings: async (req, ctx) => {
      const tenantId = tenant(ctx);
      const settings = validateMetricsSettings(req.settings);
      await deps.settings.put(tenantId, settings);
      return { settings };
    },
    getMetricsSettings: async (_req, ctx) => ({ settings: await deps.settings.get(tenant(ctx)) }),
    getMetrics: async (req, ctx) => {
      const tenantId = tenant(ctx);
      const settings = await deps.settings.get(tenantId);
      const query = metricsQueryOf(req, settings.timeZone, now());
      const data = await deps.store.loadForQuery(deps.projection, tenantId, query.fromMs, query.toMs, query.asOfMs);
      const rows = metricsRows(tenantId, query, policyOf(settings), data.timelines, data.invitations);
      return {
        timeZone: query.timeZone,
        asOf: new Date(query.asOfMs),
        projectedThrough: data.projectedThrough,
        rows: rows.map(
          (r): MetricsRow => ({ bucketStart: r.bucketStartMs === undefined ? undefined : new Date(r.bucketStartMs), bucketLabel: r.label, group: r.group, figures: r.figures }),
        ),
      };
    },
  };
}
