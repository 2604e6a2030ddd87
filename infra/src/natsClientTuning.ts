/**
 * Two changes to how the NATS client (`@nats-io/nats-core` 3.x) spends CPU
 * under load, installed once per process by `tuneNatsClient` (connectNats
 * calls it). Each changes nothing unless the library's prototype still has
 * the shape it was written for (checked below; `natsClientTuning.int.test.ts`
 * checks the behaviour against a real server), so a release that moves things
 * keeps its own behaviour.
 *
 * ## Answered requests without a thrown-away error
 *
 * nats.js (`@nats-io/nats-core` 3.x) settles a request's promise when the
 * answer comes, then calls `cancel()` to unhook the request, and `cancel()`
 * rejects that already-settled promise with a new `RequestError`: an Error
 * with a stack trace, built and dropped on every answered request. Every KV
 * write and JetStream publish is a request, so under load this showed as
 * 4–7 % of routing's, presence's and conversation's CPU profiles (self time
 * in `RequestError`), plus the garbage it leaves.
 *
 * `unhookAnsweredRequestsQuietly` makes that one call, the `cancel()` made from
 * inside the answer's own handling without an error, only unhook the request.
 * Every other path keeps the library's code: a timeout, no responders, a
 * closed connection, an error answer.
 *
 * ## One socket write per turn of the event loop
 *
 * The client writes what it has buffered in a microtask queued by the first
 * command after a write. Work that publishes from several async steps (the
 * relay's window refilling as acks come back, a batch of reservations each
 * writing its agent's record) lands each command in its own microtask, so
 * each went out in its own `write()`: one syscall, and one loopback TCP
 * segment for the server to read, per message. strace of the conversation
 * service during the routing benchmark counted 1,884 single-message writes
 * to NATS in one second; socket writes were 10–16 % of routing's, presence's
 * and conversation's profiles.
 *
 * `coalesceWritesPerTurn` writes the buffer once the current turn of the
 * event loop has run (`setImmediate`), so everything queued by the socket
 * reads and timers of one turn goes in one write. The library's own bound
 * stays: past its pending limit the buffer is written at once. Closing
 * writes what is buffered first.
 */
import { ProtocolHandler, RequestOne } from '@nats-io/nats-core/internal';

/** Installs both changes (once per process); says which are in place. */
export function tuneNatsClient(): { quietAnsweredRequests: boolean; writesPerTurn: boolean } {
  return { quietAnsweredRequests: unhookAnsweredRequestsQuietly(), writesPerTurn: coalesceWritesPerTurn() };
}

interface RequestInternals {
  resolver(err: Error | null, msg: unknown): void;
  cancel(err?: Error): void;
  mux?: { cancel(r: unknown): void };
  [ANSWERING]?: boolean;
}

const ANSWERING = Symbol('answering');
let installed = false;

/** Installs the change once per process; true when it is in place. */
function unhookAnsweredRequestsQuietly(): boolean {
  if (installed) return true;
  const proto = RequestOne.prototype as unknown as RequestInternals;
  const { resolver, cancel } = proto;
  // The shape this was written for: resolver(err, msg) settles then calls cancel(); cancel(err?) unhooks through this.mux.
  if (typeof resolver !== 'function' || typeof cancel !== 'function' || resolver.length !== 2 || cancel.length !== 1) return false;
  if (!/this\.cancel\(\)/.test(resolver.toString()) || !/this\.mux\.cancel\(this\)/.test(cancel.toString())) return false;
  proto.resolver = function (this: RequestInternals, err, msg) {
    this[ANSWERING] = true;
    try {
      resolver.call(this, err, msg);
    } finally {
      this[ANSWERING] = false;
    }
  };
  proto.cancel = function (this: RequestInternals, err) {
    // Called by resolver() after it settled the promise: only the unhooking is left to do (the timer is already cleared).
    if (err === undefined && this[ANSWERING] && this.mux) {
      this.mux.cancel(this);
      return;
    }
    cancel.call(this, err);
  };
  installed = true;
  return true;
}

interface ProtocolInternals {
  sendCommand(cmd: string | Uint8Array, ...payloads: Uint8Array[]): void;
  flushPending(): void;
  close(err?: Error): Promise<void>;
  outbound: { length(): number; size(): number; fill(buf: Uint8Array, ...payloads: Uint8Array[]): void };
  pendingLimit: number;
  [WRITE_SCHEDULED]?: boolean;
}

const WRITE_SCHEDULED = Symbol('writeScheduled');
let coalescing = false;
const encoder = new TextEncoder();

/** Installs the write coalescing once per process; true when it is in place. */
function coalesceWritesPerTurn(): boolean {
  if (coalescing) return true;
  const proto = ProtocolHandler.prototype as unknown as ProtocolInternals;
  const { sendCommand, flushPending, close } = proto;
  if (typeof sendCommand !== 'function' || typeof flushPending !== 'function' || typeof close !== 'function') return false;
  const source = sendCommand.toString();
  if (!/queueMicrotask/.test(source) || !/this\.outbound\.fill\(/.test(source) || !/this\.pendingLimit/.test(source)) return false;
  proto.sendCommand = function (this: ProtocolInternals, cmd, ...payloads) {
    const empty = this.outbound.length() === 0;
    this.outbound.fill(typeof cmd === 'string' ? encoder.encode(cmd) : cmd, ...payloads);
    if (this.outbound.size() >= this.pendingLimit) {
      this.flushPending();
    } else if (empty && !this[WRITE_SCHEDULED]) {
      this[WRITE_SCHEDULED] = true;
      setImmediate(() => {
        this[WRITE_SCHEDULED] = false;
        this.flushPending();
      });
    }
  };
  proto.close = function (this: ProtocolInternals, err) {
    if (this.outbound.size() > 0) this.flushPending();
    return close.call(this, err);
  };
  coalescing = true;
  return true;
}
