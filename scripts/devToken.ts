import { createHmac } from 'node:crypto';

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

/**
 * Signs an HS256 JWT as the gateway expects from agents, supervisors and
 * admins; `registered` adds `iss` and `aud` when the gateway requires them
 * (JWT_ISSUER, JWT_AUDIENCE; unset ones are left out).
 */
export function signStaffToken(
  secret: string,
  claims: { tid: string; sub: string; roles: string[] },
  ttlSeconds = 12 * 3600,
  registered: { iss?: string; aud?: string } = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ ...claims, ...registered, iat: now, exp: now + ttlSeconds }));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
