/**
 * The Grafana dashboard and the Prometheus alert rules under k8s/observability
 * read only metrics the code defines: those the runtime kit registers in every
 * process (measured from a real registry, default Node metrics included) and
 * those the services declare (read from their source). A renamed metric fails
 * here instead of leaving a silent panel or an alert that never fires.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { httpRequestDurationHistogram, ServiceMetrics } from '@contactcenter/infra';
import { isDefinedMetric, metricNamesIn, type MetricType } from './promqlMetrics';
import { findKubectl, kustomize, ROOT } from './kubectl';

const DIR = join(ROOT, 'k8s', 'observability');

/** Non-test TypeScript under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === 'node_modules' || entry === 'gen') return [];
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

/**
 * Metrics declared in source files that use prom-client, with their type:
 * `name: 'x'` in the options of the nearest `new Counter|Gauge|Histogram|Summary(`
 * before it, or a `gauge('x', …)` helper.
 */
function declaredInSource(): Map<string, MetricType> {
  const found = new Map<string, MetricType>();
  for (const file of [...sources(join(ROOT, 'services')), ...sources(join(ROOT, 'infra', 'src'))]) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes("from 'prom-client'")) continue;
    for (const m of text.matchAll(/\bname:\s*'([a-z_:][a-z0-9_:]*)'/g)) {
      const ctor = [...text.slice(0, m.index).matchAll(/new (Counter|Gauge|Histogram|Summary)\b/g)].pop();
      if (ctor) found.set(m[1]!, ctor[1]!.toLowerCase() as MetricType);
    }
    for (const m of text.matchAll(/\bgauge\(\s*'([a-z_:][a-z0-9_:]*)'/g)) found.set(m[1]!, 'gauge');
  }
  return found;
}

async function definedMetrics(): Promise<Map<string, MetricType>> {
  const metrics = new ServiceMetrics('observability-test');
  httpRequestDurationHistogram(metrics.registry);
  const registered = (await metrics.registry.getMetricsAsJSON()).map((m) => [m.name, String(m.type) as MetricType] as const);
  return new Map([...declaredInSource(), ...registered]);
}

type Rule = { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
const rules = (parse(readFileSync(join(DIR, 'prometheus-rules.yaml'), 'utf8')) as { groups: { name: string; rules: Rule[] }[] }).groups;
type Panel = { title: string; type: string; targets?: { expr: string }[]; panels?: Panel[] };
const dashboard = JSON.parse(readFileSync(join(DIR, 'grafana-dashboard.json'), 'utf8')) as { uid: string; panels: Panel[]; templating: { list: { name: string; query: unknown }[] } };
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);

let defined: Map<string, MetricType>;
beforeAll(async () => {
  defined = await definedMetrics();
});

describe('the metric-name reader', () => {
  it('takes metrics, not functions, keywords, labels or variables', () => {
    expect(
      metricNamesIn('histogram_quantile(0.95, sum by (route, le) (rate(http_server_request_duration_seconds_bucket{route!~"/v1/(events|x_y)"}[$__rate_interval]))) / on (ns) group_left foo_total > 0.5'),
    ).toEqual(['http_server_request_duration_seconds_bucket', 'foo_total']);
    expect(metricNamesIn('time() - max by (relay) (relay_checkpoint_saved_timestamp_seconds) > 600')).toEqual(['relay_checkpoint_saved_timestamp_seconds']);
  });

  it('knows the metrics the services define, histogram series included', () => {
    for (const name of ['grpc_server_handling_seconds', 'http_server_request_duration_seconds', 'relay_lag_seconds', 'routing_queue_longest_wait_seconds', 'survey_metrics_lag_events', 'process_cpu_seconds_total']) {
      expect(defined.has(name)).toBe(true);
    }
    expect(isDefinedMetric('grpc_server_handling_seconds_count', defined)).toBe(true);
    expect(isDefinedMetric('relay_lag_seconds_count', defined)).toBe(false); // a gauge has no _count
  });
});

describe('Prometheus alert rules', () => {
  const all = rules.flatMap((g) => g.rules.map((r) => ({ group: g.name, ...r })));

  it.each(all.map((r) => [r.alert ?? r.record, r] as const))('%s reads only defined metrics', (_name, rule) => {
    const names = metricNamesIn(rule.expr);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !isDefinedMetric(n, defined))).toEqual([]);
  });

  it('every alert has a severity, a summary and a description', () => {
    for (const r of all.filter((x) => x.alert)) {
      expect([r.alert, r.labels?.severity]).toEqual([r.alert, expect.stringMatching(/^(warning|critical)$/)]);
      expect(r.annotations?.summary).toBeTruthy();
      expect(r.annotations?.description).toBeTruthy();
    }
  });

  it('covers relay lag, projection lag, queue wait and error rates', () => {
    const read = new Set(all.flatMap((r) => metricNamesIn(r.expr)));
    for (const name of ['relay_lag_seconds', 'survey_metrics_lag_events', 'stream_follower_lag_messages', 'routing_queue_longest_wait_seconds', 'http_server_request_duration_seconds_count', 'grpc_server_handling_seconds_count']) {
      expect(read).toContain(name);
    }
  });
});

describe('Grafana dashboard', () => {
  const queries = panels.filter((p) => p.targets).flatMap((p) => p.targets!.map((t) => [p.title, t.expr] as const));

  it.each(queries)('%s: %s reads only defined metrics', (_title, expr) => {
    const names = metricNamesIn(expr);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !isDefinedMetric(n, defined))).toEqual([]);
  });

  it("its variables' queries name defined metrics too", () => {
    for (const v of dashboard.templating.list) {
      const m = typeof v.query === 'string' ? /label_values\((\w+)/.exec(v.query) : null;
      if (m) expect(isDefinedMetric(m[1]!, defined)).toBe(true);
    }
  });
});

describe('PromQL syntax (with PROMTOOL=/path/to/promtool, e.g. from Debian\'s `prometheus` package)', () => {
  const promtool = process.env.PROMTOOL;
  (promtool ? it : it.skip)('promtool accepts the rule file', () => {
    const r = spawnSync(promtool!, ['check', 'rules', join(DIR, 'prometheus-rules.yaml')], { encoding: 'utf8' });
    expect(r.status === 0 ? 'ok' : `${r.stdout}\n${r.stderr}`).toBe('ok');
  });
});

describe('k8s/observability kustomization', () => {
  const kubectl = findKubectl();
  const itWithKubectl = 'path' in kubectl ? it : it.skip;
  if (!('path' in kubectl)) process.stdout.write(`skipping the observability build: ${kubectl.unavailable}\n`);

  itWithKubectl('builds the dashboard ConfigMap for the Grafana sidecar and the rules ConfigMap', () => {
    const objects = kustomize((kubectl as { path: string }).path, DIR);
    const byName = new Map(objects.map((o) => [o.metadata.name, o]));
    const dash = byName.get('contactcenter-grafana-dashboard');
    expect(dash?.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(JSON.parse(dash!.data!['contactcenter.json']!).uid).toBe(dashboard.uid);
    expect(parse(byName.get('contactcenter-prometheus-rules')!.data!['contactcenter.rules.yaml']!).groups).toHaveLength(rules.length);
  });
});
