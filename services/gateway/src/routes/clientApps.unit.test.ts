/**
 * The browser apps as the gateway serves them: the widget loadable from other
 * sites' pages, the desk under a CSP that lets it run only its own script and
 * call only this gateway, a 404 problem naming the build step when they are
 * not built, and the demo page embedding only a key of the widget-key shape.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { problemPlugin } from '../plugins/problem';
import { clientAppsRoutes } from './clientApps';

let dir: string;
let app: FastifyInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'apps-'));
  mkdirSync(join(dir, 'widget', 'dist'), { recursive: true });
  mkdirSync(join(dir, 'desk', 'dist'), { recursive: true });
  writeFileSync(join(dir, 'widget', 'dist', 'widget.js'), 'console.log("widget")');
  writeFileSync(join(dir, 'desk', 'dist', 'index.html'), '<!doctype html><title>Desk</title>');
  writeFileSync(join(dir, 'desk', 'dist', 'desk.js'), 'console.log("desk")');
  app = Fastify();
  problemPlugin(app);
  await app.register(clientAppsRoutes, { appsDir: dir, demoPage: true });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the browser apps', () => {
  it('serves the widget to any site, with an ETag that answers 304 when it has not changed', async () => {
    const res = await app.inject({ url: '/widget/widget.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.body).toBe('console.log("widget")');
    const again = await app.inject({ url: '/widget/widget.js', headers: { 'if-none-match': String(res.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('serves the desk under a CSP that allows only its own script and calls to this gateway', async () => {
    const res = await app.inject({ url: '/desk/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect((await app.inject({ url: '/desk' })).headers.location).toBe('/desk/');
    expect((await app.inject({ url: '/desk/desk.js' })).body).toBe('console.log("desk")');
  });

  it('answers 404 problem JSON naming the build step for a file that is not built', async () => {
    const res = await app.inject({ url: '/desk/desk.css' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json().detail).toContain('npm run build:apps');
  });

  it('embeds a widget key in the demo page only when it has the shape of one', async () => {
    const page = await app.inject({ url: '/demo/?key=wk_abcdefgh1234' });
    expect(page.body).toContain('<script src="/widget/widget.js" data-widget-key="wk_abcdefgh1234"');
    const attack = await app.inject({ url: `/demo/?key=${encodeURIComponent('wk_x"><script>alert(1)</script>')}` });
    expect(attack.statusCode).toBe(200);
    expect(attack.body).not.toContain('alert(1)');
    expect(attack.body).toContain('Add <code>?key=wk_…</code>');
  });
});
