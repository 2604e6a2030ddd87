import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every response (helmet). The gateway is a JSON API:
 * nothing it serves should ever run script, load a resource, be framed or
 * post a form, so the CSP is `default-src 'none'` and framing is denied.
 * The one HTML page, swagger-ui at /docs, sets its own CSP on its routes
 * (see openapiPlugin: `staticCSP`), overriding this one there only.
 * Register before any route, so that its hooks run for all of them.
 */
export async function securityHeadersPlugin(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] },
    },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Helmet's default Cross-Origin-Resource-Policy `same-origin` stays: it only binds
    // no-cors loads (<script>, <img>), while the widget's fetch() calls are CORS
    // requests, which the CORS plugin decides.
  });
}
