import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { headers } from '@nats-io/transport-node';
import { AsyncLocalStorageContextManager } from './contextManager';
import { setTraceHeaders, traceparentOfMessage } from './natsHeaders';
import { activeTraceparent, contextOfTraceparent, setRecording, SpanKind, traceparentOf, withSpan } from './spans';

const REMOTE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('tracing off (no provider registered)', () => {
  it('runs the work and passes a parent traceparent on unchanged, recording nothing', async () => {
    const seen = await withSpan('work', { parent: REMOTE }, async (span) => {
      expect(span.isRecording()).toBe(false);
      return traceparentOf(span);
    });
    expect(seen).toBe(REMOTE);
  });

  it('has no traceparent to give without a parent', async () => {
    expect(await withSpan('work', {}, async (span) => traceparentOf(span))).toBeUndefined();
    expect(activeTraceparent()).toBeUndefined();
  });

  it('rethrows what the work throws', async () => {
    await expect(withSpan('work', {}, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});

describe('tracing on', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager());
    trace.setGlobalTracerProvider(provider);
    setRecording(true);
  });
  afterAll(async () => {
    setRecording(false);
    await provider.shutdown();
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  it('continues a remote parent and nests spans across awaits', async () => {
    let inner: string | undefined;
    await withSpan('consume', { kind: SpanKind.CONSUMER, parent: REMOTE }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      await withSpan('call', {}, async () => {
        await Promise.resolve();
        inner = activeTraceparent();
      });
    });
    const [call, consume] = exporter.getFinishedSpans();
    expect(consume!.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(consume!.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(call!.parentSpanContext?.spanId).toBe(consume!.spanContext().spanId);
    expect(inner).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${call!.spanContext().spanId}-01`);
  });

  it('keeps concurrent work in separate traces', async () => {
    const other = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await Promise.all([REMOTE, other].map((parent) => withSpan('a', { parent }, async () => withSpan('b', {}, async () => new Promise((r) => setTimeout(r, 5))))));
    const spans = exporter.getFinishedSpans();
    for (const b of spans.filter((s) => s.name === 'b')) {
      const a = spans.find((s) => s.name === 'a' && s.spanContext().spanId === b.parentSpanContext?.spanId);
      expect(a?.spanContext().traceId).toBe(b.spanContext().traceId);
    }
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(2);
  });

  it('marks a failed span with the error, never its stack', async () => {
    await expect(withSpan('fails', {}, async () => Promise.reject(new TypeError('bad input')))).rejects.toThrow();
    const [span] = exporter.getFinishedSpans();
    expect(span!.status).toEqual({ code: 2, message: 'TypeError: bad input' });
  });
});

describe('traceparent on NATS messages', () => {
  it('sets the W3C header and the CloudEvents extension, and reads either', () => {
    const h = headers();
    setTraceHeaders(h, REMOTE);
    expect(h.get('traceparent')).toBe(REMOTE);
    expect(h.get('ce-traceparent')).toBe(REMOTE);
    const onlyCe = headers();
    onlyCe.set('ce-traceparent', REMOTE);
    expect(traceparentOfMessage({ headers: onlyCe })).toBe(REMOTE);
    expect(traceparentOfMessage({})).toBeUndefined();
  });

  it('refuses a malformed traceparent rather than forward it', () => {
    const h = headers();
    setTraceHeaders(h, '00-nothex-00f067aa0ba902b7-01\r\nx: y');
    expect(h.has('traceparent')).toBe(false);
  });
});

describe('traceparent parsing', () => {
  const parentOf = (tp: string) => traceparentOf(trace.wrapSpanContext(trace.getSpanContext(contextOfTraceparent(tp)) ?? { traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 }));

  it('reads and writes version 00 unchanged, sampled or not', () => {
    expect(parentOf(REMOTE)).toBe(REMOTE);
    expect(parentOf(REMOTE.replace(/01$/, '00'))).toBe(REMOTE.replace(/01$/, '00'));
  });

  it.each([
    ['all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['all-zero span id', `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`],
    ['version ff', REMOTE.replace(/^00/, 'ff')],
    ['upper-case hex', REMOTE.toUpperCase()],
    ['trailing data on version 00', `${REMOTE}-extra`],
    ['garbage', 'not a traceparent'],
  ])('ignores %s (a new trace starts instead)', (_label, tp) => {
    expect(parentOf(tp)).toBeUndefined();
  });
});
