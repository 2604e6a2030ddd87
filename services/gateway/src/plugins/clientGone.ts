import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Aborted when the client hangs up before its answer is sent. Passed to
     * peer calls (`callOptions`), so that a request its client gave up on
     * (timed out, then retried with the same Idempotency-Key) stops costing
     * the peers anything: under overload, that abandoned work is what keeps
     * a stack from recovering.
     */
    clientGone: AbortSignal;
  }
}

/** Gives every request a `clientGone` signal; register on the root, before the routes. */
export function clientGonePlugin(app: FastifyInstance): void {
  app.decorateRequest('clientGone', null as unknown as AbortSignal);
  app.addHook('onRequest', (request, reply, done) => {
    const controller = new AbortController();
    request.clientGone = controller.signal;
    // 'close' follows 'finish' on every answer; before it, the connection went away.
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) controller.abort(new Error('the client closed the connection before its answer'));
    });
    done();
  });
}
