/**
 * The AsyncAPI document as served: valid AsyncAPI 3.0, complete with respect
 * to the protos, and precise enough that what the system emits passes its
 * schemas and what it does not emit fails them.
 */
import { Parser } from '@asyncapi/parser';
import { decodeCloudEvent, encodeCloudEventMessage, type EncodedCloudEvent } from '@contactcenter/infra/events';
import { AuthorKind, MessagePosted } from '@contactcenter/proto/conversation/v1';
import Fastify, { type FastifyInstance } from 'fastify';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openapiPlugin } from '../plugins/openapi';
import { frameOf } from '../routes/events';
import type { AsyncApiDocument } from './asyncapiDocument';
import { asyncapiRoutes } from './asyncapiRoutes';
import { documentValidator } from './documentValidator';
import { defaultProtoRoot } from './protoEvents';

let app: FastifyInstance;
let served: string;
let doc: AsyncApiDocument;
let check: ReturnType<typeof documentValidator>;

beforeAll(async () => {
  app = Fastify();
  await openapiPlugin(app);
  await app.register(asyncapiRoutes);
  const res = await app.inject({ method: 'GET', url: '/asyncapi.json' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  served = res.body;
  doc = JSON.parse(served) as AsyncApiDocument;
  check = documentValidator(doc);
});

afterAll(() => app.close());

/** The events declared in the protos, read without the generator: top-level messages of every events.proto. */
function declaredEvents(): { type: string; context: string; name: string }[] {
  const base = join(defaultProtoRoot(), 'contactcenter');
  return readdirSync(base, { recursive: true, encoding: 'utf8' })
    .filter((p) => p.endsWith('events.proto'))
    .flatMap((p) => {
      const text = readFileSync(join(base, p), 'utf8');
      const pkg = /^package\s+([\w.]+);/m.exec(text)![1]!;
      return [...text.matchAll(/^message\s+(\w+)/gm)].map((m) => ({ type: `${pkg}.${m[1]}`, context: pkg.split('.')[1]!, name: m[1]! }));
    });
}

const headersOf = (msg: EncodedCloudEvent) => Object.fromEntries(msg.headers.keys().map((k) => [k, msg.headers.get(k)]));
const sseData = (frame: string) => JSON.parse(/^data: (.*)$/m.exec(frame)![1]!) as Record<string, unknown>;
const messagePointer = (key: string, part: 'payload' | 'headers') => `/components/messages/${key}/${part}`;

describe('the AsyncAPI document (GET /asyncapi.json)', () => {
  it('is valid AsyncAPI 3.0: no error diagnostics from @asyncapi/parser', async () => {
    const diagnostics = await new Parser().validate(served);
    for (const d of diagnostics) process.stdout.write(`asyncapi diagnostic (severity ${d.severity}) ${d.code}: ${d.message} at ${d.path.join('/')}\n`);
    expect(diagnostics.filter((d) => d.severity === 0)).toEqual([]);
  });

  it('is listed in the OpenAPI document', () => {
    expect((app.swagger() as { paths: Record<string, unknown> }).paths['/asyncapi.json']).toBeDefined();
  });

  it('has every event declared in the protos as a message, on its NATS channel, the SSE stream and webhooks', () => {
    const declared = declaredEvents();
    expect(declared.length).toBeGreaterThan(10);
    const channels = doc.channels as Record<string, { address: string | null; messages: Record<string, { $ref: string }> }>;
    for (const { type, context, name } of declared) {
      expect(doc.components.messages[type]).toBeDefined();
      const nats = channels[`${context}.${name}`];
      expect(nats?.address).toBe(`cc.{tenantId}.${context}.${name}.{aggregateId}`);
      expect(nats?.messages[name]).toEqual({ $ref: `#/components/messages/${type}` });
      expect(channels.events!.messages[type]).toEqual({ $ref: `#/components/messages/sse.${type}` });
      expect(channels.webhooks!.messages[type]).toEqual({ $ref: `#/components/messages/webhook.${type}` });
    }
  });

  it('also has the events published without a proto, and the typing signals', () => {
    for (const type of ['contactcenter.engagement.v1.InvitationSent', 'contactcenter.engagement.v1.InvitationAccepted', 'contactcenter.routing.v1.OfferMade', 'contactcenter.presence.v1.AgentStatusChanged']) {
      expect(doc.components.messages[type]).toBeDefined();
    }
    expect((doc.channels as Record<string, { address: string }>).typing!.address).toBe('ccx.{tenantId}.typing.{conversationId}');
  });
});

describe('schemas against a ts-proto event encoded by the CloudEvents codec', () => {
  const type = 'contactcenter.conversation.v1.MessagePosted';
  const data = MessagePosted.toJSON(
    MessagePosted.fromPartial({
      conversationId: 'c-1',
      occurredAt: new Date('2025-01-02T03:04:05.678Z'),
      message: {
        messageId: 'm-1',
        authorKind: AuthorKind.AUTHOR_KIND_CUSTOMER,
        authorId: 'cust-1',
        text: 'Hola',
        language: 'es',
        revision: 3,
        postedAt: new Date('2025-01-02T03:04:05.678Z'),
        attachments: [{ name: 'a.png', contentType: 'image/png', sizeBytes: 1234, url: 'https://files.example/a.png' }],
        translations: [{ language: 'en', text: 'Hello', provider: 'apertium' }],
      },
    }),
  ) as Record<string, unknown>;
  const encode = (payload: unknown, ceType = type) =>
    encodeCloudEventMessage(
      'cc.acme.conversation.MessagePosted.c-1',
      { id: 'e-1', source: '/contactcenter/eu-1/conversation', type: ceType, subject: 'c-1', time: new Date(), tenantid: 'acme', extensions: { sequence: '3', position: '42' } },
      payload,
    );

  it('passes on NATS (headers and body), as a webhook body and as an SSE frame', () => {
    const msg = encode(data);
    expect(check(messagePointer(type, 'headers'), headersOf(msg))).toEqual({ valid: true, errors: [] });
    expect(check(messagePointer(type, 'payload'), JSON.parse(new TextDecoder().decode(msg.data)))).toEqual({ valid: true, errors: [] });
    const decoded = decodeCloudEvent(msg);
    expect(check(messagePointer(`webhook.${type}`, 'payload'), JSON.parse(JSON.stringify(decoded)))).toEqual({ valid: true, errors: [] });
    expect(check(messagePointer(`sse.${type}`, 'payload'), sseData(frameOf(decoded, 7)))).toEqual({ valid: true, errors: [] });
  });

  it.each([
    ['a timestamp that is not a date-time', { ...data, occurredAt: 'yesterday' }],
    ['an enum value that does not exist', { ...data, message: { ...(data.message as object), authorKind: 'AUTHOR_KIND_MARTIAN' } }],
    ['a snake_case field name', { conversation_id: 'c-1' }],
    ['a number where a string belongs', { ...data, conversationId: 42 }],
    ['an int64 that is not an integer', { ...data, message: { ...(data.message as object), revision: 'three' } }],
  ])('fails with %s', (_what, wrong) => {
    const result = check(messagePointer(type, 'payload'), wrong);
    expect(result.valid).toBe(false);
    expect(check(messagePointer(`webhook.${type}`, 'payload'), JSON.parse(JSON.stringify(decodeCloudEvent(encode(wrong))))).valid).toBe(false);
  });

  it('fails when the envelope names another event type than the schema', () => {
    const msg = encode(data, 'contactcenter.conversation.v1.ConversationResolved');
    expect(check(messagePointer(type, 'headers'), headersOf(msg)).valid).toBe(false);
    expect(check(messagePointer(`webhook.${type}`, 'payload'), JSON.parse(JSON.stringify(decodeCloudEvent(msg)))).valid).toBe(false);
  });
});
