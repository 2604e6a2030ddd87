import type { Logger, NatsConnection } from '@contactcenter/infra';
import { regionSubject } from '@contactcenter/infra/regions';
import type { Msg, Subscription } from '@nats-io/transport-node';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { decodeForwardedRequest, encodeForwardedResponse, endToEndHeaders, FORWARDED_FROM_HEADER, type ForwardedResponse } from './forwardedHttp';

/** Every gateway replica of a region shares the work: each forwarded request is answered once. */
const QUEUE_GROUP = 'gateway';

/**
 * This region's gateway answering requests other regions forward to it
 * (RegionLink): on `region.<region>.gateway`, each request is replayed
 * through the app itself (`app.inject`), so it meets every hook and route a
 * client's request meets here (authentication, rate limits, validation),
 * marked `x-cc-forwarded-from: <their region>` so that it is served here and
 * never forwarded again. The answer goes back whole: status, headers, bytes.
 *
 * @example
 *   const responder = RegionResponder.start({ app, nats, region: 'us', logger });
 *   await responder.stop(); // before the app closes: requests in flight are answered first
 */
export class RegionResponder {
  private readonly inFlight = new Set<Promise<void>>();

  private constructor(
    private readonly options: { app: FastifyInstance; nats: NatsConnection; region: string; logger: Logger },
    private readonly subscription: Subscription,
  ) {}

  static start(options: { app: FastifyInstance; nats: NatsConnection; region: string; logger: Logger }): RegionResponder {
    let responder: RegionResponder | undefined;
    const subscription = options.nats.subscribe(regionSubject(options.region, 'gateway'), {
      queue: QUEUE_GROUP,
      callback: (err, msg) => {
        if (err) options.logger.warn({ err }, 'region responder subscription failed');
        else responder?.handle(msg);
      },
    });
    responder = new RegionResponder(options, subscription);
    return responder;
  }

  /** Stops taking requests (other replicas, or a 503 region_unavailable at the sender, take over) and finishes those in flight. */
  async stop(): Promise<void> {
    if (!this.subscription.isClosed()) this.subscription.unsubscribe();
    await Promise.all([...this.inFlight]);
  }

  private handle(msg: Msg): void {
    const done = this.answer(msg).finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  private async answer(msg: Msg): Promise<void> {
    const { app, logger, nats } = this.options;
    let response: ForwardedResponse;
    try {
      const request = decodeForwardedRequest(msg.data);
      const res = await app.inject({
        method: request.method as InjectOptions['method'],
        url: request.url,
        // Ours last: a client cannot pose as another region.
        headers: { ...request.headers, [FORWARDED_FROM_HEADER]: request.from },
        ...(request.body.length > 0 ? { payload: request.body } : {}),
        ...(request.clientAddress ? { remoteAddress: request.clientAddress } : {}),
      });
      response = { status: res.statusCode, headers: endToEndHeaders(res.headers), body: res.rawPayload };
    } catch (err) {
      logger.warn({ err }, 'a forwarded request could not be replayed');
      response = problemResponse(400, 'Malformed request', 'malformed_request', 'the forwarded request could not be read');
    }
    let bytes = encodeForwardedResponse(response);
    const maxPayload = nats.info?.max_payload;
    if (maxPayload !== undefined && bytes.length > maxPayload) {
      // Sent anyway, NATS would refuse it and the sender would wait out its timeout for nothing.
      logger.warn({ bytes: bytes.length, max_payload: maxPayload }, 'answer to a forwarded request exceeds the NATS message size');
      bytes = encodeForwardedResponse(problemResponse(502, 'Answer too large', 'region_answer_too_large', `the home region's answer (${bytes.length} bytes) exceeds what regions can exchange (${maxPayload} bytes)`));
    }
    if (msg.reply) msg.respond(bytes);
  }
}

function problemResponse(status: number, title: string, code: string, detail: string): ForwardedResponse {
  const body = Buffer.from(JSON.stringify({ type: `https://contactcenter.dev/problems/${code}`, title, status, code, detail }));
  return { status, headers: { 'content-type': 'application/problem+json; charset=utf-8' }, body };
}
