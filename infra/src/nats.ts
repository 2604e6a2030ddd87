import { connect, type NatsConnection } from '@nats-io/transport-node';
import { UnavailableError, ValidationError } from './errors';
import type { Logger } from './logger';
import { doublingDelay } from './retryDelay';
import { tuneNatsClient } from './natsClientTuning';

export type { NatsConnection };

/**
 * How long a JetStream request (a publish's ack, a KV read or write) may take
 * on the request path. Answered in milliseconds while the server is up; a
 * request sent just as the server died is never answered, and the client
 * neither fails nor resends it when it reconnects: it waits out its timeout.
 * With the client default of 5 s that stalled a visitor for 5 s after a NATS
 * restart; this bound makes the caller retry (a publish is deduplicated by its
 * id) or answer 503 sooner.
 */
export const JETSTREAM_REQUEST_TIMEOUT_MS = 2_000;

/** Whether a connection can carry messages now: RECONNECTING from a lost server until the client is back. */
export type NatsConnectionState = 'CONNECTED' | 'RECONNECTING' | 'CLOSED';

const states = new WeakMap<NatsConnection, Exclude<NatsConnectionState, 'CLOSED'>>();

/**
 * The state of a connection made by connectNats, from the client's own status
 * events. `isClosed()` alone stays false while the client reconnects for ever
 * to a dead server, so a readiness probe built on it says CONNECTED then.
 */
export function natsConnectionState(nc: NatsConnection): NatsConnectionState {
  if (nc.isClosed()) return 'CLOSED';
  return states.get(nc) ?? 'CONNECTED';
}

/** User and password (NATS_USER / NATS_PASSWORD); they take precedence over credentials in the URLs. */
export type NatsCredentials = { user?: string; pass?: string };

/**
 * Connects to NATS, reconnecting for ever once connected (services ride out
 * a server restart); the first connection must succeed, or start fails with
 * one line naming the servers (never their credentials).
 *
 * Credentials come from `credentials`, else from the URLs
 * (`nats://user:pass@host:4222`, as a region's NATS_URL carries them): the
 * client ignores those, so they are taken out of the URLs here.
 */
export async function connectNats(servers: string, name: string, logger: Logger, credentials: NatsCredentials = {}): Promise<NatsConnection> {
  const fromUrls = natsServersWithCredentials(servers);
  const { list } = fromUrls;
  const auth =
    credentials.user !== undefined
      ? { user: credentials.user, pass: credentials.pass }
      : fromUrls.token !== undefined
        ? { token: fromUrls.token }
        : { user: fromUrls.user, pass: fromUrls.pass };
  tuneNatsClient();
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: list,
      ...auth,
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      waitOnFirstConnect: false,
      timeout: 3_000,
      // Otherwise every request (each KV write and JetStream publish is one) builds an Error up front, for a
      // stack trace only a failure would show: 3–6 % of a busy service's CPU in the routing benchmark's profiles.
      noAsyncTraces: true,
    });
  } catch (err) {
    throw new UnavailableError(`NATS at ${list.join(', ')} is unreachable (${(err as Error).message})`, { cause: err });
  }
  states.set(nc, 'CONNECTED');
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'staleConnection') states.set(nc, 'RECONNECTING');
      if (s.type === 'reconnect') states.set(nc, 'CONNECTED');
      if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
        logger.warn({ nats: s.type, server: 'server' in s ? s.server : undefined }, `NATS ${s.type}`);
      }
    }
  })().catch(() => undefined);
  return nc;
}

/**
 * Splits `nats://user:pass@host:port,…` into the URLs without credentials and
 * the one user and password they carry (percent-decoded). Every URL that
 * carries credentials must carry the same: a connection has one identity.
 *
 * @example
 *   natsServersWithCredentials('nats://eu:s3cret@127.0.0.1:4222');
 *   // → { list: ['nats://127.0.0.1:4222'], user: 'eu', pass: 's3cret' }
 */
