/**
 * `npm run rebuild:metrics`: empties the metrics database and projects the
 * events stream into it again from the first event the stream holds, with
 * the survey service's own configuration (NATS_URL, SURVEY_DATABASE_URL).
 * Figures come out the same (the projection is a pure function of the
 * events); run it after a change to how figures are derived, or to recover a
 * lost database. Stop the projecting replicas first, or they race it.
 */
import { commonConfig, ConfigError, connectNats, createLogger, loadConfig } from '@contactcenter/infra';
import { metricsConfig } from './metricsConfig';
import { MetricsProjection } from './projection/metricsProjection';
import { MetricsStore } from './store/metricsStore';

async function main() {
  const config = loadConfig({ ...commonConfig, ...metricsConfig });
  const logger = createLogger('survey-metrics-rebuild', config.LOG_LEVEL);
  if (config.SURVEY_DATABASE_URL === 'pglite://memory') throw new ConfigError('SURVEY_DATABASE_URL', 'an in-memory database is rebuilt at every start; name the database to rebuild');
  const nc = await connectNats(config.NATS_URL, 'survey-metrics-rebuild', logger);
  const store = await MetricsStore.open(config.SURVEY_DATABASE_URL);
  const projection = new MetricsProjection({ nc, store, logger, batchSize: config.SURVEY_METRICS_BATCH });
  try {
    const started = Date.now();
    await projection.rebuild();
    if (!(await projection.caughtUp(60 * 60_000))) throw new Error('the projection did not catch up with the stream within an hour');
    logger.info({ projected_through: projection.projectedThrough, ms: Date.now() - started }, 'metrics rebuilt from the first event');
  } finally {
    await projection.stop();
    await store.close();
    await nc.drain();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`rebuild:metrics: ${err instanceof ConfigError ? 'configuration error: ' : ''}${(err as Error).message}\n`);
  process.exit(1);
});
