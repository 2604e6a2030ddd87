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
 *
 * ## Headers read without a scan per key
 *
 * Every event travels with about fifteen headers (its CloudEvents attributes
 * and trace). The library decodes a message's headers by appending each line
 * through its general `append`, which lists every key seen so far, filters
 * that list and runs a regular expression on the value; `get` and `has` list
 * and filter every key again for each lookup. In routing's profile under load
 * that was 7-8 % of its CPU (header decoding and the trace and CloudEvents
 * lookups on each feed message).
 *
 * Writing them costs the same way: each `append` canonicalises the key
 * (an array and a string per key, only to validate it) and lists every key.
 *
 * `headersByExactKey` appends and deletes an exact key in the header map,
 * after the same checks of the key and the value (anything they would refuse
 * goes to the library's code, which refuses it with its own error), and
 * answers `get` and `has` for an exact key from the map. Decoding is the
 * library's own, which appends each line, so it gets the same results (each
 * key as written, values trimmed, repeated keys in order) without the scans.
 * Everything that ignores case or canonicalises keys keeps the library's code.
 */
import { Match, MsgHdrsImpl, ProtocolHandler, RequestOne } from '@nats-io/nats-core/internal';

/** Installs the changes (once per process); says which are in place. */
export function tuneNatsClient(): { quietAnsweredRequests: boolean; writesPerTurn: boolean; directHeaders: boolean } {
  return { quietAnsweredRequests: unhookAnsweredRequestsQuietly(), writesPerTurn: coalesceWritesPerTurn(), directHeaders: headersByExactKey() };
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

interface HeadersInternals {
  headers: Map<string, string[]>;
  get(k: string, match?: string): string;
  has(k: string, match?: string): boolean;
  append(k: string, v: string, match?: string): void;
  delete(k: string, match?: string): void;
}

/** A header name the library accepts as it is: printable ASCII without a colon (canonicalMIMEHeaderKey's check). */
const PLAIN_KEY = /^[\x21-\x39\x3b-\x7e]+$/;
const LINE_BREAK = /[\r\n]/;

/** The library's `Match.Exact` (the default of `get` and `has`). */
const EXACT: string = Match.Exact;
let directHeaders = false;

/** Installs the exact-key header writes and lookups once per process; true when they are in place. */
function headersByExactKey(): boolean {
  if (directHeaders) return true;
  const { decode } = MsgHdrsImpl as unknown as { decode(a: Uint8Array): HeadersInternals };
  const proto = MsgHdrsImpl.prototype as unknown as HeadersInternals;
  const { get, has, append, delete: remove } = proto;
  if (typeof decode !== 'function' || typeof get !== 'function' || typeof has !== 'function' || typeof append !== 'function' || typeof remove !== 'function') return false;
  if (!/canonicalMIMEHeaderKey\(k\)/.test(append.toString()) || !/validHeaderValue\(v\)/.test(append.toString())) return false;
  // The shape this was written for: decode appends each "key: value" line (so it appends through the method below); get/has find keys with Match.Exact ('exact') by default.
  if (!((new MsgHdrsImpl() as unknown as HeadersInternals).headers instanceof Map) || !/mh\.append\(k, v\)/.test(decode.toString()) || !/match = core_1\.Match\.Exact|match = Match\.Exact/.test(get.toString())) return false;
  proto.get = function (this: HeadersInternals, k: string, match: string = EXACT): string {
    if (match !== EXACT) return get.call(this, k, match);
    const values = this.headers.get(k);
    return values ? values[0]! : '';
  };
  proto.has = function (this: HeadersInternals, k: string, match: string = EXACT): boolean {
    if (match !== EXACT) return has.call(this, k, match);
    return this.headers.has(k);
  };
  proto.append = function (this: HeadersInternals, k: string, v: string, match: string = EXACT): void {
    if (match !== EXACT || !PLAIN_KEY.test(k) || LINE_BREAK.test(v)) return append.call(this, k, v, match);
    const value = v.trim();
    const values = this.headers.get(k);
    if (values) values.push(value);
    else this.headers.set(k, [value]);
  };
  proto.delete = function (this: HeadersInternals, k: string, match: string = EXACT): void {
    if (match !== EXACT) return remove.call(this, k, match);
    this.headers.delete(k);
  };
  directHeaders = true;
  return true;
}