export function natsServersWithCredentials(servers: string): { list: string[]; user?: string; pass?: string; token?: string } {
  const found = new Set<string>();
  let userinfo: string | undefined;
  const list = servers.split(',').map((raw) => {
    // Up to the last `@`: a password with a stray `/` or `@` is still taken out, never shown in an error.
    const m = /^([a-z][a-z0-9+.-]*:\/\/)(.*)@([^@]*)$/i.exec(raw.trim());
    if (!m) return raw.trim();
    userinfo = m[2]!;
    found.add(userinfo);
    return `${m[1]}${m[3]}`;
  });
  if (found.size > 1) throw new ValidationError('NATS_URL', `its URLs carry different credentials (${list.join(', ')}); give one user to all`);
  if (userinfo === undefined) return { list };
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new ValidationError('NATS_URL', `the credentials of ${list.join(', ')} are not percent-encoded`);
    }
  };
  const colon = userinfo.indexOf(':');
  // As the nats CLI reads them: `user:pass@`, or a lone `token@`.
  if (colon < 0) return { list, token: decode(userinfo) };
  return { list, user: decode(userinfo.slice(0, colon)), pass: decode(userinfo.slice(colon + 1)) };
}

/**
 * Calls `onReconnect` each time the client is connected to a server again.
 * Requests and pull consumers of the old connection died with it: callers
 * restart them here rather than waiting for timeouts or missed heartbeats.
 * @returns the unsubscribe.
 */
export function onNatsReconnect(nc: NatsConnection, onReconnect: () => void): () => void {
  let ended = false;
  const status = nc.status() as AsyncIterable<{ type: string }> & { stop?(): void };
  void (async () => {
    for await (const s of status) {
      if (ended) break;
      if (s.type === 'reconnect') onReconnect();
    }
  })().catch(() => undefined);
  return () => {
    ended = true;
    status.stop?.();
  };
}

/** Resolves true once the connection is CONNECTED (at once if it is), false after `timeoutMs`. */
export async function untilNatsConnected(nc: NatsConnection, timeoutMs: number): Promise<boolean> {
  for (const until = Date.now() + timeoutMs; natsConnectionState(nc) !== 'CONNECTED'; ) {
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/** Flushes pending publishes and closes subscriptions; bounded so shutdown never hangs on a dead server. */
export async function drainNats(nc: NatsConnection, timeoutMs: number): Promise<void> {
  if (nc.isClosed()) return;
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
  const result = await Promise.race([nc.drain().then(() => 'drained' as const), timeout]).catch(() => 'failed' as const);
  if (result !== 'drained') await nc.close().catch(() => undefined);
}

/** Error names of a NATS request that was never answered: the server went away, or its JetStream was not up yet. */
const UNANSWERED = new Set(['TimeoutError', 'NoResponders', 'NoRespondersError', 'RequestError']);

/** Whether a request failed for want of an answer rather than by one (a timeout, no responders, JetStream "temporarily unavailable"). */
export function isUnanswered(err: unknown): boolean {
  const e = err as { name?: string; message?: string } | undefined;
  return UNANSWERED.has(e?.name ?? '') || /temporarily unavailable/i.test(e?.message ?? '');
}

/** How long a service's start goes on asking JetStream to set up its streams and buckets. */
export const JETSTREAM_SETUP_WITHIN_MS = 60_000;

/**
 * Runs a JetStream setup step (a stream or bucket created, the API asked)
 * again while it goes unanswered: a server that just started, or a cluster
 * busy electing its stream leaders, answers after a few seconds, and a
 * service that exits on the first timeout only comes back in a crash loop.
 * Steps must be idempotent. An answer that refuses is thrown at once.
 * @throws UnavailableError naming `what` once `withinMs` passed unanswered.
 *
 * @example
 *   const jsm = await untilJetStreamAnswers('the JetStream API', () => jetstreamManager(nc));
 */
export async function untilJetStreamAnswers<T>(what: string, step: () => Promise<T>, withinMs = JETSTREAM_SETUP_WITHIN_MS): Promise<T> {
  const until = Date.now() + withinMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (!isUnanswered(err)) throw err;
      const wait = doublingDelay(attempt, { min: 250, max: 2_000 });
      if (Date.now() + wait >= until) {
        throw new UnavailableError(`${what}: JetStream did not answer within ${Math.round(withinMs / 1000)} s (${(err as Error).message})`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
