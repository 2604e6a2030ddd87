import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** The OpenAPI document is generated from the route schemas; served at /openapi.json and browsable at /docs. */
export async function openapiPlugin(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    // Shared schemas by their own $id (`problem`), not by position (`def-0`): generated clients name types after them.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Contact center gateway API',
        version: '1.0.0',
        description: 'Public API for the customer widget, the agent desk, supervisors and integrators.',
      },
      components: {
        securitySchemes: {
          agentToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Agents, supervisors and admins: HS256 JWT with tid, sub and roles' },
          visitorToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A visitor session from POST /v1/visitor/sessions' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An integrator API key (cck_…) from POST /v1/admin/api-keys; also accepted as Authorization: Bearer cck_…' },
        },
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // The API's own CSP (securityHeadersPlugin) forbids everything; swagger-ui needs its
    // scripts and styles, so its routes get the plugin's CSP instead, minus
    // upgrade-insecure-requests, which would break the page on a plain-http dev gateway.
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
