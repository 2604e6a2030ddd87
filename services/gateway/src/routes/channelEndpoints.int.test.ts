/**
 * The admin's channel endpoints through the real app (`buildApp`, fastify's
 * inject) and the channels service's real gRPC handlers in-process, over a
 * KV bucket on a private NATS server; the other peers point at a port
 * nothing listens on. A second app, whose channels peer is down too, shows
 * that only these routes answer 503.
 */
import { connectNats, createLogger, GrpcServer, type NatsConnection } from '@contactcenter/infra';
import { openStateBucket } from '@contactcenter/infra/kv';
import { OutboundAddressPolicy } from '@contactcenter/infra/outbound';
import { ChannelsServiceService } from '@contactcenter/proto/channels/v1';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { signStaffToken } from '../../../../scripts/devToken';
import { freshNats, type TestNats } from '../../../../test/support/nats';
import { ChannelStore } from '../../../channels/src/pipeline/channelStore';
import { endpointCalls } from '../../../channels/src/pipeline/endpointsGrpc';
import { buildApp } from '../app';
import { connectPeers } from '../peers';

jest.setTimeout(60_000);

const SECRET = 'c'.repeat(48);
const RUN = randomUUID().slice(0, 8);
const CLOSED = '127.0.0.1:1';
/** Every secret an admin sends here: none may ever be in an answer. */
const APP_SECRET = `app-secret-${RUN}`;
const ACCESS_TOKEN = `access-token-${RUN}`;
const IMAP_PASSWORD = `imap-password-${RUN}`;

let server: TestNats;
let nats: NatsConnection;
let grpc: GrpcServer;
const peerSets: ReturnType<typeof connectPeers>[] = [];
let app: FastifyInstance;
let appWithoutChannels: FastifyInstance;

beforeAll(async () => {
  server = await freshNats();
  const logger = createLogger('channel-endpoints-test', 'silent');
  nats = await connectNats(server.url, 'channel-endpoints-test', logger);
  grpc = new GrpcServer(logger);
  const store = new ChannelStore(await openStateBucket(nats, `channels_${RUN}`, 'channels'));
  // The test's mailbox is on loopback: the operator's allowance, as OUTBOUND_ALLOWED_NETWORKS gives it.
  // Attachments are not read by these routes: no object store behind them.
  grpc.addService(ChannelsServiceService, endpointCalls({ store, policy: new OutboundAddressPolicy({ allowedNetworks: ['127.0.0.0/8'] }), objects: {} as never }));
  const port = await grpc.listen('127.0.0.1', 0);
  grpc.markServing();
  const closed = { CONVERSATION_GRPC_ADDR: CLOSED, ROUTING_GRPC_ADDR: CLOSED, PRESENCE_GRPC_ADDR: CLOSED, TRANSLATION_GRPC_ADDR: CLOSED, SURVEY_GRPC_ADDR: CLOSED };
  peerSets.push(connectPeers({ ...closed, CHANNELS_GRPC_ADDR: `127.0.0.1:${port}` }), connectPeers({ ...closed, CHANNELS_GRPC_ADDR: CLOSED }));
  app = await buildApp({ logger, peers: peerSets[0]!, nats, jwtSecret: SECRET, gatewayBucket: `gw_${RUN}` });
  appWithoutChannels = await buildApp({ logger, peers: peerSets[1]!, nats, jwtSecret: SECRET, gatewayBucket: `gw_${RUN}` });
});

afterAll(async () => {
  await app?.close();
  await appWithoutChannels?.close();
  for (const peers of peerSets) peers.close();
  await grpc?.shutdown(1_000);
  await nats?.close();
  await server?.stop();
});

const tenant = () => `t-${randomUUID().slice(0, 8)}`;
const as = (tid: string, role = 'admin') => ({ authorization: `Bearer ${signStaffToken(SECRET, { tid, sub: `${role}-1`, roles: [role] })}` });
const call = (method: 'GET' | 'PUT' | 'DELETE', tid: string, url: string, payload?: object, role = 'admin', on = app) =>
  on.inject({ method, url, headers: as(tid, role), ...(payload ? { payload } : {}) });
const expectNoSecrets = (text: string) => {
  for (const s of [APP_SECRET, ACCESS_TOKEN, IMAP_PASSWORD]) expect(text).not.toContain(s);
};

const whatsapp = { queueId: 'wa-queue', language: 'es', appSecret: APP_SECRET, accessToken: ACCESS_TOKEN };
const email = { queueId: 'mail', fromName: 'Shop support', imap: { url: 'imaps://127.0.0.1:993', username: 'support', password: IMAP_PASSWORD } };

