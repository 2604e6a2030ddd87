import type { FastifyInstance } from 'fastify';
import { buildAsyncApiDocument, type AsyncApiDocument } from './asyncapiDocument';

export interface AsyncApiRouteOptions {
  /** A document built elsewhere (tests); by default built here, once, from the protos. */
  document?: AsyncApiDocument;
}

/**
 * `GET /asyncapi.json`: the AsyncAPI 3.0 document of the NATS subjects, the
 * SSE stream and the webhook deliveries. Built and serialised once when the
 * plugin registers, so a broken proto fails the gateway's start rather than
 * an integrator's request, and each request costs a string write.
 *
 * @example
 *   await app.register(asyncapiRoutes);
 *   // curl https://api.example/asyncapi.json | npx @asyncapi/cli validate -
 */
export async function asyncapiRoutes(app: FastifyInstance, opts: AsyncApiRouteOptions = {}): Promise<void> {
  const body = JSON.stringify(opts.document ?? buildAsyncApiDocument());
  app.get(
    '/asyncapi.json',
    {
      schema: {
        operationId: 'getAsyncApiDocument',
        tags: ['events'],
        summary: 'AsyncAPI 3.0 document: NATS subjects, the SSE stream and webhook deliveries, with the schema of every event',
        response: { 200: { description: 'An AsyncAPI 3.0 document', type: 'object', additionalProperties: true } },
      },
    },
    // A string with a JSON content type is sent as is: fastify does not serialise it again.
    async (_request, reply) => reply.header('cache-control', 'public, max-age=300').type('application/json; charset=utf-8').send(body),
  );
}
