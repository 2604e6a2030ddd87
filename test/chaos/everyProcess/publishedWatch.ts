/**
 * Watches the relay's work: a core NATS subscription to the tenant's
 * MessagePosted subject sees each event as it is published into JetStream,
 * so a late delivery can be blamed on the relay (published late) or on the
 * gateway's feeds (published on time, delivered late). Core subscriptions
 * come back by themselves when the client reconnects to a restarted server.
 */
import { decodeCloudEvent } from '@contactcenter/infra/events';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { ChaosLedger } from './chaosLedger';

export async function watchPublished(natsUrl: string, tenant: string, ledger: ChaosLedger): Promise<{ nc: NatsConnection; close(): Promise<void> }> {
  const nc = await connect({ servers: natsUrl, name: 'chaos-observer', maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const sub = nc.subscribe(`cc.${tenant}.conversation.MessagePosted.>`);
  void (async () => {
    for await (const m of sub) {
      try {
        const event = decodeCloudEvent(m) as { data?: { message?: { clientMessageId?: string } } };
        ledger.onPublished(event.data?.message?.clientMessageId);
      } catch {
        // not ours to judge here: the durable ledger reads the stream itself
      }
    }
  })();
  return { nc, close: () => nc.close() };
}
