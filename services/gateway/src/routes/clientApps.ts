/**
 * The browser apps, served by the gateway so that a deployment has them with
 * nothing else to run: the visitor widget a site embeds
 * (`<script src="https://<gateway>/widget/widget.js" data-widget-key="wk_…" async>`),
 * the agent desk at `/desk/`, and, where enabled, a demo product page at
 * `/demo/?key=wk_…` embedding the widget (what `npm start` prints).
 *
 * The files are the esbuild bundles in `apps/<app>/dist/` (`npm run build:apps`),
 * read once and kept in memory with an ETag. The widget is loaded from other
 * sites' pages, so its script carries `Cross-Origin-Resource-Policy:
 * cross-origin`; the desk and the demo page get a CSP that lets them run
 * their own script and call this gateway only (the API keeps `default-src 'none'`).
 */
import { NotFoundError } from '@contactcenter/infra/errors';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** `apps/` of the repository (from services/gateway/src/routes or services/gateway/dist/routes alike). */
export const DEFAULT_APPS_DIR = join(__dirname, '..', '..', '..', '..', 'apps');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The demo page styles itself inline and embeds the widget like any site would. */
const DEMO_CSP = APP_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

type Asset = { body: Buffer; type: string; etag: string };

export interface ClientAppsOptions {
  /** Where `widget/dist` and `desk/dist` are (CLIENT_APPS_DIR). */
  appsDir?: string;
  /** SERVE_DEMO_PAGE: `/demo/`, a product page embedding the widget (development and demos). */
  demoPage?: boolean;
}

export async function clientAppsRoutes(app: FastifyInstance, opts: ClientAppsOptions): Promise<void> {
  const appsDir = opts.appsDir ?? DEFAULT_APPS_DIR;
  const cache = new Map<string, Asset | null>();
  /** One built file, read once; null when it is not built. */
  const asset = (path: string): Asset | null => {
    if (!cache.has(path)) {
      try {
        const body = readFileSync(join(appsDir, path));
        const ext = path.slice(path.lastIndexOf('.'));
        cache.set(path, { body, type: TYPES[ext] ?? 'application/octet-stream', etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
      } catch {
        cache.set(path, null);
      }
    }
    return cache.get(path)!;
  };
  const send = (request: FastifyRequest, reply: FastifyReply, path: string, headers: Record<string, string>) => {
    const file = asset(path);
    if (!file) throw new NotFoundError('browser app file, not built on this gateway (`npm run build:apps`):', path);
    reply.headers({ 'content-type': file.type, etag: file.etag, 'cache-control': 'no-cache', ...headers });
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
    return reply.send(file.body);
  };
  const hidden = { schema: { hide: true } };
  const widgetHeaders = { 'cross-origin-resource-policy': 'cross-origin' };
  app.get('/widget/widget.js', hidden, (req, reply) => send(req, reply, 'widget/dist/widget.js', widgetHeaders));
  app.get('/widget/widget.js.map', hidden, (req, reply) => send(req, reply, 'widget/dist/widget.js.map', widgetHeaders));

  const deskHeaders = { 'content-security-policy': APP_CSP, 'x-frame-options': 'DENY' };
  app.get('/desk', hidden, (_req, reply) => reply.redirect('/desk/', 301));
  app.get('/desk/', hidden, (req, reply) => send(req, reply, 'desk/dist/index.html', deskHeaders));
  for (const file of ['desk.js', 'desk.js.map', 'desk.css']) app.get(`/desk/${file}`, hidden, (req, reply) => send(req, reply, `desk/dist/${file}`, deskHeaders));

  if (opts.demoPage) {
    app.get<{ Querystring: { key?: string } }>('/demo/', hidden, async (request, reply) => {
      const key = request.query.key ?? '';
      // The key goes into the page's HTML: only the shape widget keys have.
      const safeKey = /^wk_[A-Za-z0-9_-]{8,128}$/.test(key) ? key : '';
      reply.headers({ 'content-type': 'text/html; charset=utf-8', 'content-security-policy': DEMO_CSP, 'cache-control': 'no-store' });
      return demoPage(safeKey);
    });
  }
}

/** A small shop's product page, as a site embedding the widget would have it. */
function demoPage(widgetKey: string): string {
  const widget = widgetKey
    ? `<script src="/widget/widget.js" data-widget-key="${widgetKey}" data-cart-value="129" data-currency="EUR" async></script>`
    : '<p role="alert">Add <code>?key=wk_…</code> (a widget key of your tenant) to this page’s address to load the chat widget.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trail Runner 3 — Demo shop</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1d1d1f; }
  header, main, footer { padding: 1rem 2rem; }
  header { background: #0b3d2e; color: #fff; }
  .price { font-size: 1.5rem; font-weight: 600; }
</style>
</head>
<body>
<header><strong>Demo shop</strong> · a page embedding the chat widget</header>
<main>
  <h1>Trail Runner 3</h1>
  <p class="price">€129</p>
  <p>Lightweight trail shoe with a grippy sole. One item is in your cart.</p>
  <p>Open the chat at the bottom right, or wait a little: the shop may invite you.</p>
</main>
<footer>Served by the contact center gateway for demos (<code>SERVE_DEMO_PAGE</code>).</footer>
${widget}
</body>
</html>
`;
}
