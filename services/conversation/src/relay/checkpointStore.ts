import { JETSTREAM_REQUEST_TIMEOUT_MS, jetStreamReplicas } from '@contactcenter/infra';
import { ValidationError } from '@contactcenter/infra/errors';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

export const DEFAULT_CHECKPOINT_BUCKET = 'cc_relay_checkpoints';

/** What a relay remembers: the global position of the last event JetStream acknowledged. */
export interface RelayCheckpoint {
  position: string;
  eventId: string;
  savedAt: string;
  /**
   * The identity of the event store the position belongs to (EventStore.storeId).
   * Absent in checkpoints saved before stores had one: those are checked by their event id.
   */
  storeId?: string;
}

const KEY = /^[-/_=.a-zA-Z0-9]+$/;

/**
 * Relay checkpoints in a NATS KV bucket, one key per relay name. Keeping them
 * next to the stream they describe (rather than in the event store) means a
 * relay needs no write access to the event store.
 *
 * @example
 *   const checkpoints = await RelayCheckpoints.open(nc);
 *   const last = await checkpoints.load('conversation'); // undefined on the first run
 *   await checkpoints.save('conversation', { position: '42', eventId, savedAt: new Date().toISOString() });
 */
export class RelayCheckpoints {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection, bucket = DEFAULT_CHECKPOINT_BUCKET, options: { replicas?: number } = {}): Promise<RelayCheckpoints> {
    // history 1: only the latest checkpoint matters; file storage: it must survive a server restart.
    const kv = await new Kvm(nc).create(bucket, { history: 1, storage: 'file', replicas: jetStreamReplicas(options.replicas) });
    return new RelayCheckpoints(kv);
  }

  async load(relayName: string): Promise<RelayCheckpoint | undefined> {
    const entry = await this.kv.get(keyOf(relayName));
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return undefined;
    const value = entry.json<Partial<RelayCheckpoint>>();
    if (typeof value.position !== 'string') throw new ValidationError(`checkpoint ${relayName}`, 'has no position');
    return { position: value.position, eventId: value.eventId ?? '', savedAt: value.savedAt ?? '', ...(typeof value.storeId === 'string' ? { storeId: value.storeId } : {}) };
  }

  async save(relayName: string, checkpoint: RelayCheckpoint, timeoutMs = JETSTREAM_REQUEST_TIMEOUT_MS): Promise<void> {
    await this.kv.put(keyOf(relayName), JSON.stringify(checkpoint), { timeout: timeoutMs });
  }

  /** Forgets a relay's checkpoint: it then starts again from the beginning of the log. */
  async reset(relayName: string): Promise<void> {
    await this.kv.delete(keyOf(relayName));
  }
}

function keyOf(relayName: string): string {
  if (!KEY.test(relayName) || relayName.startsWith('.') || relayName.endsWith('.')) {
    throw new ValidationError('RELAY_NAME', `must be a NATS KV key ([-/_=.a-zA-Z0-9]), got ${JSON.stringify(relayName)}`);
  }
  return relayName;
}
