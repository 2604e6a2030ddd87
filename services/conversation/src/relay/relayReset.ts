import { jetstreamManager, JetStreamApiError } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { RelayCheckpoints } from './checkpointStore';

export interface RelayResetOptions {
  nc: NatsConnection;
  relayName: string;
  stream: string;
  checkpointBucket: string;
}

/**
 * Empties what a relay has published and remembered: deletes the JetStream
 * stream (with every consumer on it) and the relay's checkpoint. The relay's
 * next start recreates the stream and publishes its event store from the
 * first event. For a stream that belongs to another store (see
 * checkpointMatch.ts); run with every service stopped.
 *
 * The stream is deleted, not purged: a purge keeps JetStream's duplicate
 * window, which would drop re-published events whose ids it saw moments ago.
 * Consumers' positions (durables, the metrics projection's checkpoint, clients'
 * `after`) then start again from 1: rebuild the metrics (`npm run rebuild:metrics`).
 */
export async function resetRelay(options: RelayResetOptions): Promise<{ streamDeleted: boolean; messagesDropped: number }> {
  const jsm = await jetstreamManager(options.nc);
  let messagesDropped = 0;
  let streamDeleted = false;
  try {
    messagesDropped = (await jsm.streams.info(options.stream)).state.messages;
    streamDeleted = await jsm.streams.delete(options.stream);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && /stream not found/i.test(err.message))) throw err;
  }
  const checkpoints = await RelayCheckpoints.open(options.nc, options.checkpointBucket);
  await checkpoints.reset(options.relayName);
  return { streamDeleted, messagesDropped };
}
