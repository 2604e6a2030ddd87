/**
 * What the widget and the desk show when things go wrong, in a real browser
 * against the stack as processes: never a blank panel, always a sentence a
 * person understands. A revoked widget key; a site the key does not allow
 * (the gateway's problem JSON names the origin); a rate limit (429 with
 * Retry-After); the gateway unreachable mid-chat and back; and on the desk,
 * a problem's `detail` shown to the agent.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { seedDemoTenant } from '../../scripts/demoTenant';
import { startTcpBalancer, type TcpBalancer } from '../../scripts/tcpBalancer';
import { browserTestPlan, buildBrowserApps, describeWhenReady, hasText, launchBrowser, screenshot, seriousAccessibilityViolations } from '../support/browser';
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(240_000);

const describeIfReady = describeWhenReady('the browser problem tests', [browserTestPlan()]);

const TEST = 'problems';
/** New visitor sessions one widget key may open per minute here: the fourth page load meets the limit. */
const SESSIONS_PER_KEY = 3;

describeIfReady('the widget and the desk when things go wrong', () => {
  const tenant = `problems-${randomUUID().slice(0, 8)}`;
  let stack: TestStack;
  let browser: Browser;
  /** The visitors' way to the gateway (the allowed origin), which the test can cut. */
  let site: TcpBalancer;
  /** Another site, on another origin, that no widget key allows. */
  let otherSite: TcpBalancer;
  let networkDown = false;
  let admin: string;
  let widgetKey: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    buildBrowserApps();
    stack = await startTestStack({
      extraEnv: {
        translation: { TRANSLATION_DEFAULT_PROVIDER: 'off' },
        gateway: { SERVE_DEMO_PAGE: 'true', VISITOR_SESSIONS_PER_MINUTE_PER_WIDGET_KEY: String(SESSIONS_PER_KEY) },
      },
    });
    const gatewayPort = Number(new URL(stack.gatewayUrl).port);
    site = await startTcpBalancer(() => (networkDown ? [] : [gatewayPort]));
    otherSite = await startTcpBalancer(() => [gatewayPort]);
    admin = stack.token(tenant, 'ada', ['admin']);
    ({ widgetKey } = await seedDemoTenant(`http://127.0.0.1:${site.port}`, admin, { tenant }));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await site?.close();
    await otherSite?.close();
    await stack?.teardown();
  });

  const open = async (url: string): Promise<Page> => {
    const context = await browser.newContext({ locale: 'en-GB' });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(url);
    return page;
  };
  const adminApi = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status).toBeLessThan(300);
    return (await res.json().catch(() => ({}))) as Record<string, unknown>;
  };
  /** The widget's panel, opened by its launcher. */
  const openPanel = async (page: Page) => {
    await page.getByTestId('cc-launcher').click();
    await page.getByTestId('cc-panel').waitFor();
  };

  it('says so when the widget key is revoked', async () => {
    const { widgetKey: revoked } = (await adminApi('POST', '/v1/admin/widget-keys', { allowedOrigins: [`http://127.0.0.1:${site.port}`] })) as { widgetKey: string };
    await adminApi('DELETE', `/v1/admin/widget-keys/${revoked}`);
    const page = await open(`http://127.0.0.1:${site.port}/demo/?key=${revoked}`);
    await openPanel(page);
    await hasText('the notice for a revoked key', page.getByTestId('cc-notice'), /not available on this site/i);
    await screenshot(page, TEST, 'revoked-key');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it('says so, naming the origin, when the site is not one the key allows', async () => {
    const page = await open(`http://127.0.0.1:${otherSite.port}/demo/?key=${widgetKey}`);
    await openPanel(page);
    await hasText('the notice for a site the key does not allow', page.getByTestId('cc-notice'), /not available on this site.*not among this widget key's allowed origins/i);
    await screenshot(page, TEST, 'origin-not-allowed');
  });

  it('asks the visitor to wait when the gateway answers 429, instead of failing', async () => {
    // A key of its own, so that only these page loads count against its limit.
    const { widgetKey: busyKey } = (await adminApi('POST', '/v1/admin/widget-keys', { allowedOrigins: [`http://127.0.0.1:${site.port}`] })) as { widgetKey: string };
    for (let i = 0; i < SESSIONS_PER_KEY; i++) {
      const earlier = await open(`http://127.0.0.1:${site.port}/demo/?key=${busyKey}`);
      await openPanel(earlier);
      await earlier.getByTestId('cc-start').waitFor();
    }
    const page = await open(`http://127.0.0.1:${site.port}/demo/?key=${busyKey}`);
    await openPanel(page);
    await hasText('the notice for a rate limit', page.getByTestId('cc-notice'), /too many requests\. please wait \d+ s/i);
    await screenshot(page, TEST, 'rate-limited');
  });

  it('shows "reconnecting" while the gateway is unreachable mid-chat, and carries on once it is back', async () => {
    const page = await open(`http://127.0.0.1:${site.port}/demo/?key=${widgetKey}`);
    await openPanel(page);
    await page.getByTestId('cc-start').click();
    await page.getByTestId('cc-input').fill('Hello, is anyone there?');
    await page.getByTestId('cc-send').click();
    await hasText('the chat connected', page.getByTestId('cc-connection'), /connected/i);
    networkDown = true;
    site.dropConnections();
    await page.getByTestId('cc-input').fill('Still waiting');
    await page.getByTestId('cc-send').click();
    await hasText('the connection state while the gateway is away', page.getByTestId('cc-connection'), /reconnecting/i);
    await hasText('the notice while the gateway is away', page.getByTestId('cc-notice'), /cannot be reached/i);
    await screenshot(page, TEST, 'unreachable');
    networkDown = false;
    await hasText('the connection state once the gateway is back', page.getByTestId('cc-connection'), /^connected$/i);
    const mine = page.locator('[data-testid="cc-message"][data-author="visitor"]');
    await hasText('the message typed while away, sent once back', mine.filter({ hasText: 'Still waiting' }), /sent/i);
    expect(await mine.count()).toBe(2);
    await screenshot(page, TEST, 'back');
  });

  it('shows the desk user the detail of a problem the gateway answered', async () => {
    // A staff member with the agent role but no agent profile: presence answers 404 with a detail.
    const page = await open(`${stack.gatewayUrl}/desk/#token=${stack.token(tenant, 'ghost', ['agent'])}`);
    await hasText('the desk problem banner', page.getByTestId('desk-problem'), /agent "ghost" not found/);
    await screenshot(page, TEST, 'desk-problem-detail');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });
});
