import { bool, int, url } from '@contactcenter/infra';

/**
 * Settings of the survey service's metrics part, beyond the ones every
 * service shares; merge into the service's schema.
 */
export const metricsConfig = {
  /**
   * The metrics database: postgres://… in production, pglite://<dir> embedded (one
   * process per directory; `npm start` uses .data/survey-metrics), or pglite://memory,
   * the default: then the figures are rebuilt from the first event at every start.
   */
  SURVEY_DATABASE_URL: url(['postgres', 'postgresql', 'pglite'], { default: 'pglite://memory' }),
  /** Run the projection of CC_EVENTS in this replica. Run it in one replica; others may serve queries only. */
  SURVEY_METRICS_PROJECTION: bool({ default: true }),
  /** Events per database transaction while catching up. */
  SURVEY_METRICS_BATCH: int({ default: 2_000, min: 1, max: 20_000 }),
};
