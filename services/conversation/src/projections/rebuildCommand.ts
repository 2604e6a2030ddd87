/**
 * `npm run rebuild:read-models`: empties the conversation read models and
 * folds the whole event store log into them again. Uses the service's own
 * configuration (EVENT_STORE_URL, READ_MODEL_URL). Run it with the service
 * stopped, or expect the running service's reads to lag until it finishes.
 */
import { createLogger, loadConfig, ConfigError } from '@contactcenter/infra';
import { createEventStore } from '@contactcenter/infra/eventstore';
import { connectSql } from '@contactcenter/infra/sql';
import { conversationConfig } from '../config';
import { readModelUrlFor } from '../readModelUrl';
import { assembleConversationService } from '../service';

async function main() {
  const config = loadConfig(conversationConfig);
  const logger = createLogger('conversation-rebuild', process.env.LOG_LEVEL ?? 'info');
  const events = await createEventStore(config.EVENT_STORE_URL, { migrate: false });
  const sql = await connectSql(readModelUrlFor(config.EVENT_STORE_URL, config.READ_MODEL_URL));
  try {
    const { projector } = await assembleConversationService({ events, sql, logger, snapshotEvery: config.SNAPSHOT_EVERY });
    const started = Date.now();
    const applied = await projector.rebuild();
    logger.info({ events: applied, ms: Date.now() - started }, 'read models rebuilt');
  } finally {
    await events.close();
    await sql.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`rebuild:read-models: ${err instanceof ConfigError ? 'configuration error: ' : ''}${(err as Error).message}\n`);
  process.exit(1);
});
