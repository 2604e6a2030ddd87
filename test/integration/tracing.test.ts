/**
 * One trace from a visitor's message to its translation: the seven services as
 * processes export spans over OTLP/HTTP to a receiver in this test. The
 * gateway's span for the POST is the root; below it the conversation
 * service's gRPC span and its event store append; the relay's publish of the
 * MessagePosted event (continued from the `traceparent` stored with the
 * event); and the translation worker's handling of it (continued from the
 * message's `traceparent` header). The NATS message itself carries the
 * traceparent as the W3C header and as the CloudEvents extension. The
 * gateway's request-duration histogram is labelled by route template.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { DEFAULT_STREAM } from '@contactcenter/infra/events';
import { BACKEND_SERVICES } from '../../scripts/stack';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlpReceiver';
import { startTestStack, type TestStack } from '../support/stack';
import { poll } from '../support/gatewayClient';

jest.setTimeout(180_000);

const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

describe('tracing across the services', () => {
  let receiver: OtlpReceiver;
  let stack: TestStack;
  let nc: NatsConnection;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
    stack = await startTestStack({ extraEnv: Object.fromEntries([...BACKEND_SERVICES, 'gateway'].map((s) => [s, otel])) });
    nc = await connect({ servers: stack.nats.url });
  });

  afterAll(async () => {
    await nc?.close();
    await stack?.teardown();
    await receiver?.close();
  });

  const call = async <T>(method: string, path: string, token: string | undefined, body?: unknown): Promise<T> => {
    const res = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  it("follows a visitor's message from the gateway through gRPC, the event store, the relay and NATS to the translation worker", async () => {
    const tenant = `tr${Date.now().toString(36)}`;
    const admin = stack.token(tenant, 'boss', ['admin']);
    const { widgetKey } = await call<{ widgetKey: string }>('POST', '/v1/admin/widget-keys', admin);
    const visitor = await call<{ token: string }>('POST', '/v1/visitor/sessions', undefined, { widgetKey });
    const { conversationId } = await call<{ conversationId: string }>('POST', '/v1/visitor/conversations', visitor.token, { language: 'en' });
    await call('POST', `/v1/visitor/conversations/${conversationId}/messages`, visitor.token, { text: 'Where is my order?' });

    // The worker's span for this conversation's MessagePosted (its subject ends with the conversation id).
    const worked = await poll(
      async () =>
        receiver.spans.find(
          (s) => s.service === 'translation' && s.kind === CONSUMER && s.name === 'translation-worker process' && String(s.attributes['messaging.destination.name']).endsWith(`.MessagePosted.${conversationId}`),
        ),
      30_000,
      `the translation worker's span (received ${receiver.spans.length} spans; rejected: ${receiver.rejected.join(' | ') || 'none'})`,
    );
    const trace = receiver.spans.filter((s) => s.traceId === worked.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    // Walk up from the worker to the root: every parent was exported by one of the services.
    const chain: ReceivedSpan[] = [worked];
    for (let s = worked; s.parentSpanId; ) {
      const parent = byId.get(s.parentSpanId);
      if (!parent) throw new Error(`span ${s.service}/${s.name} names a parent nobody exported; trace: ${JSON.stringify(trace.map((t) => [t.service, t.name]))}`);
      chain.push(parent);
      s = parent;
    }
    expect(chain.map((s) => [s.service, s.kind, s.name])).toEqual([
      ['translation', CONSUMER, 'translation-worker process'],
      ['conversation', PRODUCER, 'publish MessagePosted'],
      ['conversation', SERVER, '/contactcenter.conversation.v1.ConversationService/PostMessage'],
      ['gateway', SERVER, 'POST /v1/visitor/conversations/:conversationId/messages'],
    ]);
    const root = chain.at(-1)!;
    expect(root.parentSpanId).toBeUndefined();
    expect(root.attributes['http.response.status_code']).toBe(201);
    // The append is part of the command's span.
    const grpcSpan = chain[2]!;
    expect(trace.some((s) => s.service === 'conversation' && s.name === 'eventstore append' && s.parentSpanId === grpcSpan.spanId)).toBe(true);

    // On NATS: the W3C header and the CloudEvents extension name the relay's publish span.
    const js = jetstream(nc);
    const consumer = await js.consumers.get(DEFAULT_STREAM, { filter_subjects: `cc.${tenant}.conversation.MessagePosted.${conversationId}` });
    const msg = await consumer.next({ expires: 5_000 });
    expect(msg).not.toBeNull();
    const publish = chain[1]!;
    const expected = `00-${publish.traceId}-${publish.spanId}-01`;
    expect(msg!.headers?.get('traceparent')).toBe(expected);
    expect(msg!.headers?.get('ce-traceparent')).toBe(expected);
  });

  it('times the gateway\'s answers by route template and status', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${stack.ports.get('gateway')!.metricsPort}/metrics`)).text();
    const posted = metrics
      .split('\n')
      .find((l) => l.startsWith('http_server_request_duration_seconds_count{') && ['method="POST"', 'route="/v1/visitor/conversations/:conversationId/messages"', 'status_code="201"', 'service="gateway"'].every((label) => l.includes(label)));
    expect(Number(posted?.split(' ').pop())).toBeGreaterThanOrEqual(1);
    // One series per route, never per conversation id.
    expect(metrics).not.toMatch(/route="\/v1\/visitor\/conversations\/[^:"]/);
  });
});
