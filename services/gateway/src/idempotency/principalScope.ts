import type { FastifyRequest } from 'fastify';
import { presentedApiKey } from '../plugins/apiKeyAuth';
import { presentedBearerToken, verifiedPrincipal } from '../plugins/auth';

/**
 * Whose Idempotency-Keys a request's key is among: its verified API key
 * (`apikey:<tenant>:<id>`), staff member (`staff:<tenant>:<subject>`) or
 * visitor session (`visitor:<tenant>:<customer id>`). Verified, not just
 * decoded: a forged token must not reach another principal's answers.
 * Undefined without valid credentials (the route then answers 401 itself).
 */
export async function principalScopeOf(request: FastifyRequest): Promise<string | undefined> {
  const apiKey = presentedApiKey(request);
  if (apiKey !== undefined) {
    if (!request.server.hasDecorator('apiKeyAuthenticator')) return undefined;
    const record = await request.server.apiKeyAuthenticator.authenticate(apiKey).catch(() => undefined); // the route reports an outage
    return record && `apikey:${record.tenantId}:${record.apiKeyId}`;
  }
  if (!presentedBearerToken(request)) return undefined;
  try {
    const p = await verifiedPrincipal(request); // verified once per request: the route reuses the answer
    return `${p.roles.includes('visitor') ? 'visitor' : 'staff'}:${p.tenantId}:${p.subject}`;
  } catch {
    return undefined;
  }
}
