import type { Logger } from './logger';

export type ShutdownStep = { name: string; run: () => Promise<void> };

/**
 * On SIGTERM or SIGINT runs the steps in order (stop accepting, finish
 * in-flight work, drain NATS, …) and exits 0; exits 1 if they take longer
 * than `timeoutMs`. A second signal while shutting down exits at once.
 */
export function installShutdown(logger: Logger, steps: () => ShutdownStep[], timeoutMs: number): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal during shutdown; exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown did not finish in time');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    void (async () => {
      for (const step of steps()) {
        try {
          await step.run();
        } catch (err) {
          logger.warn({ err, step: step.name }, 'shutdown step failed');
        }
      }
      logger.info('stopped');
      // pino writes synchronously to stdout by default; nothing is lost here.
      process.exit(0);
    })();
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
