import { registeredCounter, UnavailableError, untilNatsConnected, type Logger, type NatsConnection, type ServiceMetrics } from '@contactcenter/infra';
import { regionSubject } from '@contactcenter/infra/regions';
import { NATS_RECONNECT_WAIT_MS } from '../plugins/natsReconnectWait';
import { decodeForwardedResponse, encodeForwardedRequest, type ForwardedRequest, type ForwardedResponse } from './forwardedHttp';

export type { ForwardedRequest, ForwardedResponse, HttpHeaders } from './forwardedHttp';

/** REGION_FORWARD_TIMEOUT_MS's default: how long a forwarded request may take in its home region. */
export const DEFAULT_REGION_FORWARD_TIMEOUT_MS = 10_000;

/** Retry-After of a region_unavailable answer: a region lost is seldom back within a second. */
export const REGION_UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * Another region's gateway did not answer: nobody serves its subject (the
 * region is down or cut off), it did not answer in time, or our own NATS
 * connection is down. 503 problem `region_unavailable` with a `region`
 * member; nothing was done here in its place.
 */
export class RegionUnavailableError extends UnavailableError {
  readonly problemCode = 'region_unavailable';
  readonly retryAfterSeconds = REGION_UNAVAILABLE_RETRY_AFTER_SECONDS;
  constructor(
    readonly region: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`region "${region}" is unavailable (${reason}); try again later`, options);
  }
}

/** How a forward ended, as counted in `gateway_region_forwards_total`. */
export type ForwardOutcome = 'answered' | 'no_responders' | 'timeout' | 'disconnected' | 'bad_answer' | 'down';

export interface RegionLinkOptions {
  /** This gateway's region: the home region's gateway sees it in `x-cc-forwarded-from`. */
  region: string;
  /** REGION_FORWARD_TIMEOUT_MS: how long a forwarded request may take, the home region's work included. */
  timeoutMs?: number;
  /** While our NATS connection is reconnecting, how long a forward waits for it before giving up. */
  reconnectWaitMs?: number;
  /** Forwards are counted by region and outcome when given. */
  registry?: ServiceMetrics['registry'];
  /** How often a region that stopped answering is asked again (`GET /healthz`), and how long each ask may take. Default 1000 ms. */
  probeIntervalMs?: number;
  /** Says when a region is marked down and when it answers again. */
  logger?: Logger;
}

/** A region that stopped answering: since when, why, and the timer that asks it again. */
interface DownRegion {
  since: Date;
  reason: string;
  probe: NodeJS.Timeout;
}

/**
 * HTTP requests to another region's gateway, over NATS request/reply on
 * `region.<region>.gateway` (which that region's RegionResponders serve as a
 * queue group). Every failure to get an answer is a RegionUnavailableError:
 * the caller never learns less than which region, and never waits longer
 * than the timeout.
 *
 * A region that did not answer is marked down, and every forward to it fails
 * at once until it answers a probe again (asked every `probeIntervalMs`).
 * Across NATS accounts a request to a region that is gone gets no "no
 * responders" (nats-server sends none through a service import): without
 * this, every request for that region's conversations would wait out the
 * whole timeout while it is down, holding a socket and a slot each.
 *
 * @example
 *   const link = new RegionLink(nats, { region: 'eu', timeoutMs: 10_000 });
 *   const answer = await link.forward('us', { method: 'GET', url: '/v1/conversations/us_3f0c…', headers: { authorization }, body: Buffer.alloc(0) });
 *   answer.status; // what us's gateway answered, e.g. 200 or a 404 problem
 */
export class RegionLink {
  private readonly forwards: ReturnType<typeof registeredCounter<'region' | 'outcome'>> | undefined;
  private readonly down = new Map<string, DownRegion>();
  private closed = false;

  constructor(
    private readonly nats: NatsConnection,
    private readonly options: RegionLinkOptions,
  ) {
    this.forwards = options.registry
      ? registeredCounter(options.registry, {
          name: 'gateway_region_forwards_total',
          help: 'Requests forwarded to their home region, by region and outcome (answered, no_responders, timeout, disconnected, bad_answer, down: refused at once while the region is known to be down)',
          labelNames: ['region', 'outcome'],
        })
      : undefined;
  }

