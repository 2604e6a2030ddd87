/**
 * The metric names a PromQL expression reads, for checking dashboards and
 * alert rules against the metrics the code defines. Not a PromQL parser: it
 * drops strings, label matchers, ranges and grouping lists, then takes every
 * identifier that is not a function call, keyword or Grafana variable.
 */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan', 'le']);

export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // strings
    .replace(/\{[^{}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // grouping label lists
    .replace(/\$\{?\w+\}?/g, ' '); // Grafana variables ($__rate_interval, ${datasource})
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = m[0];
    const after = stripped.slice(m.index! + name.length).trimStart();
    if (after.startsWith('(')) continue; // a function
    if (KEYWORDS.has(name.toLowerCase())) continue;
    if (/^\d/.test(name) || /^[0-9.]+[smhdwy]$/.test(name)) continue;
    names.add(name);
  }
  return [...names];
}

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** `name` as a series of a defined metric: a histogram's `_bucket`, `_count` and `_sum`, a summary's `_count` and `_sum`. */
export function isDefinedMetric(name: string, defined: ReadonlyMap<string, MetricType>): boolean {
  if (defined.has(name)) return true;
  const m = /^(.*)_(bucket|count|sum)$/.exec(name);
  if (!m) return false;
  const type = defined.get(m[1]!);
  return type === 'histogram' || (type === 'summary' && m[2] !== 'bucket');
}
