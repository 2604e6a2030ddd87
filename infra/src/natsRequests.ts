/**
 * Answered NATS requests without a thrown-away error.
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
 * closed connection, an error answer. It changes nothing unless
 * `RequestOne`'s prototype still has the shape it was written for (checked
 * below; `natsRequests.int.test.ts` checks the behaviour against a real
 * server), so a library release that moves things keeps its own behaviour.
 */
import { RequestOne } from '@nats-io/nats-core/internal';

interface RequestInternals {
  resolver(err: Error | null, msg: unknown): void;
  cancel(err?: Error): void;
  mux?: { cancel(r: unknown): void };
  [ANSWERING]?: boolean;
}

const ANSWERING = Symbol('answering');
let installed = false;

/** Installs the change once per process; true when it is in place. */
export function unhookAnsweredRequestsQuietly(): boolean {
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
