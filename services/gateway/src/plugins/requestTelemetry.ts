import { httpRequestDurationHistogram, type ServiceMetrics } from '@contactcenter/infra';
import { endSpan, SpanKind, startSpan, traceparentOf, type Span } from '@contactcenter/infra/tracing';
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The W3C `traceparent` of this request's span, passed to peer calls
     * (`callOptions`): the services' spans, the events they append and
     * everything consumers do with those events join the request's trace.
     */
    traceparent: string | undefined;
  }
}

/** The route template (`/v1/conversations/:conversationId`), never the raw URL: one series per route. */
const routeOf = (request: FastifyRequest) => request.routeOptions.url ?? 'unmatched';

/**
 * Starts each request's trace (the gateway is the edge: a client's own
 * `traceparent` is not trusted as a parent), times every answer into
 * `http_server_request_duration_seconds` when a registry is given, and logs
 * one access line per request when it is answered (or abandoned, 499): method,
 * URL, status, response time and client address, under the request's id.
 * Fastify's own request logging (a line when a request comes in and another
 * when it is answered) is meant to be off (a `LogController` with
 * `disableRequestLogging`): this line
 * says what both said, at half the log volume. Register
 * on the root before any other hook, so that requests refused early are
 * counted too.
 */
export function requestTelemetryPlugin(app: FastifyInstance, registry?: ServiceMetrics['registry']): void {
  const durations = registry ? httpRequestDurationHistogram(registry) : undefined;
  const open = new WeakMap<FastifyRequest, { span: Span; startedAt: number }>();
  app.decorateRequest('traceparent', undefined);
  app.addHook('onRequest', (request, _reply, done) => {
    const route = routeOf(request);
    const span = startSpan(`${request.method} ${route}`, {
      kind: SpanKind.SERVER,
      parent: '',
      attributes: { 'http.request.method': request.method, 'http.route': route, 'url.path': request.url.split('?')[0] ?? '', 'request.id': String(request.id) },
    });
    open.set(request, { span, startedAt: performance.now() });
    request.traceparent = traceparentOf(span);
    done();
  });
  /** Once per request: a request aborted by its client may still see onResponse afterwards. */
  const finish = (request: FastifyRequest, statusCode: number) => {
    const entry = open.get(request);
    if (!entry) return;
    open.delete(request);
    const seconds = (performance.now() - entry.startedAt) / 1_000;
    durations?.observe({ method: request.method, route: routeOf(request), status_code: String(statusCode) }, seconds);
    request.log.info({ method: request.method, url: request.url, statusCode, responseTime: Math.round(seconds * 1e6) / 1e3, remoteAddress: request.ip }, 'request completed');
    entry.span.setAttribute('http.response.status_code', statusCode);
    endSpan(entry.span, statusCode >= 500 ? new Error(`HTTP ${statusCode}`) : undefined);
  };
  app.addHook('onResponse', (request, reply, done) => {
    finish(request, reply.statusCode);
    done();
  });
  // The client hung up before its answer: counted as nginx does (499), so abandoned requests show apart.
  app.addHook('onRequestAbort', (request, done) => {
    finish(request, 499);
    done();
  });
}
