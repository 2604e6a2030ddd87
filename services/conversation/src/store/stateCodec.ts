/**
 * JSON for aggregate state in snapshots: Dates and Maps survive the round
 * trip (tagged as {"$date": …} and {"$map": […]}), everything else is plain.
 */
type Tagged = { $date: string } | { $map: [unknown, unknown][] };

/** Maps and immutable map-like values (e.g. the conversation's ClientMessageIndex) are stored as entries. */
const isMapLike = (v: object): v is ReadonlyMap<unknown, unknown> =>
  v instanceof Map || (typeof (v as ReadonlyMap<unknown, unknown>).entries === 'function' && typeof (v as ReadonlyMap<unknown, unknown>).get === 'function' && typeof (v as ReadonlyMap<unknown, unknown>).size === 'number');

export function stateToJSON(state: unknown): unknown {
  const walk = (v: unknown): unknown => {
    if (v instanceof Date) return { $date: v.toISOString() };
    if (v && typeof v === 'object' && isMapLike(v)) return { $map: [...v.entries()].map(([k, x]) => [walk(k), walk(x)]) };
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(state);
}

export function stateFromJSON<S>(json: unknown): S {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const t = v as Partial<Tagged> & Record<string, unknown>;
      if (typeof t.$date === 'string' && Object.keys(t).length === 1) return new Date(t.$date);
      if (Array.isArray(t.$map) && Object.keys(t).length === 1) return new Map(t.$map.map(([k, x]) => [walk(k), walk(x)]));
      return Object.fromEntries(Object.entries(t).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(json) as S;
}