describe('admin channel endpoints', () => {
  it('puts, lists, reads and deletes endpoints, answering which secrets are set but never a secret', async () => {
    const tid = tenant();
    const put = await call('PUT', tid, '/v1/admin/channels/whatsapp/1234567890', whatsapp);
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({ endpoint: { channel: 'whatsapp', endpointId: '1234567890', queueId: 'wa-queue', language: 'es', hasAppSecret: true, hasAccessToken: true, hasImapPassword: false } });
    expectNoSecrets(put.body);

    const mail = await call('PUT', tid, '/v1/admin/channels/email/Support@Shop.example', email);
    expect(mail.statusCode).toBe(200);
    expect(mail.json().endpoint).toEqual({
      channel: 'email',
      endpointId: 'support@shop.example',
      queueId: 'mail',
      fromAddress: 'support@shop.example',
      fromName: 'Shop support',
      language: 'en',
      imap: { url: 'imaps://127.0.0.1:993', username: 'support', mailbox: 'INBOX' },
      hasAppSecret: false,
      hasAccessToken: false,
      hasImapPassword: true,
    });
    expectNoSecrets(mail.body);

    const list = await call('GET', tid, '/v1/admin/channels');
    expect(list.statusCode).toBe(200);
    expect(list.json().endpoints.map((e: { channel: string; endpointId: string }) => `${e.channel}:${e.endpointId}`).sort()).toEqual(['email:support@shop.example', 'whatsapp:1234567890']);
    expectNoSecrets(list.body);

    const one = await call('GET', tid, '/v1/admin/channels/whatsapp/1234567890');
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(put.json());
    expectNoSecrets(one.body);

    // A replace without the secrets keeps them: the admin changes the queue without pasting them again.
    const replaced = await call('PUT', tid, '/v1/admin/channels/whatsapp/1234567890', { queueId: 'other-queue' });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json().endpoint).toMatchObject({ queueId: 'other-queue', hasAppSecret: true, hasAccessToken: true });

    const deleted = await call('DELETE', tid, '/v1/admin/channels/whatsapp/1234567890');
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect((await call('GET', tid, '/v1/admin/channels/whatsapp/1234567890')).statusCode).toBe(404);
    expect((await call('DELETE', tid, '/v1/admin/channels/whatsapp/1234567890')).statusCode).toBe(404);
    expect((await call('GET', tid, '/v1/admin/channels')).json().endpoints).toHaveLength(1);
  });

  it('keeps each tenant to its own endpoints: another tenant\'s number is 409 to put, 404 to read or delete, absent from lists', async () => {
    const [a, b] = [tenant(), tenant()];
    expect((await call('PUT', a, '/v1/admin/channels/messenger/555000111', whatsapp)).statusCode).toBe(200);
    const taken = await call('PUT', b, '/v1/admin/channels/messenger/555000111', { ...whatsapp, queueId: 'b-queue' });
    expect([taken.statusCode, taken.headers['content-type']]).toEqual([409, expect.stringMatching(/^application\/problem\+json/)]);
    expect((await call('GET', b, '/v1/admin/channels/messenger/555000111')).statusCode).toBe(404);
    expect((await call('DELETE', b, '/v1/admin/channels/messenger/555000111')).statusCode).toBe(404);
    expect((await call('GET', b, '/v1/admin/channels')).json()).toEqual({ endpoints: [] });
    expect((await call('GET', a, '/v1/admin/channels/messenger/555000111')).json().endpoint.queueId).toBe('wa-queue');
  });

  it.each(['agent', 'supervisor'])('refuses the %s role (403) on every channel route', async (role) => {
    const tid = tenant();
    for (const [method, url, payload] of [
      ['GET', '/v1/admin/channels'],
      ['PUT', '/v1/admin/channels/whatsapp/1234567890', whatsapp],
      ['GET', '/v1/admin/channels/whatsapp/1234567890'],
      ['DELETE', '/v1/admin/channels/whatsapp/1234567890'],
    ] as const) {
      const res = await call(method, tid, url, payload, role);
      expect([method, url, res.statusCode, res.json().code]).toEqual([method, url, 403, 'forbidden']);
    }
  });

  it('answers 400 naming the field for a channel it does not know, a bad id, a misspelt field and what the channels service refuses', async () => {
    const tid = tenant();
    const cases: [string, object, string][] = [
      ['/v1/admin/channels/telegram/123', whatsapp, 'channel'],
      ['/v1/admin/channels/whatsapp/12 34', whatsapp, 'endpointId'],
      ['/v1/admin/channels/whatsapp/123', { ...whatsapp, app_secret: 'x' }, 'app_secret'],
      ['/v1/admin/channels/whatsapp/123', { ...whatsapp, imap: { username: 'x' } }, 'imap.url'],
      // Refused by the channels service, named as the admin wrote it.
      ['/v1/admin/channels/whatsapp/123', { queueId: 'q', accessToken: ACCESS_TOKEN }, 'appSecret'],
      ['/v1/admin/channels/whatsapp/not-digits', whatsapp, 'endpointId'],
      ['/v1/admin/channels/email/support@shop.example', { imap: { url: 'ftp://127.0.0.1', username: 'u', password: IMAP_PASSWORD } }, 'imap.url'],
    ];
    for (const [url, payload, field] of cases) {
      const res = await call('PUT', tid, url, payload);
      expect([url, res.statusCode, res.json().code, res.json().field]).toEqual([url, 400, 'validation', field]);
      expectNoSecrets(res.body);
    }
    expect((await call('GET', tid, '/v1/admin/channels/sms/123')).statusCode).toBe(400);
    expect((await call('GET', tid, '/v1/admin/channels')).json()).toEqual({ endpoints: [] });
  });

  it('answers 503 with Retry-After on the channel routes while the channels service is down, and serves the rest', async () => {
    const tid = tenant();
    for (const [method, url, payload] of [
      ['GET', '/v1/admin/channels'],
      ['PUT', '/v1/admin/channels/whatsapp/1234567890', whatsapp],
      ['GET', '/v1/admin/channels/whatsapp/1234567890'],
      ['DELETE', '/v1/admin/channels/whatsapp/1234567890'],
    ] as const) {
      const res = await call(method, tid, url, payload, 'admin', appWithoutChannels);
      expect([method, url, res.statusCode, res.json().code]).toEqual([method, url, 503, 'unavailable']);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expectNoSecrets(res.body);
    }
    // The gateway's own routes do not need it.
    expect((await call('GET', tid, '/v1/admin/widget-keys', undefined, 'admin', appWithoutChannels)).statusCode).toBe(200);
    const ready = await appWithoutChannels.inject({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json().checks.channels]).toEqual([200, 'UNREACHABLE']);
  });
});
