import { ForbiddenError, ValidationError } from '@contactcenter/infra';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { API_KEY_SCOPES } from '../plugins/apiKeyAuth';
import { requireStaff } from '../plugins/auth';
import { sendProblem } from '../plugins/problem';
import { KEY_COPIES_PATH } from '../regions/keyReplication';
import { forwardedFrom } from '../regions/regionForwarding';
import { parseAllowedOrigins } from '../schemas/origins';
import type { ApiKeyRecord, ApiKeys } from '../store/apiKeys';
import type { WidgetKey, WidgetKeys } from '../store/widgetKeys';

export interface RegionKeyCopyOptions {
  widgetKeys: WidgetKeys;
  apiKeys: ApiKeys;
  /** REGIONS: a copy comes from one of the other regions, or from nowhere. */
  regions: readonly string[];
  /** This gateway's region, which never sends itself a copy. */
  region: string;
}

const WIDGET_KEY = '^wk_[A-Za-z0-9_-]{24}$';
const API_KEY_ID = '^[0-9a-f]{24}$';
const HEX_256 = '^[0-9a-f]{64}$';
const TENANT = { type: 'string', minLength: 1, maxLength: 64 } as const;
const INSTANT = { type: 'string', format: 'date-time' } as const;
// Hidden from /openapi.json and the generated client: only other regions' gateways call these.
const internal = { hide: true, security: [{ agentToken: [] }] } as const;

const widgetKeyCopy = {
  type: 'object',
  additionalProperties: false,
  required: ['widgetKey', 'tenantId', 'identitySecret', 'createdAt', 'revoked'],
  properties: {
    widgetKey: { type: 'string', pattern: WIDGET_KEY },
    tenantId: TENANT,
    identitySecret: { type: 'string', pattern: HEX_256 },
    createdAt: INSTANT,
    revoked: { type: 'boolean' },
    allowedOrigins: { type: 'array', maxItems: 64, items: { type: 'string', maxLength: 255 } },
  },
} as const;

const apiKeyCopy = {
  type: 'object',
  additionalProperties: false,
  required: ['apiKeyId', 'tenantId', 'name', 'scopes', 'keyHash', 'createdAt'],
  properties: {
    apiKeyId: { type: 'string', pattern: API_KEY_ID },
    tenantId: TENANT,
    name: { type: 'string', minLength: 1, maxLength: 100 },
    scopes: { type: 'array', minItems: 1, maxItems: 16, items: { type: 'string', enum: [...API_KEY_SCOPES] } },
    keyHash: { type: 'string', pattern: HEX_256 },
    createdAt: INSTANT,
    revokedAt: INSTANT,
  },
} as const;

/**
 * Internal routes that take another region's copy of a tenant's widget key
 * or API key (regions/keyReplication.ts sends them through RegionLink):
 * `PUT …/<kind>/<id>` stores the record as the sending region holds it,
 * `DELETE …/<kind>/<id>` removes it (undoing a create that did not reach
 * every region). A copy is stored here only, never sent on.
 *
 * Only a request this process replays for another region's gateway is
 * served (`forwardedFrom`): anything else, header or not, is 404 as for a
 * route that does not exist, before any credential is looked at, so no
 * client can plant a key. The forwarded admin token must still verify here,
 * and may only touch its own tenant's keys.
 */
export async function regionKeyCopyRoutes(app: FastifyInstance, opts: RegionKeyCopyOptions): Promise<void> {
  const senders = new Set(opts.regions.filter((r) => r !== opts.region));
  // Route-level onRequest: after the app's own (admission, rate limits), before authentication and validation.
  const onlyForwarded = async (request: FastifyRequest, reply: FastifyReply) => {
    const from = forwardedFrom(request);
    if (from === undefined || !senders.has(from)) {
      return sendProblem(reply, { status: 404, title: 'Not found', code: 'route_not_found', detail: `no route ${request.method} ${request.url.split('?')[0]}` });
    }
  };
  const admin = async (request: FastifyRequest, tenantId?: string) => {
    const p = await requireStaff(request, ['admin']);
    if (tenantId !== undefined && tenantId !== p.tenantId) throw new ForbiddenError('a copy of another tenant\'s key');
    return p;
  };

  app.put<{ Params: { widgetKey: string }; Body: WidgetKey }>(
    `${KEY_COPIES_PATH}/widget-keys/:widgetKey`,
    { onRequest: onlyForwarded, schema: { ...internal, params: { type: 'object', properties: { widgetKey: { type: 'string', pattern: WIDGET_KEY } } }, body: widgetKeyCopy } },
    async (request, reply) => {
      const copy = request.body;
      await admin(request, copy.tenantId);
      if (copy.widgetKey !== request.params.widgetKey) throw new ValidationError('widgetKey', 'must be the key of the path');
      await opts.widgetKeys.putCopy({ ...copy, allowedOrigins: parseAllowedOrigins(copy.allowedOrigins ?? []) });
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: { widgetKey: string } }>(
    `${KEY_COPIES_PATH}/widget-keys/:widgetKey`,
    { onRequest: onlyForwarded, schema: { ...internal, params: { type: 'object', properties: { widgetKey: { type: 'string', pattern: WIDGET_KEY } } } } },
    async (request, reply) => {
      const p = await admin(request);
      await opts.widgetKeys.discard(p.tenantId, request.params.widgetKey);
      return reply.code(204).send();
    },
  );

  app.put<{ Params: { apiKeyId: string }; Body: ApiKeyRecord }>(
    `${KEY_COPIES_PATH}/api-keys/:apiKeyId`,
    { onRequest: onlyForwarded, schema: { ...internal, params: { type: 'object', properties: { apiKeyId: { type: 'string', pattern: API_KEY_ID } } }, body: apiKeyCopy } },
    async (request, reply) => {
      const copy = request.body;
      await admin(request, copy.tenantId);
      if (copy.apiKeyId !== request.params.apiKeyId) throw new ValidationError('apiKeyId', 'must be the id of the path');
      await opts.apiKeys.putCopy({ ...copy, scopes: [...new Set(copy.scopes)] });
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: { apiKeyId: string } }>(
    `${KEY_COPIES_PATH}/api-keys/:apiKeyId`,
    { onRequest: onlyForwarded, schema: { ...internal, params: { type: 'object', properties: { apiKeyId: { type: 'string', pattern: API_KEY_ID } } } } },
    async (request, reply) => {
      const p = await admin(request);
      await opts.apiKeys.discard(p.tenantId, request.params.apiKeyId);
      return reply.code(204).send();
    },
  );
}
