import { isDomainError, type Logger } from '@contactcenter/infra';
import { Counter, type Registry } from 'prom-client';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ChannelEndpoint, EndpointDirectory, InboundSink } from '../channel/adapter';
import type { MediaFetcher } from './mediaFetcher';
import type { MetaChannel, MetaEvent, ParsedDelivery } from './metaEvents';
import { parsePageDelivery } from './messenger/inbound';
import { isValidSignature, SIGNATURE_HEADER, verifySubscription, type VerificationQuery } from './signature';
import { sendRefusal, type WebhookRefusal } from './webhookProblem';
import { parseWhatsAppDelivery } from './whatsapp/inbound';

export interface MetaWebhookOptions {
  directory: EndpointDirectory;
  sink: InboundSink;
  /** The verify token an admin typed in the Meta app dashboard for this channel's callback URL; undefined refuses every handshake. */
  verifyToken: (channel: MetaChannel) => string | undefined;
  logger: Logger;
  /** Where `channels_webhook_refused_total` is registered; without one the counter is kept but not exported. */
  registry?: Registry;
  /** Largest delivery accepted, in bytes (Meta batches up to 1000 events in one POST). Default 4 MiB. */
  bodyLimit?: number;
  /** Fetches the files messages name; without it a media message keeps only its text label. */
  media?: MediaFetcher;
}

const parsers: Record<MetaChannel, (body: unknown) => ParsedDelivery> = {
  whatsapp: parseWhatsAppDelivery,
  messenger: (body) => parsePageDelivery('messenger', body),
  instagram: (body) => parsePageDelivery('instagram', body),
};

const REFUSED_METRIC = 'channels_webhook_refused_total';
const MEDIA_FAILED_METRIC = 'channels_media_failed_total';

/**
 * `GET`/`POST /channels/{whatsapp,messenger,instagram}/webhook`: Meta's
 * subscription handshake and its signed deliveries. A delivery is accepted
 * only when every endpoint it names is a tenant's and its `X-Hub-Signature-256`
 * verifies with that endpoint's app secret; then its events go to the sink in
 * order and Meta gets 200 (so it does not redeliver), or 503 when the sink is
 * unavailable (Meta redelivers; the sink drops what it already has by message id).
 *
 * Register it as an encapsulated plugin: its JSON parser keeps the raw bytes
 * the signature is computed over and must not replace the app's own parser.
 *
 * @example
 *   await app.register(metaWebhookRoutes, { directory, sink, verifyToken: (c) => config.metaVerifyTokens[c], logger, registry });
 */
