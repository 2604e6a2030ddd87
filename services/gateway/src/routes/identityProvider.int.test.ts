/**
 * Tenants' own identity providers through the whole app: the admin route
 * that configures one, and RS256/ES256/EdDSA tokens verified against the
 * tenant's JWKS, served here by a local server on 127.0.0.1 (allowed by
 * OUTBOUND_ALLOWED_NETWORKS=127.0.0.0/8) that counts its requests.
 * `GET /v1/admin/widget-keys` answers 200 from KV alone: 200 means
 * "authenticated as an admin of the tenant".
 */
import { createHmac, createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';

type Alg = 'RS256' | 'ES256' | 'EdDSA';
interface IdpKey {
  kid: string;
  alg: Alg;
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

function newKey(alg: Alg, kid = `${alg}-${randomUUID().slice(0, 6)}`): IdpKey {
  const pair = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return { kid, alg, privateKey: pair.privateKey, jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, use: 'sig' } };
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function idpToken(key: IdpKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const input = `${b64({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header })}.${b64(claims)}`;
  const data = Buffer.from(input);
  const signature =
    key.alg === 'RS256' ? sign('sha256', data, key.privateKey) : key.alg === 'ES256' ? sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' }) : sign(null, data, key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/** A JWKS per path, switchable off (HTTP 500), counting requests per path. */
class LocalIdp {
  readonly keys = new Map<string, IdpKey[]>();
  readonly requests = new Map<string, number>();
  down = false;
  private server!: Server;
  base = '';

  async start() {
    this.server = createServer((req, res) => {
      const path = req.url ?? '';
      this.requests.set(path, (this.requests.get(path) ?? 0) + 1);
      if (this.down) return res.writeHead(500).end();
      const keys = this.keys.get(path);
      if (!keys) return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  count = (path: string) => this.requests.get(path) ?? 0;
  stop = () => new Promise<void>((resolve) => this.server.close(() => resolve()));
}

const REFRESH_MS = 400;
let edge: EdgeApp;
const idp = new LocalIdp();

beforeAll(async () => {
  await idp.start();
  edge = await startEdgeApp({ outboundAllowedNetworks: ['127.0.0.0/8'], identityProvidersAllowInsecure: true, jwksMinRefreshIntervalMs: REFRESH_MS });
});
afterAll(async () => {
  await edge?.close();
  await idp.stop();
});

const tenant = () => `idp${randomUUID().slice(0, 8)}`;
const gatewayAdmin = (tid: string) => ({ authorization: `Bearer ${edge.sign({ tid, sub: 'boss', roles: ['admin'] })}` });
const putProvider = (tid: string, body: unknown) => edge.app.inject({ method: 'PUT', url: '/v1/admin/identity-provider', headers: gatewayAdmin(tid), payload: body as object });
const getProvider = (tid: string) => edge.app.inject({ method: 'GET', url: '/v1/admin/identity-provider', headers: gatewayAdmin(tid) });
const listKeys = (token: string) => edge.app.inject({ method: 'GET', url: '/v1/admin/widget-keys', headers: { authorization: `Bearer ${token}` } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A tenant with its own IdP at `/<tenant>/jwks` holding `keys`. */
async function tenantWithIdp(keys: IdpKey[], extra: Record<string, unknown> = {}) {
  const tid = tenant();
  const path = `/${tid}/jwks`;
  idp.keys.set(path, keys);
  const issuer = `https://login.${tid}.example`;
  const res = await putProvider(tid, { jwksUrl: `${idp.base}${path}`, issuer, ...extra });
  expect(res.statusCode).toBe(200);
  const claims = (more: Record<string, unknown> = {}) => ({ tid, sub: 'alice@idp', iss: issuer, roles: ['admin'], iat: now(), exp: now() + 300, ...more });
  return { tid, path, issuer, claims };
}

async function expect401(token: string, detail: RegExp) {
  const res = await listKeys(token);
  expect(res.statusCode).toBe(401);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ status: 401, code: 'unauthorized' });
  expect(res.json().detail).toMatch(detail);
}

describe('tokens from a tenant\'s identity provider', () => {
  it.each(['RS256', 'ES256', 'EdDSA'] as const)('accepts an %s token signed by a key of the tenant\'s JWKS', async (alg) => {
    const key = newKey(alg);
    const t = await tenantWithIdp([key]);
    const res = await listKeys(idpToken(key, t.claims()));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ widgetKeys: [] });
  });

  it('reads roles from the configured claim, never grants a visitor role, and requires the audience when configured', async () => {
    const key = newKey('ES256');
    const t = await tenantWithIdp([key], { audience: 'cc-api', rolesClaim: 'realm_access.roles' });
    expect((await listKeys(idpToken(key, t.claims({ aud: 'cc-api', roles: undefined, realm_access: { roles: ['admin', 'offline'] } })))).statusCode).toBe(200);
    await expect401(idpToken(key, t.claims({ realm_access: { roles: ['admin'] } })), /no audience \(aud\)/);
    // Roles elsewhere than the configured claim, or a visitor role: authenticated, but no admin.
    expect((await listKeys(idpToken(key, t.claims({ aud: 'cc-api' })))).statusCode).toBe(403);
    const visitor = await edge.app.inject({ method: 'GET', url: '/v1/visitor/conversations/c-1', headers: { authorization: `Bearer ${idpToken(key, t.claims({ aud: 'cc-api', realm_access: { roles: ['visitor'] } }))}` } });
    expect(visitor.statusCode).toBe(403);
  });

  it('refuses a token without the tenant\'s issuer, without exp, or living too long', async () => {
    const key = newKey('RS256');
    const t = await tenantWithIdp([key]);
    await expect401(idpToken(key, t.claims({ iss: 'https://login.other.example' })), /issuer \(iss\) is not/);
    await expect401(idpToken(key, t.claims({ exp: undefined })), /^token has no expiry \(exp\)$/);
    await expect401(idpToken(key, t.claims({ exp: now() + 200_000 })), /lifetime/);
  });

  it('refetches the JWKS once on an unknown kid, at most once per interval, and picks up a key rotated at the IdP', async () => {
    const first = newKey('RS256');
    const t = await tenantWithIdp([first]);
    expect((await listKeys(idpToken(first, t.claims()))).statusCode).toBe(200);
    expect(idp.count(t.path)).toBe(1);
    expect((await listKeys(idpToken(first, t.claims()))).statusCode).toBe(200);
    expect(idp.count(t.path)).toBe(1); // cached

    await sleep(REFRESH_MS + 50);
    const madeUp = { ...newKey('RS256'), kid: 'made-up' };
    await expect401(idpToken(madeUp, t.claims()), /lists no key "made-up"/);
    expect(idp.count(t.path)).toBe(2); // one refetch
    for (let i = 0; i < 5; i++) await expect401(idpToken(madeUp, t.claims()), /lists no key "made-up"/);
    expect(idp.count(t.path)).toBe(2); // no more within the interval, whatever the tokens ask

    const rotated = newKey('RS256');
    idp.keys.set(t.path, [first, rotated]);
    await sleep(REFRESH_MS + 50);
    expect((await listKeys(idpToken(rotated, t.claims()))).statusCode).toBe(200);
    expect(idp.count(t.path)).toBe(3);
  });

  it('refuses a token signed by tenant A\'s IdP that claims tenant B', async () => {
    const keyA = newKey('RS256');
    const a = await tenantWithIdp([keyA]);
    const b = await tenantWithIdp([newKey('RS256')]);
    expect((await listKeys(idpToken(keyA, a.claims()))).statusCode).toBe(200);
    await expect401(idpToken(keyA, b.claims()), /lists no key/);
    // Even with B's kid in the header: the signature is A's.
    const bKid = (idp.keys.get(b.path)![0]!).kid;
    await expect401(idpToken(keyA, b.claims(), { kid: bKid }), /signature does not verify/);
  });

  it('refuses a token naming a tenant without an identity provider', async () => {
    const key = newKey('EdDSA');
    await expect401(idpToken(key, { tid: tenant(), sub: 'x', roles: ['admin'], iat: now(), exp: now() + 60 }), /has no identity provider/);
  });

  it('refuses alg none, HS256 signed with the tenant\'s public key, and an algorithm that does not fit the key', async () => {
    const key = newKey('RS256');
    const t = await tenantWithIdp([key]);
    const claims = b64(t.claims());
    await expect401(`${b64({ alg: 'none', typ: 'JWT', kid: key.kid })}.${claims}.`, /algorithm "none" is not accepted/);
    await expect401(`${b64({ alg: 'none', typ: 'JWT', kid: key.kid })}.${claims}`, /not a JWT/);
    // Alg confusion: the public key (PEM or JWK JSON) as an HMAC secret.
    const publicPem = createPublicKey(key.privateKey).export({ type: 'spki', format: 'pem' });
    for (const secret of [publicPem, JSON.stringify(key.jwk)]) {
      const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: key.kid })}.${claims}`;
      await expect401(`${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`, /signature does not verify/);
    }
    // An ES256 header on the RSA key's kid.
    const forged = idpToken({ ...newKey('ES256'), kid: key.kid }, t.claims());
    await expect401(forged, /does not match key/);
  });

  it('answers 503 with Retry-After when the IdP is down and no cached key fits, and keeps using cached keys meanwhile', async () => {
    const cached = newKey('ES256');
    const t = await tenantWithIdp([cached]);
    expect((await listKeys(idpToken(cached, t.claims()))).statusCode).toBe(200);
    idp.down = true;
    try {
      await sleep(REFRESH_MS + 50);
      const res = await listKeys(idpToken(newKey('ES256'), t.claims()));
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 503, code: 'unavailable' });
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await listKeys(idpToken(cached, t.claims()))).statusCode).toBe(200);
    } finally {
      idp.down = false;
    }
  });

  it('answers 503, not 500, when the JWKS URL does not answer at all', async () => {
    const tid = tenant();
    expect((await putProvider(tid, { jwksUrl: 'http://127.0.0.1:1/jwks', issuer: 'https://nowhere.example' })).statusCode).toBe(200);
    const res = await listKeys(idpToken(newKey('RS256'), { tid, sub: 'a', iss: 'https://nowhere.example', roles: ['admin'], iat: now(), exp: now() + 60 }));
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
  });
});

describe('PUT /v1/admin/identity-provider', () => {
  it('stores the tenant\'s provider, shows it, and deletes it (its tokens are refused then)', async () => {
    const key = newKey('RS256');
    const t = await tenantWithIdp([key]);
    const shown = await getProvider(t.tid);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({ jwksUrl: `${idp.base}${t.path}`, issuer: t.issuer, rolesClaim: 'roles' });
    expect(shown.json().tenantId).toBeUndefined();
    const token = idpToken(key, t.claims());
    expect((await listKeys(token)).statusCode).toBe(200);
    expect((await edge.app.inject({ method: 'DELETE', url: '/v1/admin/identity-provider', headers: gatewayAdmin(t.tid) })).statusCode).toBe(204);
    expect((await getProvider(t.tid)).statusCode).toBe(404);
    await expect401(token, /has no identity provider/);
  });

  it('is for admins only', async () => {
    const tid = tenant();
    const agent = { authorization: `Bearer ${edge.sign({ tid, sub: 'a', roles: ['agent'] })}` };
    const res = await edge.app.inject({ method: 'PUT', url: '/v1/admin/identity-provider', headers: agent, payload: { jwksUrl: `${idp.base}/x`, issuer: 'i' } });
    expect(res.statusCode).toBe(403);
    expect((await getProvider(tid)).statusCode).toBe(404);
  });

  it.each([
    ['a non-URL', { jwksUrl: 'not a url', issuer: 'i' }, 'jwksUrl', /not a valid absolute URL/],
    ['another scheme', { jwksUrl: 'ftp://127.0.0.1/jwks', issuer: 'i' }, 'jwksUrl', /http\(s\) URL/],
    ['credentials in the URL', { jwksUrl: 'http://user:pw@127.0.0.1/jwks', issuer: 'i' }, 'jwksUrl', /credentials/],
    ['a private address', { jwksUrl: 'https://10.1.2.3/jwks', issuer: 'i' }, 'jwksUrl', /public address: 10\.1\.2\.3 is private/],
    ['a metadata address', { jwksUrl: 'http://169.254.169.254/latest', issuer: 'i' }, 'jwksUrl', /metadata/],
    ['an unknown field', { jwksUrl: `https://127.0.0.1/jwks`, issuer: 'i', admin: true }, 'admin', /additional properties/],
    ['no issuer', { jwksUrl: 'https://127.0.0.1/jwks' }, 'issuer', /issuer/],
    ['a malformed roles claim', { jwksUrl: 'https://127.0.0.1/jwks', issuer: 'i', rolesClaim: 'a..b' }, 'rolesClaim', /pattern/],
  ])('refuses %s with 400 naming the field, and stores nothing', async (_label, body, field, detail) => {
    const tid = tenant();
    const res = await putProvider(tid, body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ status: 400, code: 'validation', field });
    expect(res.json().detail).toMatch(detail);
    expect((await getProvider(tid)).statusCode).toBe(404);
  });
});

describe('PUT /v1/admin/identity-provider without IDENTITY_PROVIDERS_ALLOW_INSECURE or allowed networks', () => {
  let strict: EdgeApp;
  beforeAll(async () => {
    strict = await startEdgeApp();
  });
  afterAll(() => strict?.close());

  it.each([
    ['an http URL', 'http://login.example.com/jwks', /must be an https URL/],
    ['a loopback address', 'https://127.0.0.1:8443/jwks', /127\.0\.0\.1 is loopback/],
    ['a private address', 'https://192.168.1.10/jwks', /is private/],
  ])('refuses %s with 400 naming jwksUrl before any connection', async (_label, jwksUrl, detail) => {
    const tid = tenant();
    const admin = { authorization: `Bearer ${strict.sign({ tid, sub: 'boss', roles: ['admin'] })}` };
    const res = await strict.app.inject({ method: 'PUT', url: '/v1/admin/identity-provider', headers: admin, payload: { jwksUrl, issuer: 'https://login.example.com' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation', field: 'jwksUrl' });
    expect(res.json().detail).toMatch(detail);
    expect((await strict.app.inject({ method: 'GET', url: '/v1/admin/identity-provider', headers: admin })).statusCode).toBe(404);
  });
});
