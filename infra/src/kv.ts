/**
 * NATS KV as the services use it: buckets of state (one revision per key,
 * file storage), values as JSON, and compare-and-set writes whose lost races
 * the caller tells apart from real failures.
 */
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { Kvm, type KV, type KvEntry, type KvOptions } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { UnavailableError } from './errors';

/**
 * Opens (creating when absent) a bucket of state: history 1, because the
 * history lives in the events; file storage, so it outlives a server restart.
 * @throws UnavailableError naming the bucket and what it holds.
 *
 * @example
 *   const kv = await openStateBucket(nc, 'cc_routing', 'routing');
 */
export async function openStateBucket(nc: NatsConnection, bucket: string, what: string, options: Partial<KvOptions> = {}): Promise<KV> {
  try {
    return await new Kvm(nc).create(bucket, { history: 1, storage: 'file', ...options });
  } catch (err) {
    throw new UnavailableError(`cannot open the ${what} KV bucket ${bucket}: ${(err as Error).message}`, { cause: err });
  }
}

/** Whether an entry holds a value (not a delete or purge marker). */
export const isLiveEntry = (entry: KvEntry | null | undefined): entry is KvEntry => !!entry && entry.operation === 'PUT' && entry.length > 0;

/** The entry's JSON value and revision, or undefined when there is none. */
export function jsonOf<V>(entry: KvEntry | null | undefined): { value: V; revision: number } | undefined {
  return isLiveEntry(entry) ? { value: entry.json<V>(), revision: entry.revision } : undefined;
}

/** A compare-and-set that lost: `create` on an existing key, `update` on a stale revision. */
export function isLostRace(err: unknown): boolean {
  if (err instanceof JetStreamApiError) {
    return err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown;
  }
  return /wrong last sequence/i.test((err as Error)?.message ?? '');
}
