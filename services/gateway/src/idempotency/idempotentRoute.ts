import { UnavailableError } from '@contactcenter/infra';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { idempotencyKeyHeader } from '../schemas/idempotencyKey';
import { IdempotencyInProgressError, IdempotencyKeyReusedError } from './idempotencyErrors';
import { checkIdempotencyKey, IdempotencyKeyMaterial, type RecordedAnswer } from './idempotencyKeyMaterial';
import type { IdempotencyStore } from './idempotencyStore';
import { principalScopeOf } from './principalScope';

declare module 'fastify' {
  interface FastifyInstance {
    idempotencyStore: IdempotencyStore;
  }
}

/** Makes the store the `idempotent` routes use; on the root, before the routes. */
export function idempotencyPlugin(app: FastifyInstance, store: IdempotencyStore): void {
  app.decorate('idempotencyStore', store);
}

export interface IdempotentRouteOptions {
  /** Scope of the keys of a request without credentials (e.g. widget key + client address); without it such requests are not deduplicated. */
  anonymousScope?: (request: FastifyRequest) => string | undefined;
}

/** Renewals stop after this long: a claim whose request never finished must lapse, not live on. */
const MAX_HOLD_MS = 5 * 60_000;
/** Background attempts at recording an answer whose first write failed (a NATS restart takes about a second). */
const WRITE_RETRY_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000];
/** A 409's Retry-After: the request it waited for may finish any moment. */
const RETRY_AFTER_SECONDS = 1;
const claims = new WeakMap<FastifyRequest, RunningClaim>();

/**
 * Makes a creating route honour `Idempotency-Key`: the first request with a
 * key runs and its 2xx answer is recorded; the same key with the same body
 * answers that again (status and body, plus `Idempotent-Replayed: true`),
 * however many arrive at once; the same key with another body or on another
 * route is 422; a failed first request (4xx, 5xx) is forgotten, so its retry
 * runs again. Requests without the header run as before.
 *
 * @example
 *   app.post('/webhooks', idempotent({ schema: { body, response } }), handler);
 */
export function idempotent<O extends RouteShorthandOptions>(options: O, how: IdempotentRouteOptions = {}): O {
  const schema = (options.schema ?? {}) as Record<string, unknown> & { headers?: { properties?: object } };
  const headers = { type: 'object', ...schema.headers, properties: { ...schema.headers?.properties, ...idempotencyKeyHeader.properties } };
  return {
    ...options,
    schema: { ...schema, headers },
    // Before the body's validation, after authentication (plugins/authenticateFirst.ts puts its
    // check first): a malformed key is a 400 naming the header, whatever else is wrong with the body.
    preValidation: [...hooksOf(options.preValidation), refuseMalformedKey],
    // Before the route's own preHandlers: a replay creates nothing, so creation limits (new visitor sessions) do not count it.
    preHandler: [(request: FastifyRequest, reply: FastifyReply) => claimOrAnswer(request, reply, how), ...hooksOf(options.preHandler)],
    onSend: [...hooksOf(options.onSend), recordAnswer],
  } as O;
}

/**
 * An id for what this request creates, derived from its principal and key:
 * the same for every retry, so that a re-run after a takeover (the first
 * runner crashed mid-way) finds what the first run created instead of
 * creating a second. Undefined for a request without a key.
 */
export function idempotentIdOf(request: FastifyRequest, prefix: string): string | undefined {
  return claims.get(request)?.material.derivedId(prefix);
}

const hooksOf = (hook: unknown): unknown[] => (hook === undefined ? [] : Array.isArray(hook) ? hook : [hook]);

async function refuseMalformedKey(request: FastifyRequest): Promise<void> {
  const key = request.headers['idempotency-key'];
  if (key !== undefined) checkIdempotencyKey(String(key));
}