export async function metaWebhookRoutes(app: FastifyInstance, options: MetaWebhookOptions): Promise<void> {
  const { directory, sink, logger } = options;
  const refused =
    (options.registry?.getSingleMetric(REFUSED_METRIC) as Counter<'channel' | 'reason'> | undefined) ??
    new Counter({
      name: REFUSED_METRIC,
      help: 'Webhook requests from Meta refused, by channel and reason',
      labelNames: ['channel', 'reason'],
      registers: options.registry ? [options.registry] : [],
    });

  const mediaFailed =
    (options.registry?.getSingleMetric(MEDIA_FAILED_METRIC) as Counter<'channel'> | undefined) ??
    new Counter({ name: MEDIA_FAILED_METRIC, help: 'Files of messaging-app messages that could not be fetched (the message keeps its text label)', labelNames: ['channel'], registers: options.registry ? [options.registry] : [] });

  /** Fetches each message's files; one that cannot be fetched is logged and counted, and the message goes on without it. */
  async function withMedia(events: MetaEvent[], endpoints: Map<string, ChannelEndpoint>): Promise<MetaEvent[]> {
    if (!options.media) return events;
    const media = options.media;
    return Promise.all(
      events.map(async (event) => {
        if (event.kind !== 'message' || !event.media?.length) return event;
        const endpoint = endpoints.get(event.endpointId)!;
        const files = await Promise.all(
          event.media.map((m) =>
            media.fetch(endpoint, m).catch((err: unknown) => {
              mediaFailed.inc({ channel: event.message.channel });
              logger.warn({ err, channel: event.message.channel, endpointId: event.endpointId, externalMessageId: event.message.externalMessageId }, 'a file of a message could not be fetched');
              return undefined;
            }),
          ),
        );
        return { ...event, message: { ...event.message, attachments: [...event.message.attachments, ...files.filter((f) => f !== undefined)] } };
      }),
    );
  }

  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: options.bodyLimit ?? 4 * 1024 * 1024 }, (_req, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err }, 'webhook request failed');
      return sendRefusal(reply, 'unavailable', 'the request could not be handled; try again later');
    }
    // Fastify's own 4xx (no or wrong content type, body too large): say what was wrong, in the same format.
    return reply
      .code(status)
      .type('application/problem+json')
      .send({ type: 'https://contactcenter.dev/problems/malformed_payload', title: 'Malformed request', status, code: 'malformed_payload', detail: err.message });
  });

  function refuse(reply: FastifyReply, channel: MetaChannel, reason: WebhookRefusal, detail: string, context: object = {}): FastifyReply {
    refused.inc({ channel, reason });
    logger.warn({ channel, reason, ...context }, `webhook refused: ${detail}`);
    return sendRefusal(reply, reason, detail);
  }

  for (const channel of Object.keys(parsers) as MetaChannel[]) {
    const url = `/channels/${channel}/webhook`;

    app.get(url, async (request: FastifyRequest<{ Querystring: VerificationQuery }>, reply) => {
      const outcome = verifySubscription(request.query, options.verifyToken(channel));
      if (outcome.ok) return reply.code(200).type('text/plain').send(outcome.challenge);
      if (outcome.reason === 'bad_request') return refuse(reply, channel, 'malformed_payload', 'expected hub.mode=subscribe, hub.verify_token and hub.challenge');
      return refuse(reply, channel, 'invalid_verify_token', 'hub.verify_token does not match the configured token');
    });

    app.post(url, async (request, reply) => {
      const raw = request.body;
      if (!Buffer.isBuffer(raw)) return refuse(reply, channel, 'malformed_payload', 'expected an application/json body');
      let delivery: ParsedDelivery;
      try {
        delivery = parsers[channel](JSON.parse(raw.toString('utf8')));
      } catch (err) {
        const detail = err instanceof SyntaxError ? 'body is not valid JSON' : isDomainError(err) ? err.message : 'unexpected payload';
        return refuse(reply, channel, 'malformed_payload', detail);
      }
      // Nothing this service handles (e.g. a template review): acknowledged so Meta stops sending it.
      if (delivery.endpointIds.length === 0) return reply.code(200).send();

      let endpoints: Map<string, ChannelEndpoint>;
      try {
        endpoints = await findEndpoints(directory, channel, delivery.endpointIds);
      } catch (err) {
        return refuse(reply, channel, 'unavailable', 'the endpoint directory is unavailable', { err });
      }
      const unknown = delivery.endpointIds.filter((id) => !endpoints.has(id));
      if (endpoints.size === 0) return refuse(reply, channel, 'unknown_endpoint', `no tenant has ${channel} endpoint ${unknown.join(', ')}`, { endpointIds: unknown });
      for (const endpoint of endpoints.values()) {
        if (!isValidSignature(raw, request.headers[SIGNATURE_HEADER], endpoint.appSecret)) {
          return refuse(reply, channel, 'invalid_signature', `missing or wrong ${SIGNATURE_HEADER} for endpoint ${endpoint.endpointId}`, {
            endpointId: endpoint.endpointId,
          });
        }
      }
      if (unknown.length > 0) {
        // A batch may name a page that was removed since; the rest is still the tenants' and is taken.
        refused.inc({ channel, reason: 'unknown_endpoint' });
        logger.warn({ channel, reason: 'unknown_endpoint', endpointIds: unknown }, 'webhook events for unknown endpoints skipped');
      }
      const handed = await handOver(sink, logger, await withMedia(delivery.events.filter((e) => endpoints.has(e.endpointId)), endpoints));
      if (!handed.ok) return refuse(reply, channel, 'unavailable', handed.detail, { err: handed.err });
      return reply.code(200).send();
    });
  }
}

async function findEndpoints(directory: EndpointDirectory, channel: MetaChannel, ids: string[]): Promise<Map<string, ChannelEndpoint>> {
  const found = new Map<string, ChannelEndpoint>();
  for (const id of ids) {
    const endpoint = await directory.find(channel, id);
    if (endpoint) found.set(id, endpoint);
  }
  return found;
}

/** Hands events to the sink in order; stops at the first it cannot take now, so Meta redelivers the rest. */
async function handOver(sink: InboundSink, logger: Logger, events: MetaEvent[]): Promise<{ ok: true } | { ok: false; detail: string; err?: unknown }> {
  for (const event of events) {
    try {
      if (event.kind === 'delivery') {
        await sink.delivery(event.update);
        continue;
      }
      const outcome = await sink.receive(event.message);
      if (outcome.kind !== 'refused') continue;
      if (outcome.reason === 'unavailable') return { ok: false, detail: `message could not be recorded now: ${outcome.detail}` };
      // Redelivering a message the pipeline finds invalid would fail again: it is logged and acknowledged.
      logger.warn(
        { channel: event.message.channel, endpointId: event.endpointId, externalMessageId: event.message.externalMessageId, reason: outcome.reason },
        `inbound message refused: ${outcome.detail}`,
      );
    } catch (err) {
      return { ok: false, detail: 'message could not be recorded now', err };
    }
  }
  return { ok: true };
}
