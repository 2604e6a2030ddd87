/**
 * guardedRequest against loopback listeners that count the connections they
 * accept: a refused address must be refused before any connection.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboundAddressPolicy, type HostResolver } from '@contactcenter/infra/outbound';
import { guardedRequest, OutboundRequestError } from './guardedRequest';

interface Listener { server: Server; port: number; sockets: number; requests: string[] }

async function listen(handler: (path: string, res: import('node:http').ServerResponse) => void): Promise<Listener> {
  const l = { sockets: 0, requests: [] as string[] } as Listener;
  l.server = createServer((req, res) => {
    l.requests.push(req.url ?? '/');
    req.resume().on('end', () => handler(req.url ?? '/', res));
  });
  l.server.on('connection', () => l.sockets++);
  await new Promise<void>((r) => l.server.listen(0, '127.0.0.1', r));
  l.port = (l.server.address() as AddressInfo).port;
  return l;
}

const PUBLIC = '93.184.215.14';
let target: Listener;
let elsewhere: Listener;
const loopbackAllowed = new OutboundAddressPolicy({ allowedNetworks: ['127.0.0.0/8'] });

beforeAll(async () => {
  elsewhere = await listen((_p, res) => res.writeHead(200).end('moved here'));
  target = await listen((path, res) => {
    if (path === '/redirect') return res.writeHead(302, { location: `http://127.0.0.1:${elsewhere.port}/next` }).end();
    if (path === '/big') return res.writeHead(200).end(Buffer.alloc(100_000));
    if (path === '/slow') return; // never answers
    res.writeHead(201, { 'x-seen': path }).end('ok');
  });
});
afterAll(async () => {
  for (const l of [target, elsewhere]) {
    l.server.closeAllConnections();
    await new Promise((r) => l.server.close(r));
  }
});

async function failure(p: Promise<unknown>): Promise<OutboundRequestError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(OutboundRequestError);
  return err as OutboundRequestError;
}

describe('guardedRequest', () => {
  it('sends the request and answers status, headers and body', async () => {
    const res = await guardedRequest(`http://127.0.0.1:${target.port}/hello`, { method: 'POST', body: '{}', timeoutMs: 2_000, policy: loopbackAllowed });
    expect(res).toMatchObject({ status: 201, headers: { 'x-seen': '/hello' } });
    expect(res.body.toString()).toBe('ok');
  });

  it('dials a name through the policy’s lookup when its addresses are allowed', async () => {
    const named = new OutboundAddressPolicy({ allowedNetworks: ['127.0.0.0/8'], resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    const res = await guardedRequest(`http://receiver.example.com:${target.port}/named`, { timeoutMs: 2_000, policy: named });
    expect(res).toMatchObject({ status: 201, headers: { 'x-seen': '/named' } });
  });

  it('never follows a redirect: a 3xx is the answer', async () => {
    const before = elsewhere.sockets;
    const res = await guardedRequest(`http://127.0.0.1:${target.port}/redirect`, { timeoutMs: 2_000, policy: loopbackAllowed });
    expect(res.status).toBe(302);
    expect(elsewhere.sockets).toBe(before);
  });

  it('refuses a disallowed address before connecting, literal or resolved', async () => {
    const strict = new OutboundAddressPolicy({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    const before = target.sockets;
    for (const url of [`http://127.0.0.1:${target.port}/`, `http://[::ffff:127.0.0.1]:${target.port}/`, `http://2130706433:${target.port}/`, `http://receiver.example.com:${target.port}/`]) {
      const err = await failure(guardedRequest(url, { timeoutMs: 2_000, policy: strict }));
      expect(err.reason).toBe('refused_address');
      expect(err.message).toBe('refused: address not allowed');
    }
    expect(target.sockets).toBe(before);
  });

  it('checks the address actually dialled: a name that rebinds to loopback after the check gets no connection', async () => {
    let calls = 0;
    const rebinding: HostResolver = async () => [{ address: calls++ === 0 ? PUBLIC : '127.0.0.1', family: 4 }];
    const policy = new OutboundAddressPolicy({ resolve: rebinding });
    const url = `http://rebind.example.com:${target.port}/hook`;
    await expect(policy.checkUrl(url, 'url')).resolves.toBeInstanceOf(URL);
    const before = target.sockets;
    expect((await failure(guardedRequest(url, { timeoutMs: 2_000, policy }))).reason).toBe('refused_address');
    expect(calls).toBe(2);
    expect(target.sockets).toBe(before);
  });

  it('fails with one generic reason per kind of failure; the socket error only as cause', async () => {
    const closed = await listen(() => undefined);
    await new Promise((r) => closed.server.close(r));
    const refused = await failure(guardedRequest(`http://127.0.0.1:${closed.port}/`, { timeoutMs: 2_000, policy: loopbackAllowed }));
    expect([refused.reason, refused.message]).toEqual(['connect_failed', 'connection failed']);
    expect((refused.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');

    const tls = await failure(guardedRequest(`https://127.0.0.1:${target.port}/`, { timeoutMs: 2_000, policy: loopbackAllowed }));
    expect(tls.reason).toBe('tls');

    const slow = await failure(guardedRequest(`http://127.0.0.1:${target.port}/slow`, { timeoutMs: 200, policy: loopbackAllowed }));
    expect([slow.reason, slow.message]).toEqual(['timeout', 'timeout']);

    const big = await failure(guardedRequest(`http://127.0.0.1:${target.port}/big`, { timeoutMs: 2_000, policy: loopbackAllowed, maxResponseBytes: 10_000 }));
    expect(big.reason).toBe('too_large');

    const scheme = await failure(guardedRequest('file:///etc/passwd', { timeoutMs: 2_000, policy: loopbackAllowed }));
    expect(scheme.reason).toBe('refused_address');
  });
});