async function claimOrAnswer(request: FastifyRequest, reply: FastifyReply, how: IdempotentRouteOptions): Promise<unknown> {
  const key = request.headers['idempotency-key'];
  // Route plugins registered without the store (some tests) run as plain routes.
  if (typeof key !== 'string' || !request.server.hasDecorator('idempotencyStore')) return;
  const scope = (await principalScopeOf(request)) ?? how.anonymousScope?.(request);
  if (!scope) return; // no valid credentials: the route answers 401 and nothing is remembered
  // The client hung up while this request queued (it will retry with the key): claiming now would only make that retry wait.
  if (request.clientGone?.aborted) throw new UnavailableError('the client closed the connection before its request ran');
  const store = request.server.idempotencyStore;
  const material = new IdempotencyKeyMaterial(scope, key);
  const fingerprint = material.fingerprint(request.method, request.url, request.body);
  const outcome = await store.claim(material.recordKey, fingerprint);
  switch (outcome.kind) {
    case 'claimed':
      claims.set(request, new RunningClaim(store, material, fingerprint, outcome.revision, request));
      return;
    case 'done': {
      const answer = material.open(outcome.answer);
      return reply.code(answer.status).type(answer.contentType).header('Idempotent-Replayed', 'true').send(answer.body);
    }
    case 'mismatch':
      throw new IdempotencyKeyReusedError();
    case 'busy':
      reply.header('Retry-After', String(RETRY_AFTER_SECONDS));
      throw new IdempotencyInProgressError(RETRY_AFTER_SECONDS);
    default:
      return outcome satisfies never;
  }
}

/** onSend: a claimed request's 2xx answer is recorded before the client sees it; any other answer releases the key. */
async function recordAnswer(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  const claim = claims.get(request);
  if (!claim) return payload;
  claims.delete(request);
  const recordable = reply.statusCode >= 200 && reply.statusCode < 300 && typeof payload === 'string';
  const contentType = String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8');
  await claim.finish(recordable ? { status: reply.statusCode, contentType, body: payload } : undefined);
  return payload;
}

/** A claim its request holds while it runs: renews the lease, then records the answer or releases the key. */
class RunningClaim {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly since = Date.now();

  constructor(
    private readonly store: IdempotencyStore,
    readonly material: IdempotencyKeyMaterial,
    private readonly fingerprint: string,
    private revision: number | undefined,
    private readonly request: FastifyRequest,
  ) {
    this.timer = setInterval(() => {
      if (Date.now() - this.since > MAX_HOLD_MS) return clearInterval(this.timer);
      this.chain = this.chain.then(() => this.renew());
    }, store.timings.leaseMs / 3);
    this.timer.unref();
  }

  async finish(answer: RecordedAnswer | undefined): Promise<void> {
    clearInterval(this.timer);
    await this.chain;
    if (this.revision === undefined) return; // taken over: the taker records its own answer
    try {
      await this.write(answer, this.revision);
    } catch (err) {
      // The answer still goes out. NATS may be restarting: try again in the background for a few
      // seconds, or retries of this key would wait for the claim's lease to lapse (409 meanwhile).
      this.request.log.warn({ err }, 'idempotency record not written; trying again');
      void this.writeLater(answer, this.revision);
    }
  }

  private async write(answer: RecordedAnswer | undefined, revision: number): Promise<void> {
    const { recordKey } = this.material;
    if (!answer) return void (await this.store.release(recordKey, revision));
    if (!(await this.store.complete(recordKey, revision, this.fingerprint, this.material.seal(answer)))) this.request.log.warn('idempotency claim was taken over before its answer was recorded');
  }

  private async writeLater(answer: RecordedAnswer | undefined, revision: number): Promise<void> {
    for (const delayMs of WRITE_RETRY_DELAYS_MS) {
      await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
      try {
        return await this.write(answer, revision);
      } catch (err) {
        this.request.log.debug({ err }, 'idempotency record still not written');
      }
    }
    this.request.log.warn('idempotency record not written; the claim lapses after its lease and a retry runs again');
  }

  private async renew(): Promise<void> {
    if (this.revision === undefined) return;
    try {
      this.revision = await this.store.renew(this.material.recordKey, this.revision, this.fingerprint);
    } catch (err) {
      this.request.log.warn({ err }, 'idempotency lease not renewed');
    }
  }
}