  get region(): string {
    return this.options.region;
  }

  /**
   * Replays `request` in `region` and resolves with its answer, whatever its
   * status (a 4xx problem of the home region is an answer too).
   * @throws RegionUnavailableError when no answer came.
   */
  async forward(region: string, request: ForwardedRequest, options: { timeoutMs?: number } = {}): Promise<ForwardedResponse> {
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_REGION_FORWARD_TIMEOUT_MS;
    const subject = regionSubject(region, 'gateway');
    const fail = (outcome: ForwardOutcome, reason: string, cause?: unknown): never => {
      this.forwards?.inc({ region, outcome });
      throw new RegionUnavailableError(region, reason, { cause });
    };
    const known = this.down.get(region);
    if (known) return fail('down', `it has not answered since ${known.since.toISOString()}: ${known.reason}`);
    // A request sent into a reconnecting client waits out its whole timeout; a short wait for the connection is kinder.
    if (this.nats.isClosed() || !(await untilNatsConnected(this.nats, this.options.reconnectWaitMs ?? NATS_RECONNECT_WAIT_MS))) {
      return fail('disconnected', 'this region has no connection to the message bus');
    }
    let reply;
    try {
      reply = await this.nats.request(subject, encodeForwardedRequest(this.options.region, request), { timeout: timeoutMs });
    } catch (err) {
      const [outcome, reason] = whyUnanswered(err, timeoutMs);
      if (outcome !== 'disconnected') this.markDown(region, reason);
      return fail(outcome, reason, err);
    }
    let answer: ForwardedResponse;
    try {
      answer = decodeForwardedResponse(reply.data);
    } catch (err) {
      return fail('bad_answer', 'its gateway answered with something other than a forwarded response', err);
    }
    this.forwards?.inc({ region, outcome: 'answered' });
    return answer;
  }

  /** Regions marked down now, with since when (for /readyz-style reports and tests). */
  downRegions(): { region: string; since: Date; reason: string }[] {
    return [...this.down].map(([region, d]) => ({ region, since: d.since, reason: d.reason }));
  }

  /** Stops the probes (the app's onClose). */
  close(): void {
    this.closed = true;
    for (const d of this.down.values()) clearInterval(d.probe);
    this.down.clear();
  }

  private markDown(region: string, reason: string): void {
    if (this.closed || this.down.has(region)) return;
    const intervalMs = this.options.probeIntervalMs ?? 1_000;
    let asking = false;
    const probe = setInterval(() => {
      if (asking) return;
      asking = true;
      const ping = { method: 'GET', url: '/healthz', headers: {}, body: Buffer.alloc(0) };
      this.nats
        .request(regionSubject(region, 'gateway'), encodeForwardedRequest(this.options.region, ping), { timeout: intervalMs })
        .then((reply) => {
          const status = decodeForwardedResponse(reply.data).status;
          if (status !== 200) throw new Error(`its gateway answered the probe with ${status}`);
          clearInterval(probe);
          this.down.delete(region);
          this.options.logger?.info({ region }, 'region answers again; forwarding to it');
        })
        .catch((err: Error) => {
          this.options.logger?.debug({ region, err: err.message }, 'region still unavailable');
        })
        .finally(() => {
          asking = false;
        });
    }, intervalMs);
    probe.unref();
    this.down.set(region, { since: new Date(), reason, probe });
    this.options.logger?.warn({ region, reason }, 'region unavailable: its requests are refused until it answers a probe');
  }
}

/** nats.js reports no responders as a RequestError caused by a NoRespondersError, and a timeout as a TimeoutError. */
function whyUnanswered(err: unknown, timeoutMs: number): [ForwardOutcome, string] {
  const names = [err, (err as { cause?: unknown })?.cause].map((e) => (e instanceof Error ? e.name : ''));
  if (names.includes('NoRespondersError') || (err as { isNoResponders?: () => boolean })?.isNoResponders?.()) return ['no_responders', 'no gateway of that region is reachable'];
  if (names.includes('TimeoutError')) return ['timeout', `its gateway did not answer within ${timeoutMs} ms`];
  return ['disconnected', `the message bus refused the request: ${(err as Error)?.message ?? String(err)}`];
}
