import { isDomainError, type ErrorCode } from '@contactcenter/infra';
import { temporaryFaultOf } from './temporaryFaults';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Duplex } from 'node:stream';

/** RFC 7807 body; `code` is stable and documented, `detail` is for people. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  field?: string;
  /** The region a `region_unavailable` problem is about. */
  region?: string;
}

const byDomainCode: Record<ErrorCode, { status: number; title: string }> = {
  validation: { status: 400, title: 'Invalid request' },
  not_found: { status: 404, title: 'Not found' },
  illegal_state: { status: 409, title: 'Not allowed in the current state' },
  concurrency: { status: 412, title: 'Changed concurrently' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  unavailable: { status: 503, title: 'Temporarily unavailable' },
};

/**
 * Stable codes for the 4xx errors fastify and its plugins raise themselves
 * (FST_ERR_CTP_INVALID_JSON_BODY, FST_ERR_CTP_BODY_TOO_LARGE, …): clients
 * switch on `code`, and fastify's internal names may change between versions.
 */
const byStatus: Record<number, { title: string; code: string }> = {
  400: { title: 'Malformed request', code: 'malformed_request' },
  404: { title: 'Not found', code: 'route_not_found' },
  405: { title: 'Method not allowed', code: 'method_not_allowed' },
  406: { title: 'Not acceptable', code: 'not_acceptable' },
  408: { title: 'Request timeout', code: 'request_timeout' },
  409: { title: 'Conflict', code: 'conflict' },
  411: { title: 'Length required', code: 'length_required' },
  413: { title: 'Payload too large', code: 'payload_too_large' },
  414: { title: 'URI too long', code: 'uri_too_long' },
  415: { title: 'Unsupported media type', code: 'unsupported_media_type' },
  422: { title: 'Unprocessable content', code: 'unprocessable_content' },
  429: { title: 'Too many requests', code: 'rate_limited' },
  431: { title: 'Request header fields too large', code: 'headers_too_large' },
};

/** The problem of a 4xx error that is not a domain error: our own code when it has one (e.g. `rate_limited`), else the status's. */
function problemOfClientError(err: { code?: string; message: string }, status: number): Omit<Problem, 'type'> {
  const known = byStatus[status] ?? { title: 'Bad request', code: 'bad_request' };
  const ownCode = typeof err.code === 'string' && /^[a-z][a-z_]*$/.test(err.code) ? err.code : undefined;
  return { status, title: known.title, code: ownCode ?? known.code, detail: err.message };
}

export function sendProblem(reply: FastifyReply, problem: Omit<Problem, 'type'>): FastifyReply {
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({ type: `https://contactcenter.dev/problems/${problem.code}`, ...problem });
}

/** Maps every error to problem JSON once, at the edge. Never sends a stack trace. */
export function problemPlugin(app: FastifyInstance): void {
  // Shared by every route's 4xx response schema as `{ $ref: 'problem#' }`.
  app.addSchema({
    $id: 'problem',
    type: 'object',
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      code: { type: 'string' },
      detail: { type: 'string' },
      field: { type: 'string' },
      region: { type: 'string', description: 'The region a `region_unavailable` problem is about.' },
    },
    required: ['type', 'title', 'status', 'code'],
  });
  app.setErrorHandler((thrown: FastifyError, request, reply) => {
    // A dependency down or restarting is a 503 to retry, whatever error type carried it.
    const err = (temporaryFaultOf(thrown) ?? thrown) as FastifyError;
    if (isDomainError(err)) {
      // Every 503 says when to come back; a client that retries at once only adds to the load.
      if (err.code === 'unavailable' && !('retryAfterSeconds' in err)) reply.header('Retry-After', String(DEFAULT_RETRY_AFTER_SECONDS));
      const m = byDomainCode[err.code];
      // A 503 that knows when to come back (an identity provider being asked again) says so.
      if ('retryAfterSeconds' in err && typeof err.retryAfterSeconds === 'number') reply.header('Retry-After', String(err.retryAfterSeconds));
      // A subclass may name itself more precisely for REST clients (TenantLimitError: `tenant_limit_reached`).
      const code = 'problemCode' in err && typeof err.problemCode === 'string' ? err.problemCode : err.code;
      const about = { ...('field' in err ? { field: String(err.field) } : {}), ...('region' in err && typeof err.region === 'string' ? { region: err.region } : {}) };
      return sendProblem(reply, { ...m, code, detail: err.message, ...about });
    }
    if (err.validation) {
      const field = fieldOfValidation(err.validation[0]);
      return sendProblem(reply, { status: 400, title: 'Invalid request', code: 'validation', detail: err.message, ...(field ? { field } : {}) });
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      request.log.error({ err }, 'unhandled error');
      return sendProblem(reply, { status, title: 'Internal error', code: 'internal', detail: 'an unexpected error occurred; it has been logged' });
    }
    return sendProblem(reply, problemOfClientError(err, status));
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, { status: 404, title: 'Not found', code: 'route_not_found', detail: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
}

/** Retry-After of a 503 that knows no better: soon, but not at once. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

/** The body field a schema error is about: the unknown or missing property, or the one with a bad value (`a.b`). */
function fieldOfValidation(error: { instancePath?: string; params?: Record<string, unknown> } | undefined): string | undefined {
  const named = error?.params?.additionalProperty ?? error?.params?.missingProperty;
  const path = (error?.instancePath ?? '').split('/').filter(Boolean);
  if (typeof named === 'string') path.push(named);
  return path.length ? path.join('.') : undefined;
}

/**
 * Fastify's `frameworkErrors`: the errors its router raises before any route
 * or hook runs (a malformed percent-encoding, a path parameter over
 * maxParamLength), which would otherwise get fastify's own JSON shape.
 */
export function frameworkErrorProblem(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
  sendProblem(reply, problemOfClientError({ message: err.message }, status));
}

/**
 * Fastify's `clientErrorHandler`: requests node's HTTP parser refuses (bad
 * bytes in the request line or headers, headers over the size limit, a
 * timeout) never reach fastify; answer them as problem JSON on the raw socket too.
 */
export function clientErrorProblem(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const known = byStatus[status]!;
  const body = JSON.stringify({ type: `https://contactcenter.dev/problems/${known.code}`, title: known.title, status, code: known.code, detail: 'the HTTP request could not be parsed' });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${known.title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}
