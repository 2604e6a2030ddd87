import { context, INVALID_SPAN_CONTEXT, INVALID_SPANID, INVALID_TRACEID, isSpanContextValid, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Context, type Span, type SpanContext } from '@opentelemetry/api';

export { SpanKind, type Span } from '@opentelemetry/api';

/** The tracer every seam uses; a no-op (nearly free) until `startTracing` registered a provider. */
const tracer = () => trace.getTracer('@contactcenter/infra');

/**
 * W3C Trace Context `traceparent` (version 00, and later versions read as 00 does).
 * Parsed and written here rather than through the SDK's propagator, which
 * is several times slower (it also handles `tracestate`, which we do not carry):
 * this runs on every hop even with tracing off.
 */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-|$)/;

function spanContextOf(traceparent: string | undefined): SpanContext | undefined {
  const m = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!m || m[1] === 'ff' || (m[1] === '00' && traceparent!.length !== 55)) return undefined;
  if (m[2] === INVALID_TRACEID || m[3] === INVALID_SPANID) return undefined;
  return { traceId: m[2]!, spanId: m[3]!, traceFlags: parseInt(m[4]!, 16) & TraceFlags.SAMPLED, isRemote: true };
}

/** The context whose remote parent `traceparent` names (the root context when absent or malformed). */
export function contextOfTraceparent(traceparent: string | undefined): Context {
  const spanContext = spanContextOf(traceparent);
  return spanContext ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : ROOT_CONTEXT;
}

/** Set by `startTracing`: whether spans are recorded in this process. */
let recording = false;
export function setRecording(on: boolean): void {
  recording = on;
}

/** With tracing off, a span that records nothing and only carries its parent's trace on (no context switch, no tracer lookup). */
const passThrough = (parent: string | undefined): Span =>
  trace.wrapSpanContext((parent !== undefined ? spanContextOf(parent) : trace.getSpanContext(context.active())) ?? INVALID_SPAN_CONTEXT);

/** `span`'s W3C `traceparent` (`00-<trace>-<span>-<flags>`), or undefined for a span outside any trace. */
export function traceparentOf(span: Span | undefined): string | undefined {
  const sc = span?.spanContext();
  if (!sc || !isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & TraceFlags.SAMPLED}`;
}

/** The `traceparent` of the span active here (set by `withSpan`), if any. */
export function activeTraceparent(): string | undefined {
  return traceparentOf(trace.getSpan(context.active()));
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /**
   * The parent as a `traceparent` from another process (gRPC metadata, a NATS
   * header, an event's metadata); without it, the span active here (if any).
   */
  parent?: string;
}

/**
 * Runs `fn` inside a new span, active for everything `fn` awaits: the span
 * ends when `fn` settles, with an error status when it throws. When tracing
 * is off the span records nothing, yet still carries the parent's trace id on.
 *
 * @example
 *   const ack = await withSpan('relay publish', { kind: SpanKind.PRODUCER, parent: event.metadata.traceparent }, (span) => js.publish(...));
 */
export function withSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  if (!recording) return fn(passThrough(options.parent));
  const parent = options.parent !== undefined ? contextOfTraceparent(options.parent) : context.active();
  const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await fn(span);
    } catch (err) {
      endWithError(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Starts a span the caller ends (a request whose start and end are separate hooks). */
export function startSpan(name: string, options: SpanOptions): Span {
  if (!recording) return passThrough(options.parent);
  const parent = options.parent !== undefined ? contextOfTraceparent(options.parent) : context.active();
  return tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
}

/** Marks `span` failed with `err` (its name and message; never a stack trace). */
export function endWithError(span: Span, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: `${e.name}: ${e.message}` });
  span.setAttribute('error.type', (e as { code?: unknown }).code !== undefined ? String((e as { code?: unknown }).code) : e.name);
}

/** Runs `fn` with `span` active (for spans started with `startSpan`): spans and calls inside are its children. */
export function runInSpan<T>(span: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), span), fn);
}

/** Ends `span` after the work it covers settled: failed with the error, or ok. */
export function endSpan(span: Span, err?: unknown): void {
  if (err !== undefined && err !== null) endWithError(span, err);
  span.end();
}
