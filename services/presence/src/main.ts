import { int, runService, string } from '@contactcenter/infra';
import { PresenceServiceService } from '@contactcenter/proto/presence/v1';
import { Presence, presenceGrpc } from './presenceService';
import { PresenceEvents } from './store/presenceEvents';
import { DEFAULT_PRESENCE_BUCKET, PresenceStore } from './store/presenceStore';

/**
 * The presence service process: agent status, heartbeats, capacity and
 * shifts in NATS KV (shared by every replica), changes published as events,
 * and a sweeper that sends silent agents away.
 */
runService(
  'presence',
  {
    /** NATS KV bucket of agent presence, shared by every presence replica. */
    PRESENCE_BUCKET: string({ default: DEFAULT_PRESENCE_BUCKET }),
    /** An agent whose connections all stopped beating goes away after this long. */
    HEARTBEAT_TIMEOUT_MS: int({ default: 30_000, min: 1_000 }),
    /** How often this replica looks for agents whose heartbeats stopped. */
    PRESENCE_SWEEP_INTERVAL_MS: int({ default: 5_000, min: 100 }),
  },
  async (rt) => {
    const { config, logger } = rt;
    const store = await PresenceStore.open(rt.nats, config.PRESENCE_BUCKET, { logger });
    const events = await PresenceEvents.open(rt.nats, config.REGION, logger);
    const presence = new Presence({ store, events, logger, heartbeatTimeoutMs: config.HEARTBEAT_TIMEOUT_MS });
    rt.grpc.addService(PresenceServiceService, presenceGrpc(presence, store, logger));

    let sweeping: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      sweeping = sweeping.then(() => presence.sweepAll()).catch((err: unknown) => logger.warn({ err }, 'presence sweep failed'));
    }, config.PRESENCE_SWEEP_INTERVAL_MS);
    rt.onShutdown('sweeper', async () => {
      clearInterval(timer);
      await sweeping;
      await store.close();
    });
  },
);
