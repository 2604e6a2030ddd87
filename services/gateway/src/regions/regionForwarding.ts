import { homeRegionOf, type RegionSettings } from '@contactcenter/infra/regions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IncomingMessage } from 'node:http';
import { endToEndHeaders, FORWARDED_FROM_HEADER } from './forwardedHttp';
import type { RegionLink } from './regionLink';

/**
 * The region `request` was forwarded from, when another region's gateway
 * sent it here through RegionLink; undefined for everything else. Only a
 * request this process replayed itself (RegionResponder's `app.inject`) may
 * say so: the same header on a request off the network is a client's, which
 * must not keep its request from going to its home region (or, for a start,
 * from being placed where its tenant's residency rules say).
 */
export function forwardedFrom(request: FastifyRequest): string | undefined {
  const value = request.headers[FORWARDED_FROM_HEADER];
  if (typeof value !== 'string' || request.raw instanceof IncomingMessage) return undefined;
  return value;
}

/**
 * Forwards each request about a conversation homed in another region (its
 * route has a `conversationId` parameter whose prefix names that region) to
 * that region's gateway, and answers with that gateway's answer unchanged:
 * the conversation is read and written only in its home region. Nothing is
 * done here for such a request: no authentication (the home region
 * authenticates it as it would its own client's), no rate limit, no KV.
 * When the region does not answer: 503 `region_unavailable` naming it.
 *
 * Register as an onRequest hook right after admission control: an overloaded
 * replica still refuses first, and everything after (rate limits, CORS,
 * authentication, validation) runs in the home region instead. A request
 * forwarded here from another region is served here, never sent on again.
 */
export function regionForwardingPlugin(app: FastifyInstance, options: { regions: RegionSettings; link: RegionLink }): void {
  const { regions, link } = options;
  app.addHook('onRequest', async (request, reply) => {
    const conversationId = (request.params as Record<string, unknown> | undefined)?.conversationId;
    if (typeof conversationId !== 'string') return;
    const home = homeRegionOf(conversationId, regions.regions);
    if (home === undefined || home === regions.region || forwardedFrom(request) !== undefined) return;
    const body = await rawBody(request, request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 1_048_576);
    const answer = await link.forward(home, {
      method: request.method,
      url: request.url,
      // The same request id in both regions' logs; a client's own forwarded-from header is not passed on.
      headers: { ...endToEndHeaders(request.headers, [FORWARDED_FROM_HEADER]), 'x-request-id': String(request.id) },
      body,
      clientAddress: request.ip,
    });
    reply.code(answer.status);
    for (const [name, value] of Object.entries(endToEndHeaders(answer.headers))) reply.header(name, value);
    return reply.send(answer.body);
  });
}

/**
 * The body's bytes as the client sent them, up to the route's body limit
 * (fastify has not read it yet in onRequest, and will not: the answer is
 * sent from here). A larger body is 413, as fastify itself would answer.
 */
async function rawBody(request: FastifyRequest, limit: number): Promise<Buffer> {
  const tooLarge = () => Object.assign(new Error(`the request body is larger than ${limit} bytes`), { statusCode: 413 });
  if (Number(request.headers['content-length'] ?? 0) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > limit) throw tooLarge();
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}
