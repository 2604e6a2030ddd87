/**
 * Gateway HS256 tokens through the whole app (tokens/tokenVerifier.ts):
 * expiry required and bounded, clock skew, issuer and audience, secret
 * rotation, and one verification per request. The admin route
 * `GET /v1/admin/widget-keys` answers 200 from KV alone, so a 200 means
 * "authenticated", a 401 "refused at the door".
 */
import { createHmac, randomUUID } from 'node:crypto';
import { signStaffToken } from '../../../../scripts/devToken';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';

const CURRENT = 'c'.repeat(48);
const PREVIOUS = 'p'.repeat(48);
const ISSUER = 'https://gateway.example';
const AUDIENCE = 'contactcenter-api';
const tenant = () => `au${randomUUID().slice(0, 8)}`;
const now = () => Math.floor(Date.now() / 1000);

/** An HS256 token with exactly these claims (no iat/exp added). */
const rawToken = (claims: Record<string, unknown>, secret = CURRENT) => {
  const h = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${h}.${p}.${createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')}`;
};
const adminClaims = (tid = tenant()) => ({ tid, sub: 'boss', roles: ['admin'] });
const listKeys = (edge: EdgeApp, token: string) => edge.app.inject({ method: 'GET', url: '/v1/admin/widget-keys', headers: { authorization: `Bearer ${token}` } });

async function expectRefused(edge: EdgeApp, token: string, field: string | undefined, detail: RegExp) {
  const res = await listKeys(edge, token);
  expect(res.statusCode).toBe(401);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ status: 401, code: 'unauthorized', ...(field ? { field } : {}) });
  expect(res.json().detail).toMatch(detail);
}

describe('gateway tokens, during a secret rotation', () => {
  let edge: EdgeApp;
  beforeAll(async () => {
    edge = await startEdgeApp({ jwtSecret: CURRENT, jwtSecretPrevious: PREVIOUS, tokenRules: { maxLifetimeSeconds: 43_200, clockSkewSeconds: 30 } });
  });
  afterAll(() => edge?.close());

  it('accepts a token signed with the current secret and one signed with the previous secret', async () => {
    expect((await listKeys(edge, signStaffToken(CURRENT, adminClaims()))).statusCode).toBe(200);
    expect((await listKeys(edge, signStaffToken(PREVIOUS, adminClaims()))).statusCode).toBe(200);
  });

  it('refuses a token signed with any other secret', async () => {
    await expectRefused(edge, signStaffToken('x'.repeat(48), adminClaims()), undefined, /signature does not verify/);
  });

  it('signs new visitor sessions with the current secret', async () => {
    const tid = tenant();
    const created = await edge.app.inject({ method: 'POST', url: '/v1/admin/widget-keys', headers: { authorization: `Bearer ${signStaffToken(CURRENT, adminClaims(tid))}` } });
    const session = await edge.app.inject({ method: 'POST', url: '/v1/visitor/sessions', payload: { widgetKey: created.json().widgetKey } });
    expect(session.statusCode).toBe(201);
    const [h, p, s] = (session.json().token as string).split('.');
    expect(createHmac('sha256', CURRENT).update(`${h}.${p}`).digest('base64url')).toBe(s);
  });

  it.each([
    ['no exp', () => ({ ...adminClaims(), iat: now() }), 'exp', /^token has no expiry \(exp\)$/],
    ['an exp that is not a number', () => ({ ...adminClaims(), iat: now(), exp: 'tomorrow' }), 'exp', /not a number/],
    ['a lifetime over JWT_MAX_LIFETIME_SECONDS', () => ({ ...adminClaims(), iat: now(), exp: now() + 43_201 }), 'exp', /lifetime of 43201 s is longer than the 43200 s/],
    ['no iat and an exp too far ahead', () => ({ ...adminClaims(), exp: now() + 50_000 }), 'exp', /longer than/],
    ['an expiry beyond the clock skew', () => ({ ...adminClaims(), iat: now() - 600, exp: now() - 31 }), 'exp', /^token expired at /],
    ['an nbf beyond the clock skew', () => ({ ...adminClaims(), iat: now(), nbf: now() + 120, exp: now() + 600 }), 'nbf', /not valid before/],
    ['an iat in the future beyond the skew', () => ({ ...adminClaims(), iat: now() + 120, exp: now() + 600 }), 'iat', /issued in the future/],
  ])('refuses %s with 401 and a detail that says why', async (_label, claims, field, detail) => {
    await expectRefused(edge, rawToken(claims()), field, detail);
  });

  it('accepts a token expired, or not yet valid, within the clock skew', async () => {
    expect((await listKeys(edge, rawToken({ ...adminClaims(), iat: now() - 600, exp: now() - 20 }))).statusCode).toBe(200);
    expect((await listKeys(edge, rawToken({ ...adminClaims(), iat: now() + 20, nbf: now() + 20, exp: now() + 600 }))).statusCode).toBe(200);
  });

  it('verifies a token once per request, however many hooks ask (rate limits, CORS, the route)', async () => {
    const tid = tenant();
    const admin = { authorization: `Bearer ${signStaffToken(CURRENT, adminClaims(tid))}` };
    const widgetKey = (await edge.app.inject({ method: 'POST', url: '/v1/admin/widget-keys', headers: admin, payload: { allowedOrigins: ['https://shop.example'] } })).json().widgetKey;
    const visitor = (await edge.app.inject({ method: 'POST', url: '/v1/visitor/sessions', payload: { widgetKey } })).json().token as string;
    const verifier = edge.app.tokenVerifier;
    const verify = verifier.verify.bind(verifier);
    let calls = 0;
    verifier.verify = (token) => {
      calls++;
      return verify(token);
    };
    try {
      // A visitor route from a browser: the rate limiter, CORS and requireVisitor all need the principal.
      const res = await edge.app.inject({ method: 'GET', url: '/v1/visitor/conversations/c-1', headers: { authorization: `Bearer ${visitor}`, origin: 'https://shop.example' } });
      expect(res.statusCode).toBe(503); // past every check, at the (unreachable) conversation service
      expect(res.headers['access-control-allow-origin']).toBe('https://shop.example');
      expect(calls).toBe(1);
    } finally {
      verifier.verify = verify;
    }
  });
});

