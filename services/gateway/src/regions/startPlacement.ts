import { ConfigError, type Field } from '@contactcenter/infra';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { callerHeaders, endToEndHeaders } from './forwardedHttp';
import { forwardedFrom } from './regionForwarding';
import type { RegionForwarder } from './residencyReplication';
import { countryOfHeader, placeConversation, type Placement } from './residencyRules';
import type { ResidencySettingsStore } from './residencySettings';

/** Where new conversations start, in multi-region mode (absent with one region: always here). */
export interface StartPlacement {
  /** REGION: this gateway's region. */
  localRegion: string;
  settings: ResidencySettingsStore;
  /** VISITOR_COUNTRY_HEADER, lower case: the header a CDN or load balancer puts the visitor's country in (`cf-ipcountry`). */
  countryHeader: string;
  /** The way to the other regions; a start placed elsewhere is sent there. */
  link: RegionForwarder;
}

export const DEFAULT_VISITOR_COUNTRY_HEADER = 'cf-ipcountry';

/** VISITOR_COUNTRY_HEADER: an HTTP header name, lower-cased as node gives headers. */
export const countryHeaderName = (): Field<string> => ({
  describe: 'an HTTP header name',
  parse: (raw, name) => {
    const value = raw === undefined || raw.trim() === '' ? DEFAULT_VISITOR_COUNTRY_HEADER : raw.trim();
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/.test(value)) throw new ConfigError(name, `must be an HTTP header name, got ${JSON.stringify(value)}`);
    return value.toLowerCase();
  },
});

/**
 * Where a new conversation lives (a visitor's, or one an agent or an
 * integration starts for a customer): by the tenant's residency settings and
 * the country in VISITOR_COUNTRY_HEADER (see residencyRules.ts). A start
 * another region forwarded here stays here: that region placed it already.
 */
export async function placeStart(placement: StartPlacement, request: FastifyRequest, tenantId: string): Promise<Placement> {
  const from = forwardedFrom(request);
  if (from !== undefined) return { region: placement.localRegion, reason: `placed by region ${from}` };
  const country = countryOfHeader(request.headers[placement.countryHeader]);
  return placeConversation(await placement.settings.get(tenantId), { ...(country ? { country } : {}), localRegion: placement.localRegion });
}

/**
 * Sends the start to the region that places it and answers with that
 * region's answer unchanged (status, body with the conversation's
 * region-prefixed id, headers but hop-by-hop ones). The caller's own
 * credentials and Idempotency-Key go along: the other region authenticates
 * it and derives the same id from the key, so a retry finds the first start.
 * @throws the link's RegionUnavailableError (503 `region_unavailable`) when that region cannot be reached; nothing is started anywhere then.
 */
export async function forwardStart(placement: StartPlacement, region: string, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  // The link marks it `x-cc-forwarded-from: <this region>`: the other region starts it without placing it again.
  // Not Origin: CORS was answered here (for visitors, against this region's widget keys).
  const headers = { ...callerHeaders(request, ['authorization', 'idempotency-key', 'accept-language', placement.countryHeader]), 'content-type': 'application/json' };
  // The validated body: JSON, as the route parsed it (the original bytes are gone by now).
  const res = await placement.link.forward(region, { method: request.method, url: request.url, headers, body: Buffer.from(JSON.stringify(request.body)), clientAddress: request.ip });
  // `date` too: this reply gets its own.
  for (const [name, value] of Object.entries(endToEndHeaders(res.headers, ['date']))) reply.header(name, value);
  // A string body: the idempotency record keeps string answers (idempotentRoute.ts), so a retry here replays it.
  return reply.code(res.status).send(res.body.toString('utf8'));
}
