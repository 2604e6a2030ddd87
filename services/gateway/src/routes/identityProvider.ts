import { NotFoundError, ValidationError } from '@contactcenter/infra';
import type { FastifyInstance } from 'fastify';
import type { OutboundAddressPolicy } from '@contactcenter/infra/outbound';
import { requireStaff } from '../plugins/auth';
import type { IdentityProvider, IdentityProviders } from '../store/identityProviders';

export interface IdentityProviderRouteOptions {
  providers: IdentityProviders;
  /** Where a JWKS URL may point (OUTBOUND_ALLOWED_NETWORKS); checked before anything is stored. */
  policy: OutboundAddressPolicy;
  /** IDENTITY_PROVIDERS_ALLOW_INSECURE: also `http://` JWKS URLs (development and tests only). */
  allowInsecure: boolean;
  /** Called after a change, so that this replica reads the tenant's settings and keys afresh. */
  onChange: (tenantId: string) => void;
}

type Body = { jwksUrl: string; issuer: string; audience?: string; rolesClaim?: string };

const problem = { $ref: 'problem#' } as const;
const security = [{ agentToken: [] }];
const DEFAULT_ROLES_CLAIM = 'roles';
const providerSchema = {
  type: 'object',
  properties: {
    jwksUrl: { type: 'string' },
    issuer: { type: 'string' },
    audience: { type: 'string' },
    rolesClaim: { type: 'string' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;
const bodySchema = {
  type: 'object',
  required: ['jwksUrl', 'issuer'],
  additionalProperties: false,
  properties: {
    jwksUrl: { type: 'string', minLength: 1, maxLength: 2048, description: 'https URL of the JWKS (public keys) of the identity provider.' },
    issuer: { type: 'string', minLength: 1, maxLength: 512, description: 'The `iss` its tokens carry.' },
    audience: { type: 'string', minLength: 1, maxLength: 512, description: 'The `aud` its tokens must carry, if any.' },
    rolesClaim: { type: 'string', maxLength: 128, pattern: '^[A-Za-z0-9_:/-]+(\\.[A-Za-z0-9_:/-]+)*$', description: 'Claim with the staff roles (default `roles`; dots reach into objects: `realm_access.roles`).' },
  },
} as const;

const viewOf = ({ tenantId: _tenant, ...view }: IdentityProvider) => view;

/**
 * `/admin/identity-provider`: the admin's tenant's own identity provider,
 * whose RS256/ES256/EdDSA tokens (carrying `tid`, its `iss`, `exp`) its staff
 * may present instead of gateway tokens. See tokens/tokenVerifier.ts.
 */
export async function identityProviderRoutes(app: FastifyInstance, opts: IdentityProviderRouteOptions): Promise<void> {
  app.put<{ Body: Body }>(
    '/admin/identity-provider',
    { schema: { operationId: 'putIdentityProvider', tags: ['admin'], security, body: bodySchema, response: { 200: providerSchema, '4xx': problem } } },
    async (request) => {
      const p = await requireStaff(request, ['admin']);
      const { jwksUrl, issuer, audience, rolesClaim } = request.body;
      const provider: IdentityProvider = {
        tenantId: p.tenantId,
        jwksUrl: await checkedJwksUrl(jwksUrl, opts),
        issuer,
        ...(audience !== undefined ? { audience } : {}),
        rolesClaim: rolesClaim ?? DEFAULT_ROLES_CLAIM,
        updatedAt: new Date().toISOString(),
      };
      await opts.providers.put(provider);
      opts.onChange(p.tenantId);
      return viewOf(provider);
    },
  );

  app.get('/admin/identity-provider', { schema: { operationId: 'getIdentityProvider', tags: ['admin'], security, response: { 200: providerSchema, '4xx': problem } } }, async (request) => {
    const p = await requireStaff(request, ['admin']);
    const provider = await opts.providers.get(p.tenantId);
    if (!provider) throw new NotFoundError('identity provider of tenant', p.tenantId);
    return viewOf(provider);
  });

  app.delete('/admin/identity-provider', { schema: { operationId: 'deleteIdentityProvider', tags: ['admin'], security, response: { '4xx': problem } } }, async (request, reply) => {
    const p = await requireStaff(request, ['admin']);
    await opts.providers.delete(p.tenantId);
    opts.onChange(p.tenantId);
    return reply.code(204).send();
  });
}

/**
 * The JWKS URL if the gateway may fetch it: https (http only with
 * allowInsecure), no credentials in it, and a host whose addresses the
 * outbound policy allows. Checked before the address lookup, so that a URL
 * refused for its form costs no DNS query.
 * @throws ValidationError naming `jwksUrl`.
 */
async function checkedJwksUrl(raw: string, opts: Pick<IdentityProviderRouteOptions, 'policy' | 'allowInsecure'>): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError('jwksUrl', 'is not a valid absolute URL');
  }
  const schemes = opts.allowInsecure ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) throw new ValidationError('jwksUrl', `must be an ${opts.allowInsecure ? 'http(s)' : 'https'} URL`);
  if (url.username || url.password) throw new ValidationError('jwksUrl', 'must not carry credentials');
  await opts.policy.checkUrl(url.href, 'jwksUrl');
  return url.href;
}
