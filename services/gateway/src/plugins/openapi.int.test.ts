/**
 * The OpenAPI document names every operation: the typed client
 * (clients/typescript) is generated from it, and its methods and types are
 * keyed by these ids, so a route without one, or two routes with the same
 * one, would break or silently merge them.
 */
import { operationIdProblems, operationsOf } from '../../../../test/support/openapiOperations';
import { startEdgeApp, type EdgeApp } from '../../../../test/support/gatewayEdgeApp';

let edge: EdgeApp;

beforeAll(async () => {
  edge = await startEdgeApp();
});

afterAll(async () => {
  await edge.close();
});

describe('operationIds in /openapi.json', () => {
  it('gives every operation its own camelCase operationId', async () => {
    const res = await edge.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(operationsOf(doc).length).toBeGreaterThan(60);
    expect(operationIdProblems(doc)).toEqual([]);
  });

  it('includes the conversation history and the conversation at a point in time', async () => {
    const doc = (await edge.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(operationsOf(doc)).toEqual(
      expect.arrayContaining([
        { route: 'GET /v1/conversations/{conversationId}/history', operationId: 'getConversationHistory' },
        { route: 'GET /v1/conversations/{conversationId}', operationId: 'getConversation' },
      ]),
    );
    const params = (doc.paths['/v1/conversations/{conversationId}'].get.parameters as { name: string; in: string }[]).filter((p) => p.in === 'query').map((p) => p.name);
    expect(params.sort()).toEqual(['asOf', 'atRevision']);
  });

  it('names each route that lacks an operationId, has a bad one, or shares one', () => {
    const doc = {
      paths: {
        '/v1/a': { get: { operationId: 'getA' }, post: {} },
        '/v1/b': { get: { operationId: 'getA' }, put: { operationId: 'Put_B' } },
        '/v1/c': { parameters: [], delete: { operationId: 'deleteC' } },
      },
    };
    expect(operationIdProblems(doc)).toEqual([
      'POST /v1/a: no operationId; add a camelCase `operationId` to its route schema',
      'PUT /v1/b: operationId "Put_B" is not camelCase',
      'operationId "getA" is shared by GET /v1/a, GET /v1/b',
    ]);
  });
});
