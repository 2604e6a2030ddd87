import pino, { type Logger } from 'pino';
import type { LogOutput } from './logOutput';

export type { Logger };

/**
 * Structured JSON logs: every line carries the service name; request-scoped
 * children add `request_id` and `trace_id`. Written to standard output
 * synchronously, or to `output` (a service process passes its
 * `stdoutLogOutput()`, which never blocks).
 */
export function createLogger(service: string, level = 'info', output?: LogOutput): Logger {
  const options = {
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return output ? pino(options, { write: (line: string) => output.write(line) }) : pino(options);
}