describe('gateway tokens with JWT_ISSUER and JWT_AUDIENCE, no rotation', () => {
  let edge: EdgeApp;
  beforeAll(async () => {
    edge = await startEdgeApp({ jwtSecret: CURRENT, tokenRules: { issuer: ISSUER, audience: AUDIENCE } });
  });
  afterAll(() => edge?.close());

  it('accepts tokens of scripts/devToken.ts signed with the issuer and audience', async () => {
    expect((await listKeys(edge, edge.sign(adminClaims()))).statusCode).toBe(200);
    expect((await listKeys(edge, signStaffToken(CURRENT, adminClaims(), 600, { iss: ISSUER, aud: AUDIENCE }))).statusCode).toBe(200);
  });

  it.each([
    ['no iss', {}, 'iss', /no issuer \(iss\)/],
    ['another iss', { iss: 'https://evil.example', aud: AUDIENCE }, 'iss', /issuer \(iss\) is not/],
    ['no aud', { iss: ISSUER }, 'aud', /no audience \(aud\)/],
    ['another aud', { iss: ISSUER, aud: 'other-api' }, 'aud', /audience \(aud\) does not include/],
  ])('refuses a token with %s', async (_label, registered, field, detail) => {
    await expectRefused(edge, signStaffToken(CURRENT, adminClaims(), 600, registered), field, detail);
  });

  it('refuses the previous secret once JWT_SECRET_PREVIOUS is unset', async () => {
    await expectRefused(edge, signStaffToken(PREVIOUS, adminClaims(), 600, { iss: ISSUER, aud: AUDIENCE }), undefined, /signature does not verify/);
  });

  it('signs its own visitor sessions with the issuer and audience, and accepts them', async () => {
    const tid = tenant();
    const created = await edge.app.inject({ method: 'POST', url: '/v1/admin/widget-keys', headers: { authorization: `Bearer ${edge.sign(adminClaims(tid))}` } });
    const session = await edge.app.inject({ method: 'POST', url: '/v1/visitor/sessions', payload: { widgetKey: created.json().widgetKey } });
    expect(session.statusCode).toBe(201);
    const token = session.json().token as string;
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE, tid });
    expect(claims.exp - claims.iat).toBe(12 * 3600);
    const res = await edge.app.inject({ method: 'GET', url: '/v1/visitor/conversations/c-1', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(503); // authenticated, then the unreachable conversation service
  });
});
