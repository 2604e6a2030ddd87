/**
 * `npm run relay:reset`: deletes the relay's JetStream stream and its
 * checkpoint (see relayReset.ts), so that the relay publishes its event store
 * again from the first event. What the relay asks for when its checkpoint
 * belongs to another event store (a deleted `.data/`, a restored backup).
 * Uses the relay's own settings: NATS_URL, RELAY_NAME, RELAY_STREAM,
 * RELAY_CHECKPOINT_BUCKET. Stop every service first.
 */
import { commonConfig, ConfigError, connectNats, createLogger, loadConfig, string } from '@contactcenter/infra';
import { DEFAULT_STREAM } from '@contactcenter/infra/events';
import { DEFAULT_CHECKPOINT_BUCKET } from './checkpointStore';
import { resetRelay } from './relayReset';

async function main() {
  const config = loadConfig({
    LOG_LEVEL: commonConfig.LOG_LEVEL,
    NATS_URL: commonConfig.NATS_URL,
    RELAY_NAME: string({ default: 'conversation' }),
    RELAY_STREAM: string({ default: DEFAULT_STREAM }),
    RELAY_CHECKPOINT_BUCKET: string({ default: DEFAULT_CHECKPOINT_BUCKET }),
  });
  const nc = await connectNats(config.NATS_URL, 'relay-reset', createLogger('relay-reset', config.LOG_LEVEL));
  try {
    const { streamDeleted, messagesDropped } = await resetRelay({ nc, relayName: config.RELAY_NAME, stream: config.RELAY_STREAM, checkpointBucket: config.RELAY_CHECKPOINT_BUCKET });
    process.stdout.write(
      `relay:reset: ${streamDeleted ? `deleted stream ${config.RELAY_STREAM} (${messagesDropped} events)` : `stream ${config.RELAY_STREAM} did not exist`}` +
        ` and the checkpoint of relay ${config.RELAY_NAME}; the relay publishes the event store from its first event at its next start.` +
        ` Rebuild the service metrics too (npm run rebuild:metrics).\n`,
    );
  } finally {
    await nc.drain();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`relay:reset: ${err instanceof ConfigError ? 'configuration error: ' : ''}${(err as Error).message}\n`);
  process.exit(1);
});
