/**
 * Webhooks cannot be pointed at the gateway's own network: every disguise of
 * a loopback, private, link-local or metadata address is refused at
 * registration (400 naming `url`, nothing stored), and a name that resolves
 * elsewhere after registration (DNS rebinding) is refused at connect time,
 * before any connection: a loopback listener counts the sockets it accepts.
 * Names are resolved by a table here (real DNS only for `localhost`), and
 * the only address anything could dial is loopback.
 */
import { createLogger } from '@contactcenter/infra';
import { encodeCloudEventMessage, ensureEventStream } from '@contactcenter/infra/events';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { promises as dns } from 'node:dns';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';
import { OutboundAddressPolicy, type HostResolver } from '@contactcenter/infra/outbound';
import { WebhookDeliveryEngine } from './deliveryEngine';
import { DeliveryQueue } from './deliveryQueue';
import { WebhookStore } from './webhookStore';

const PUBLIC = '93.184.215.14';
const lookups = new Map<string, number>();
/** `rebind.example.com` answers a public address the first time, then loopback (a rebinding attacker's DNS). */
const resolve: HostResolver = async (host) => {
  const n = (lookups.get(host) ?? 0) + 1;
  lookups.set(host, n);
  if (host === 'localhost') return dns.lookup('localhost', { all: true });
  const table: Record<string, string> = { 'internal.example.com': '10.1.2.3', 'imds.example.com': '169.254.169.254', 'rebind.example.com': n === 1 ? PUBLIC : '127.0.0.1' };
  if (!table[host]) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return [{ address: table[host]!, family: 4 }];
};
const policy = new OutboundAddressPolicy({ resolve });

let edge: EdgeApp;
let engine: WebhookDeliveryEngine;
let listener: Server;
let port: number;
let accepted = 0;

beforeAll(async () => {
  listener = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end()));
  listener.on('connection', () => accepted++);
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  port = (listener.address() as AddressInfo).port;
  edge = await startEdgeApp({ webhooksAllowInsecure: true, outboundPolicy: policy });
  await ensureEventStream(await jetstreamManager(edge.nats));
  const logger = createLogger('webhook-ssrf-test', 'silent');
  engine = await WebhookDeliveryEngine.start({ nats: edge.nats, logger, store: await WebhookStore.open(edge.nats), queue: await DeliveryQueue.open(edge.nats), policy, retryScheduleMs: [50], retryJitter: 0, timeoutMs: 1_000 });
});
afterAll(async () => {
  await engine?.stop();
  await edge?.close();
  await new Promise((r) => listener?.close(r));
});

const tenant = () => `t-${randomUUID().slice(0, 8)}`;
const admin = (tid: string) => ({ authorization: `Bearer ${edge.sign({ tid, sub: 'admin-1', roles: ['admin'] })}` });
const listOf = async (tid: string) => (await edge.app.inject({ method: 'GET', url: '/v1/webhooks', headers: admin(tid) })).json().webhooks;

describe('webhook URLs that point inside', () => {
  it.each([
    'https://127.0.0.1:9555/hook',
    'http://127.0.0.1:PORT/hook',
    'https://169.254.169.254/',
    'https://10.0.0.1/',
    'https://metadata.google.internal/',
    'https://metadata/',
    'https://2130706433/',
    'https://0x7f.1/',
    'https://127.1/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::1]/',
    'https://0.0.0.0/',
    'https://[fd00:ec2::254]/',
    'https://[64:ff9b::a9fe:a9fe]/',
    'https://100.64.0.1/',
    'https://172.16.0.1/',
    'https://192.168.1.1/',
    'https://[fe80::1]/',
    'https://[fc00::1]/',
    'https://internal.example.com/',
    'https://imds.example.com/',
    'http://localhost:PORT/hook',
  ])('%s is refused at registration: 400 naming url, nothing stored', async (template) => {
    const tid = tenant();
    const res = await edge.app.inject({ method: 'POST', url: '/v1/webhooks', headers: admin(tid), payload: { url: template.replace('PORT', String(port)), eventTypes: ['*'] } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'validation', field: 'url', detail: expect.stringMatching(/^url: must point to a public address: /) });
    expect(await listOf(tid)).toEqual([]);
    expect(accepted).toBe(0);
  });
});

describe('DNS rebinding', () => {
  it('a name that resolved to a public address at registration and to loopback at delivery gets no connection', async () => {
    const tid = tenant();
    const created = await edge.app.inject({ method: 'POST', url: '/v1/webhooks', headers: admin(tid), payload: { url: `http://rebind.example.com:${port}/hook`, eventTypes: ['*'] } });
    expect(created.statusCode).toBe(201);
    const { webhookId } = created.json<{ webhookId: string }>();
    const end = Date.now() + 5_000;
    while (!engine.webhooksOf(tid).length && Date.now() < end) await new Promise((r) => setTimeout(r, 20));

    const msg = encodeCloudEventMessage(`cc.${tid}.conversation.MessagePosted.c-1`, { id: randomUUID(), source: '/contactcenter/test/conversation', type: 'contactcenter.conversation.v1.MessagePosted', subject: 'c-1', time: new Date(), tenantid: tid }, { conversationId: 'c-1' });
    await jetstream(edge.nats).publish(msg.subject, msg.data, { headers: msg.headers, msgID: msg.msgID });
    let failed: { deliveryId: string; lastError: string; attempts: number }[] = [];
    while (!failed.length && Date.now() < end + 5_000) {
      failed = (await edge.app.inject({ method: 'GET', url: `/v1/webhooks/${webhookId}/deliveries?status=failed`, headers: admin(tid) })).json().deliveries;
      if (!failed.length) await new Promise((r) => setTimeout(r, 50));
    }
    expect(failed[0]).toMatchObject({ attempts: 2, lastError: 'refused: address not allowed' });
    expect(lookups.get('rebind.example.com')).toBeGreaterThanOrEqual(3); // registration, then each attempt resolved again

    const replay = await edge.app.inject({ method: 'POST', url: `/v1/webhooks/${webhookId}/deliveries/${failed[0]!.deliveryId}/replay`, headers: admin(tid) });
    expect(replay.json()).toMatchObject({ status: 'failed', lastError: 'refused: address not allowed' });
    expect(accepted).toBe(0);
  });
});
