import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';

/** Log lines held in memory while standard output is not being read; beyond this they are dropped and counted. */
export const DEFAULT_MAX_BUFFERED_LOG_BYTES = 8 * 1_048_576;

/** Where a service's log lines go: `write` never blocks the event loop, `flush` waits a bounded time for what is queued. */
export interface LogOutput {
  write(line: string): void;
  /** Resolves once every queued line is written, or after `timeoutMs`, whichever is first. */
  flush(timeoutMs: number): Promise<void>;
  /** Lines dropped because standard output was not read (its reader stopped, or was gone) and the buffer was full. */
  readonly dropped: number;
}

/**
 * A service's standard output, written so that logging can never stop the
 * process: not its work and not its shutdown bound.
 *
 * pino writes to fd 1 synchronously. When fd 1 is a pipe whose reader is
 * alive but no longer reading (a launcher busy shutting down, a stopped
 * parent, a log shipper that stalled), the pipe fills and the next log line
 * blocks the whole process inside write(2): its SIGTERM handler and its
 * SHUTDOWN_TIMEOUT_MS timer never run. A write on the thread pool is no
 * better, because the process cannot exit while that thread is stuck.
 *
 * So for a pipe or socket, fd 1 is opened as a non-blocking libuv stream:
 * a line the pipe cannot take yet is queued in memory, up to
 * `maxBufferedBytes`; past that lines are dropped and counted, and the
 * count is written as a line of its own once the pipe drains. A pipe whose
 * reader is gone (EPIPE) drops everything silently. Files and terminals
 * never block for long and are written synchronously as before.
 *
 * One per process: every logger of a service shares it (two streams on one
 * fd would close it under each other).
 *
 * @example
 *   const output = stdoutLogOutput();
 *   const logger = createLogger('routing', 'info', output);
 *   await output.flush(250); // before process.exit
 */
export function stdoutLogOutput(maxBufferedBytes = DEFAULT_MAX_BUFFERED_LOG_BYTES): LogOutput | undefined {
  if (shared) return shared;
  let stat;
  try {
    stat = fstatSync(1);
  } catch {
    return undefined; // no standard output at all: pino's default copes
  }
  if (!(stat.isFIFO() || stat.isSocket())) return undefined; // a file or a terminal: pino's own synchronous writes
  shared = new PipeLogOutput(new Socket({ fd: 1, readable: false, writable: true }), maxBufferedBytes);
  return shared;
}

let shared: LogOutput | undefined;

/** Exported for tests: any writable socket can stand in for fd 1. */
export class PipeLogOutput implements LogOutput {
  private droppedLines = 0;
  private droppedSinceReported = 0;
  private gone = false;

  constructor(
    private readonly socket: Socket,
    private readonly maxBufferedBytes: number,
  ) {
    // EPIPE and the like: the reader is gone and will not come back; nothing more can be said.
    socket.on('error', () => {
      this.gone = true;
    });
    socket.on('drain', () => this.reportDrops());
  }

  get dropped(): number {
    return this.droppedLines;
  }

  write(line: string): void {
    if (this.gone) {
      this.droppedLines++;
      return;
    }
    if (this.socket.writableLength + line.length > this.maxBufferedBytes) {
      this.droppedLines++;
      this.droppedSinceReported++;
      return;
    }
    this.socket.write(line);
  }

  flush(timeoutMs: number): Promise<void> {
    // 'drain' comes only after a write the stream refused, so the queue is watched instead.
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve) => {
      const check = () => {
        if (this.gone || this.socket.writableLength === 0 || Date.now() >= deadline) resolve();
        else setTimeout(check, 5);
      };
      check();
    });
  }

  private reportDrops(): void {
    if (this.droppedSinceReported === 0 || this.gone) return;
    const count = this.droppedSinceReported;
    this.droppedSinceReported = 0;
    // The same shape as pino's lines, so that log tooling reads it as one.
    this.socket.write(`${JSON.stringify({ level: 'warn', time: new Date().toISOString(), pid: process.pid, dropped: count, msg: `${count} log lines dropped: standard output was not being read` })}\n`);
  }
}
