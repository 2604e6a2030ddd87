import { ConfigError, commonConfig, loadConfig, type ConfigOf, type Schema } from './config';
import { isDomainError } from './errors';
import { GrpcServer } from './grpc/server';
import { createLogger, type Logger } from './logger';
import { stdoutLogOutput } from './logOutput';
import { ServiceMetrics } from './metrics';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats, drainNats, untilJetStreamAnswers, type NatsConnection } from './nats';
import { installShutdown, type ShutdownStep } from './shutdown';
import { setJetStreamReplicas } from './jetstreamReplicas';
import { startTracing } from './tracing/setup';

export type CommonConfig = ConfigOf<typeof commonConfig>;

/** What a service's `start` receives: everything the runtime kit set up. */
export interface ServiceRuntime<C> {
  name: string;
  config: C & CommonConfig;
  logger: Logger;
  nats: NatsConnection;
  grpc: GrpcServer;
  metrics: ServiceMetrics;
  /** Runs after the gRPC server stopped accepting and before NATS is drained. */
  onShutdown(name: string, run: () => Promise<void>): void;
}

/** Exit codes from sysexits.h, so an operator can tell bad config from a missing peer. */
const EXIT_CONFIG = 78;
const EXIT_UNAVAILABLE = 69;

/**
 * The process shape every service shares: validated config, logs, metrics,
 * NATS, a gRPC server with health, and graceful shutdown. `start` registers the
 * service's gRPC implementation and consumers; the server starts serving after it.
 *
 * @example
 *   runService('survey', { SURVEY_DELAY_MS: int({ default: 0 }) }, async (rt) => {
 *     rt.grpc.addService(SurveyServiceService, implementation(rt));
 *   });
 */
export function runService<S extends Schema>(name: string, schema: S, start: (rt: ServiceRuntime<ConfigOf<S>>) => Promise<void>): void {
  void main(name, schema, start).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: configuration error: ${message}\n`);
      process.exit(EXIT_CONFIG);
    }
    process.stderr.write(`${name}: cannot start: ${message}\n`);
    process.exit(isDomainError(err) && err.code === 'unavailable' ? EXIT_UNAVAILABLE : 1);
  });
}

async function main<S extends Schema>(name: string, schema: S, start: (rt: ServiceRuntime<ConfigOf<S>>) => Promise<void>) {
  const config = loadConfig({ ...commonConfig, ...schema }) as ConfigOf<S> & CommonConfig;
  // Logging must never block the process (a full stdout pipe would stop its shutdown bound too).
  const output = stdoutLogOutput();
  const logger = createLogger(name, config.LOG_LEVEL, output);
  setJetStreamReplicas(config.JETSTREAM_REPLICAS);
  const tracing = startTracing(name, { endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, region: config.REGION });
  const metrics = new ServiceMetrics(name);
  const metricsServer = await metrics.serve(config.GRPC_HOST, config.METRICS_PORT);
  const nats = await connectNats(config.NATS_URL, name, logger, { user: config.NATS_USER, pass: config.NATS_PASSWORD });
  // Every service keeps its state and events in JetStream: wait for it to answer rather than fail the first setup step.
  await untilJetStreamAnswers('the JetStream API', () => jetstreamManager(nats));
  const grpc = new GrpcServer(logger, metrics, { maxConnectionAgeMs: config.GRPC_MAX_CONNECTION_AGE_MS });
  const hooks: ShutdownStep[] = [];

  installShutdown(
    logger,
    () => [
      { name: 'grpc', run: () => grpc.shutdown(config.SHUTDOWN_TIMEOUT_MS / 2) },
      ...hooks,
      { name: 'nats', run: () => drainNats(nats, config.SHUTDOWN_TIMEOUT_MS / 4) },
      { name: 'metrics', run: () => metricsServer.close() },
      // Last: the spans of the shutdown itself (a final relay publish, a drained consumer) go out too.
      { name: 'tracing', run: () => tracing.shutdown() },
    ],
    config.SHUTDOWN_TIMEOUT_MS,
    output,
  );

  await start({ name, config, logger, nats, grpc, metrics, onShutdown: (n, run) => hooks.push({ name: n, run }) });
  const grpcPort = await grpc.listen(config.GRPC_HOST, config.GRPC_PORT);
  grpc.markServing();
  logger.info({ grpc_port: grpcPort, metrics_port: metricsServer.port, region: config.REGION }, 'ready');
}
