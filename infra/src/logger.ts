import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs: every line carries the service name; request-scoped
 * children add `request_id` and `trace_id`.
 */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
