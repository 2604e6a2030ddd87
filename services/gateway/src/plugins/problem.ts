import { isDomainError, type ErrorCode } from '@contactcenter/infra';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';

/** RFC 7807 body; `code` is stable and documented, `detail` is for people. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  field?: string;
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
    properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, code: { type: 'string' }, detail: { type: 'string' }, field: { type: 'string' } },
    required: ['type', 'title', 'status', 'code'],
  });
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (isDomainError(err)) {
      const m = byDomainCode[err.code];
      return sendProblem(reply, { ...m, code: err.code, detail: err.message, ...('field' in err ? { field: String(err.field) } : {}) });
    }
    if (err.validation) {
      return sendProblem(reply, { status: 400, title: 'Invalid request', code: 'validation', detail: err.message });
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      request.log.error({ err }, 'unhandled error');
      return sendProblem(reply, { status, title: 'Internal error', code: 'internal', detail: 'an unexpected error occurred; it has been logged' });
    }
    return sendProblem(reply, { status, title: err.name, code: (err.code ?? 'bad_request').toLowerCase(), detail: err.message });
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, { status: 404, title: 'Not found', code: 'route_not_found', detail: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
}
