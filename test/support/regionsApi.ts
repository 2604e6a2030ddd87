/**
 * What the multi-region end-to-end tests ask of the regions they start
 * (test/support/regions.ts): calls to a region's gateway, reads of its event
 * store and of its events stream (with its own NATS account), shift calendars
 * relative to the real clock, and small waiting and statistics helpers.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import type { TestRegions } from './regions';

export type Json = Record<string, any>;

export interface Answer {
  status: number;
  body: Json;
  ms: number;
}

/** Calls to each region's gateway; `regions()` is read at call time (the regions start in beforeAll). */
export function regionClient(regions: () => TestRegions) {
  const call = async (region: string, method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const started = performance.now();
    const res = await fetch(`${regions().region(region).gatewayUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Json) : {}, ms: performance.now() - started };
  };
  /** The body of a 2xx answer; anything else fails naming the call and the answer. */
  const ok = async (region: string, method: string, path: string, token: string, body?: unknown, headers?: Record<string, string>): Promise<Json> => {
    const a = await call(region, method, path, token, body, headers);
    if (a.status >= 300) throw new Error(`${region} ${method} ${path}: ${a.status} ${JSON.stringify(a.body)}`);
    return a.body;
  };
  return { call, ok };
}

/** The events of every stream whose id contains `part` (a conversation id, a tenant) in the region's event store, in log order. */
export async function storedEvents(regions: TestRegions, region: string, part: string): Promise<{ stream_id: string; type: string; data: Json }[]> {
  const client = new pg.Client({ connectionString: regions.region(region).eventStoreUrl });
  await client.connect();
  try {
    const rows = await client.query<{ stream_id: string; type: string; data: Json }>(`SELECT stream_id, type, data FROM es_events WHERE stream_id LIKE '%' || $1 || '%' ORDER BY position`, [part]);
    return rows.rows;
  } finally {
    await client.end();
  }
}

/** A connection to the region's NATS in its own account: its streams are invisible to any other. */
export async function regionNats(regions: TestRegions, region: string): Promise<NatsConnection> {
  const server = regions.nats.regions.get(region)!;
  return connect({ servers: `127.0.0.1:${server.port}`, user: server.user, pass: server.password });
}

const DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'].map((d) => `DAY_OF_WEEK_${d}`);

/** The hour of the day now in `zone` (0-23). */
export const hourIn = (zone: string): number => Number(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
const hh = (h: number) => `${String(((h % 24) + 24) % 24).padStart(2, '0')}:00`;

/** A shift calendar of `hours` every day from local hour `from` (overnight when it passes midnight). */
export function everyDay(timeZone: string, from: number, hours: number) {
  const start = ((from % 24) + 24) % 24;
  const end = (start + hours) % 24;
  return { timeZone, shifts: DAYS.map((day) => ({ day, start: hh(start), end: hh(end), endsNextDay: end < start })), holidays: [] };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** The first value `probe` gives that is not undefined; fails naming `what` after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}
