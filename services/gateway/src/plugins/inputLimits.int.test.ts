/**
 * Input limits of the whole app, each answered as 4xx problem JSON with a
 * stable code: body size, message length, encoding, content type, URL and
 * path parameters, and requests node's HTTP parser refuses (raw socket).
 */
import type { LightMyRequestResponse } from 'fastify';
import { connect } from 'node:net';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';

let edge: EdgeApp;
let port: number;

beforeAll(async () => {
  edge = await startEdgeApp();
  await edge.app.listen({ host: '127.0.0.1', port: 0 });
  const address = edge.app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});
afterAll(() => edge?.close());

const staff = () => ({ authorization: `Bearer ${edge.sign({ tid: 'limits', sub: 'agent-1', roles: ['agent'] })}` });
const postMessage = (payload: string | Buffer | object, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  edge.app.inject({ method: 'POST', url: '/v1/conversations/c-1/messages', headers: { ...staff(), ...headers }, payload });

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, code: string) {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  expect(JSON.parse(res.body)).toMatchObject({ status, code });
}

describe('request bodies', () => {
  it('refuses a body over 64 KiB with 413 payload_too_large, before authentication', async () => {
    const big = { text: 'x'.repeat(65 * 1024) };
    expectProblem(await postMessage(big), 413, 'payload_too_large');
    expectProblem(await edge.app.inject({ method: 'POST', url: '/v1/visitor/sessions', payload: { widgetKey: 'x', pad: 'y'.repeat(70_000) } }), 413, 'payload_too_large');
  });

  it('refuses a message over 16384 characters with 400 validation, and an empty one', async () => {
    expectProblem(await postMessage({ text: 'x'.repeat(16_385) }), 400, 'validation');
    expectProblem(await postMessage({ text: '' }), 400, 'validation');
  });

  it('refuses bytes that are not UTF-8 rather than storing U+FFFD in their place', async () => {
    const res: LightMyRequestResponse = await postMessage(Buffer.concat([Buffer.from('{"text":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]));
    expectProblem(res, 400, 'validation');
    expect(res.json()).toMatchObject({ field: 'body' });
  });

  it('refuses malformed JSON, an empty JSON body, and a content type it does not parse', async () => {
    expectProblem(await postMessage('{"text": "a",'), 400, 'malformed_request');
    expectProblem(await postMessage(''), 400, 'malformed_request');
    expectProblem(await postMessage('{"__proto__": {"admin": true}, "text": "a"}'), 400, 'malformed_request');
    expectProblem(await postMessage('text=a', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
  });
});

describe('URLs', () => {
  it('answers a malformed percent-encoding with 400 and an over-long path parameter with 414, as problem JSON', async () => {
    expectProblem(await edge.app.inject({ method: 'GET', url: '/v1/conversations/%E0%A4%A', headers: staff() }), 400, 'malformed_request');
    expectProblem(await edge.app.inject({ method: 'GET', url: `/v1/conversations/${'a'.repeat(200)}`, headers: staff() }), 414, 'uri_too_long');
  });
});

describe('requests node cannot parse (raw socket)', () => {
  /** Writes raw bytes to the listening gateway and reads the whole answer. */
  const raw = (bytes: string | Buffer) =>
    new Promise<{ statusCode: number; headers: Record<string, string>; body: string }>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      const chunks: Buffer[] = [];
      socket.on('data', (c) => chunks.push(c));
      socket.on('error', reject);
      socket.on('close', () => {
        const text = Buffer.concat(chunks).toString('latin1');
        const [head = '', body = ''] = text.split('\r\n\r\n');
        const [statusLine = '', ...lines] = head.split('\r\n');
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        resolve({ statusCode: Number(statusLine.split(' ')[1]), headers, body });
      });
      socket.end(bytes);
    });

  it.each([
    ['headers over the size limit', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
    ['a garbage request line', 'HELLO THERE\r\n\r\n', 400, 'malformed_request'],
    ['a control character in a header', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Evil: a\u0001b\r\n\r\n', 400, 'malformed_request'],
    ['invalid bytes in the request line', Buffer.concat([Buffer.from('GET /v1/'), Buffer.from([0xff, 0x00]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]), 400, 'malformed_request'],
  ])('answers %s as problem JSON', async (_label, bytes, status, code) => {
    expectProblem(await raw(bytes), status, code);
  });
});
