/**
 * A dependency that is down or restarting answers 503 problem JSON with
 * Retry-After, never 500: the errors below are the ones the clients and
 * servers really throw (NATS client errors, grpc-js call errors as it builds
 * them), thrown from a route of a real fastify app with the gateway's
 * problem plugin. A real fault (our service's INTERNAL "internal error",
 * a plain bug) stays 500.
 */
import { Metadata } from '@grpc/grpc-js';
import { callErrorFromStatus } from '@grpc/grpc-js/build/src/call';
import { NoRespondersError, TimeoutError } from '@nats-io/transport-node';
import Fastify from 'fastify';
import { problemPlugin } from './problem';

const grpcError = (code: number, details: string) => callErrorFromStatus({ code, details, metadata: new Metadata() }, '');

const cases: [string, () => Error, number][] = [
  ['a NATS KV read timing out', () => new TimeoutError(), 503],
  ['no responders while JetStream restarts', () => new NoRespondersError('$JS.API.STREAM.INFO.cc_gateway'), 503],
  ['a gRPC stream reset by a peer that died mid-call', () => grpcError(13, 'Received RST_STREAM with code 2 triggered by internal client error: read ECONNRESET'), 503],
  ['a gRPC call with no connection yet', () => grpcError(14, 'No connection established'), 503],
  ['a gRPC deadline', () => grpcError(4, 'Deadline exceeded'), 503],
  ['our own service failing (INTERNAL with no transport cause)', () => grpcError(13, 'internal error'), 500],
  ['a bug in the gateway', () => new TypeError("Cannot read properties of undefined (reading 'x')"), 500],
];

describe('temporary faults at the edge', () => {
  const app = Fastify({ logger: false });
  let next: () => Error;
  beforeAll(async () => {
    problemPlugin(app);
    app.get('/fails', async () => {
      throw next();
    });
    await app.ready();
  });
  afterAll(() => app.close());

  it.each(cases)('%s', async (_what, make, status) => {
    next = make;
    const res = await app.inject({ method: 'GET', url: '/fails' });
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    if (status === 503) {
      expect(res.headers['retry-after']).toBe('1');
      expect(res.json()).toMatchObject({ status: 503, code: 'unavailable' });
      expect(res.json().detail).not.toMatch(/RST_STREAM|ECONNRESET|\$JS/); // nothing of the internals leaks
    } else {
      expect(res.headers['retry-after']).toBeUndefined();
      expect(res.json()).toMatchObject({ status: 500, code: 'internal' });
    }
  });
});
