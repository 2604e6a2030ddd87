import { NotFoundError } from '@contactcenter/infra';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireStaff } from '../plugins/auth';
import { forwardedFrom } from '../regions/regionForwarding';
import { validResidencySettings, type ResidencyRule, type ResidencySettings } from '../regions/residencyRules';
import type { ResidencySettingsStore } from '../regions/residencySettings';

export interface ResidencyRouteOptions {
  store: ResidencySettingsStore;
  /** REGIONS: every region of the deployment, the only names settings may use. */
  regions: readonly string[];
  /**
   * Applies a stored PUT to every other region (residencyReplication.ts);
   * absent with one region. Rejects with RegionUnavailableError naming a region
   * that did not take it.
   */
  replicate?: (settings: ResidencySettings, request: FastifyRequest) => Promise<void>;
}

type Body = { homeRegion: string; rules?: ResidencyRule[] };

const problem = { $ref: 'problem#' } as const;
const security = [{ agentToken: [] }];
// Types and sizes only: the names and codes are checked in residencyRules.ts, whose refusals name
// the entry at fault the way the admin wrote it (`rules[0].countries[2]`).
const ruleSchema = {
  type: 'object',
  required: ['countries', 'region'],
  additionalProperties: false,
  properties: {
    countries: { type: 'array', maxItems: 250, items: { type: 'string', maxLength: 8 }, description: 'ISO 3166-1 alpha-2 codes in upper case (`DE`, `FR`); a country may be in one rule only.' },
    region: { type: 'string', maxLength: 64, description: 'One of the deployment\'s regions (REGIONS).' },
  },
} as const;
const settingsSchema = {
  type: 'object',
  properties: { homeRegion: { type: 'string' }, rules: { type: 'array', items: { type: 'object', properties: { countries: { type: 'array', items: { type: 'string' } }, region: { type: 'string' } } } } },
} as const;
const bodySchema = {
  type: 'object',
  required: ['homeRegion'],
  additionalProperties: false,
  properties: {
    homeRegion: { type: 'string', maxLength: 64, description: 'Where conversations go that no rule places; one of the deployment\'s regions.' },
    rules: { type: 'array', maxItems: 250, items: ruleSchema, description: 'A visitor whose country a rule names has their conversations in that rule\'s region (default: none).' },
  },
} as const;

/**
 * `/admin/residency`: where the admin's tenant's visitor conversations live
 * (data residency). A visitor's new conversation goes to the region of the
 * rule naming their country, else to the home region; see residencyRules.ts.
 * Every region holds the same settings: a PUT is stored here and copied to
 * every other region before it is answered.
 */
export async function residencyRoutes(app: FastifyInstance, opts: ResidencyRouteOptions): Promise<void> {
  app.put<{ Body: Body }>(
    '/admin/residency',
    {
      schema: {
        operationId: 'putResidencySettings',
        tags: ['admin'],
        security,
        description:
          'Replaces the tenant\'s data residency settings, in every region of the deployment: stored in this one, then copied to each other. ' +
          'An unknown region or a bad country code is 400 naming the field (`homeRegion`, `rules[1].region`, `rules[0].countries[2]`), and nothing is stored anywhere. ' +
          'A region that cannot be reached is 503 `region_unavailable` naming it; the regions that were reached keep the new settings. ' +
          'The PUT is idempotent: repeat it (after a 503, say) and every region converges on the same settings.',
        body: bodySchema,
        response: { 200: settingsSchema, '4xx': problem },
      },
    },
    async (request) => {
      const p = await requireStaff(request, ['admin']);
      const settings = validResidencySettings(request.body, opts.regions);
      await opts.store.put(p.tenantId, settings);
      // A copy forwarded by another region is stored only: the region that took the admin's PUT copies it everywhere.
      if (opts.replicate && forwardedFrom(request) === undefined) await opts.replicate(settings, request);
      return settings;
    },
  );

  app.get(
    '/admin/residency',
    {
      schema: {
        operationId: 'getResidencySettings',
        tags: ['admin'],
        security,
        description: 'The tenant\'s data residency settings as this region holds them; 404 when it has none (conversations then stay in the region that receives them).',
        response: { 200: settingsSchema, '4xx': problem },
      },
    },
    async (request) => {
      const p = await requireStaff(request, ['admin']);
      const settings = await opts.store.get(p.tenantId);
      if (!settings) throw new NotFoundError('residency settings of tenant', p.tenantId);
      return settings;
    },
  );
}
