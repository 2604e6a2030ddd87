/** Traces across the services: OTLP export when configured, spans at our own seams, `traceparent` over gRPC and NATS. */
export { startTracing, type Tracing, type TracingOptions } from './setup';
export { activeTraceparent, contextOfTraceparent, endSpan, endWithError, runInSpan, startSpan, traceparentOf, withSpan, SpanKind, type Span, type SpanOptions } from './spans';
export { setTraceHeaders, traceparentOfMessage, TRACEPARENT_HEADER } from './natsHeaders';
