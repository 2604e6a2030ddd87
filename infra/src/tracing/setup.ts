import { context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorageContextManager } from './contextManager';
import { setRecording } from './spans';

export interface TracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; spans go to `<endpoint>/v1/traces` as OTLP/HTTP JSON. Unset: tracing off. */
  endpoint?: string;
  region?: string;
  /** How long shutdown waits for the last spans to be sent. */
  flushTimeoutMs?: number;
}

export interface Tracing {
  readonly enabled: boolean;
  /** Sends the spans still buffered, then stops exporting. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, shutdown: async () => undefined };

/**
 * Exports this process's spans over OTLP when an endpoint is set. Without one
 * nothing is registered: spans are the API's no-ops, which still pass a
 * `traceparent` they were given on to the next hop, so a process without an
 * exporter does not break a trace across the others.
 *
 * @example
 *   const tracing = startTracing('conversation', { endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT, region: 'eu-1' });
 *   // …
 *   await tracing.shutdown();
 */
export function startTracing(service: string, options: TracingOptions): Tracing {
  if (!options.endpoint) return OFF;
  const exporter = new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces`, timeoutMillis: options.flushTimeoutMs ?? 5_000 });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.namespace': 'contactcenter', ...(options.region ? { 'cloud.region': options.region } : {}) }),
    // Batches of up to 512 every second: a request never waits for an export, and a collector that is down costs only dropped spans.
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1_000, maxExportBatchSize: 512, maxQueueSize: 4_096 })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  trace.setGlobalTracerProvider(provider);
  setRecording(true);
  return {
    enabled: true,
    shutdown: async () => {
      setRecording(false);
      await provider.forceFlush().catch(() => undefined);
      await provider.shutdown().catch(() => undefined);
      trace.disable();
      context.disable();
    },
  };
}
