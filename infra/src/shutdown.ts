import type { Logger } from './logger';
import type { LogOutput } from './logOutput';

export type ShutdownStep = { name: string; run: () => Promise<void> };

/**
 * On SIGTERM or SIGINT runs the steps in order (stop accepting, finish
 * in-flight work, drain NATS, …) and exits 0. The bound is hard: whatever
 * state the peers are in (gone, frozen, restarting) and whatever a step waits
 * for, the process exits 1 after `timeoutMs` (SHUTDOWN_TIMEOUT_MS) with one
 * line naming the step still running and those not started. A second signal
 * while shutting down exits at once.
 *
 * With `output` (the service's non-blocking standard output), the last lines
 * are given a little of the bound to reach the reader before the exit: the
 * bound's timer fires that much earlier, so the total still holds.
 */
export function installShutdown(logger: Logger, steps: () => ShutdownStep[], timeoutMs: number, output?: LogOutput): void {
  const flushBudgetMs = output ? Math.min(250, Math.floor(timeoutMs / 10)) : 0;
  const exit = async (code: number) => {
    await output?.flush(flushBudgetMs);
    process.exit(code);
  };
  let stopping = false;
  let running: string | undefined;
  let pending: string[] = [];
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal, running, pending }, 'second signal during shutdown; exiting now');
      process.exit(1);
    }
    stopping = true;
    // Armed first, and not unref'd: it fires even if a step hangs on a promise that nothing else keeps alive.
    setTimeout(() => {
      logger.error({ timeoutMs, running, pending }, `shutdown did not finish within ${timeoutMs} ms; exiting with ${[running, ...pending].filter(Boolean).join(', ') || 'nothing'} still running`);
      void exit(1);
    }, timeoutMs - flushBudgetMs);
    logger.info({ signal }, 'shutting down');
    void (async () => {
      const all = steps();
      pending = all.map((s) => s.name);
      for (const step of all) {
        pending.shift();
        running = step.name;
        try {
          await step.run();
        } catch (err) {
          logger.warn({ err, step: step.name }, 'shutdown step failed');
        }
      }
      running = undefined;
      logger.info('stopped');
      await exit(0);
    })();
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
