/**
 * The widget and the desk in a real browser (Debian chromium through
 * playwright-core), against the seven services as processes on real NATS,
 * PostgreSQL and Apertium, everything through the public gateway:
 *
 * a Spanish visitor on the demo product page is invited, accepts and writes
 * in Spanish → Tom, an English agent, accepts the offer in his desk and reads
 * her translated, answers in English (she sees him typing), which she reads in Spanish (the
 * original one click away) → her network drops mid-conversation while both
 * keep writing: nothing lost, nothing shown twice → Tom reloads his desk and
 * resumes → Tom transfers the chat to the billing team with a reason → Bea
 * accepts it and resolves → the visitor answers the survey in Spanish → the
 * supervisor's charts count the conversation. axe-core finds no serious or
 * critical violation on the widget, the desk and the supervisor's view, and
 * every step leaves a screenshot in test/browser/artifacts/journey/.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { apertiumTestPlan, startApertiumServer, type ApertiumServer } from '../../scripts/apertiumServer';
import { seedDemoTenant } from '../../scripts/demoTenant';
import { startTcpBalancer, type TcpBalancer } from '../../scripts/tcpBalancer';
import { browserTestPlan, buildBrowserApps, describeWhenReady, eventually, hasCount, hasText, hasValue, launchBrowser, screenshot, seriousAccessibilityViolations } from '../support/browser';
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(300_000);

const describeIfReady = describeWhenReady('the browser journey', [browserTestPlan(), apertiumTestPlan()]);

const TEST = 'journey';
const WAIT_MS = 30_000;

describeIfReady('the widget and the desk in a real browser', () => {
  const tenant = `browser-${randomUUID().slice(0, 8)}`;
  let apy: ApertiumServer;
  let stack: TestStack;
  let browser: Browser;
  /** The visitor's way to the gateway, which the test can cut (a network drop). */
  let visitorNetwork: TcpBalancer;
  let networkDown = false;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    buildBrowserApps();
    apy = await startApertiumServer({ warm: ['en|es', 'es|en'] });
    stack = await startTestStack({ extraEnv: { translation: { APERTIUM_URL: apy.url }, gateway: { SERVE_DEMO_PAGE: 'true' } } });
    const gatewayPort = Number(new URL(stack.gatewayUrl).port);
    visitorNetwork = await startTcpBalancer(() => (networkDown ? [] : [gatewayPort]));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await visitorNetwork?.close();
    await stack?.teardown();
    await apy?.stop();
  });

  const open = async (url: string, options: { locale?: string; viewport?: { width: number; height: number } } = {}): Promise<Page> => {
    const context = await browser.newContext({ locale: options.locale ?? 'en-GB', viewport: options.viewport ?? { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(url);
    return page;
  };
  const accessible = async (page: Page, where: string) => {
    expect({ where, violations: await seriousAccessibilityViolations(page) }).toEqual({ where, violations: [] });
  };
  /** Each message id shown once: a replay after a drop never shows one twice. */
  const idsOnce = async (messages: Locator) => {
    const ids = await messages.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-message-id') ?? ''));
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    return ids;
  };

  it('invites a Spanish visitor, translates both ways, survives a network drop and a reload, transfers, resolves and surveys', async () => {
    const visitorOrigin = `http://127.0.0.1:${visitorNetwork.port}`;
    const demo = await seedDemoTenant(visitorOrigin, stack.token(tenant, 'ada', ['admin']), { tenant, timeZone: 'Europe/Madrid' });
    const deskUrl = (sub: string, roles: string[]) => `${stack.gatewayUrl}/desk/#token=${stack.token(tenant, sub, roles)}`;

    // ── Tom opens his desk and goes online ───────────────────────────────────
    const tom = await open(deskUrl('tom', ['agent']));
    await tom.getByTestId('desk-status').selectOption('online');
    await hasText('Tom\'s desk connected', tom.getByTestId('desk-connection'), /connected|live|online/i);
    await screenshot(tom, TEST, 'tom-online');
    await accessible(tom, 'desk, agent');

    // ── Lucía on the product page: invited, accepts, writes in Spanish ────────
    const lucia = await open(`${visitorOrigin}/demo/?key=${demo.widgetKey}`, { locale: 'es-ES' });
    const invitation = lucia.getByTestId('cc-invitation');
    await invitation.waitFor({ timeout: 60_000 });
    await hasText('the invitation', invitation, 'Trail Runner 3');
    await screenshot(lucia, TEST, 'visitor-invited');
    await lucia.getByTestId('cc-invitation-accept').click();
    await hasValue('the widget\'s language', lucia.getByTestId('cc-language'), 'es');
    await lucia.getByTestId('cc-input').fill('Hola, ¿dónde está mi pedido?');
    await lucia.getByTestId('cc-send').click();
    await lucia.getByTestId('cc-queue-status').waitFor({ timeout: WAIT_MS });
    await screenshot(lucia, TEST, 'visitor-waiting');
    await accessible(lucia, 'widget, waiting');

    // ── Tom accepts the offer and reads her in English ────────────────────────
    const offer = tom.getByTestId('desk-offer').first();
    await offer.waitFor({ timeout: WAIT_MS });
    await offer.getByTestId('desk-offer-accept').click();
    const tomConversation = tom.getByTestId('desk-conversation').first();
    await tomConversation.waitFor({ timeout: WAIT_MS });
    await tomConversation.click();
    const fromLucia = tom.getByTestId('desk-message').filter({ hasText: '¿dónde está mi pedido?' });
    await hasText('Lucía\'s original on Tom\'s desk', fromLucia.getByTestId('desk-message-original'), '¿dónde está mi pedido?');
    await hasText('Lucía\'s message in English on Tom\'s desk', fromLucia.getByTestId('desk-message-translation'), /where/i);
    await screenshot(tom, TEST, 'tom-reads-translation');
    // She is told who took her chat, by the name the admin gave Tom (not his id), in Spanish.
    await hasText('the agent named in the widget', lucia.getByTestId('cc-queue-status'), 'Tom se ha unido al chat.');

    // ── Tom answers in English; Lucía sees him typing, then reads Spanish, the original one click away
    await tom.getByTestId('desk-reply').pressSequentially('Your order', { delay: 20 });
    await lucia.getByTestId('cc-typing').waitFor({ timeout: WAIT_MS });
    await tom.getByTestId('desk-reply').fill('Your order leaves the warehouse tomorrow.');
    await tom.getByTestId('desk-send').click();
    const fromTom = lucia.locator('[data-testid="cc-message"][data-author="agent"]');
    await hasText('Tom\'s answer in Spanish in the widget', fromTom.first().getByTestId('cc-message-text'), /mañana/i);
    await fromTom.first().getByTestId('cc-original-toggle').click();
    await hasText('Tom\'s original, one click away', fromTom.first(), 'Your order leaves the warehouse tomorrow.');
    await screenshot(lucia, TEST, 'visitor-reads-translation-and-original');

    // ── Her network drops while both keep writing: nothing lost, nothing twice ─
    const agentBefore = await fromTom.count();
    networkDown = true;
    visitorNetwork.dropConnections();
    await lucia.getByTestId('cc-input').fill('¿Sigue ahí?');
    await lucia.getByTestId('cc-send').click();
    await tom.getByTestId('desk-reply').fill('I am still here.');
    await tom.getByTestId('desk-send').click();
    await tom.getByTestId('desk-reply').fill('The tracking number is on its way to you.');
    await tom.getByTestId('desk-send').click();
    await screenshot(lucia, TEST, 'visitor-offline');
    await new Promise((r) => setTimeout(r, 3_000));
    networkDown = false;
    await hasCount('Tom\'s two messages sent during the drop, each once', fromTom, agentBefore + 2);
    await idsOnce(lucia.getByTestId('cc-message'));
    await hasCount('Lucía\'s message sent while offline, once on Tom\'s desk', tom.getByTestId('desk-message').filter({ hasText: '¿Sigue ahí?' }), 1);
    await screenshot(lucia, TEST, 'visitor-back-online');

    // ── Tom reloads his desk and resumes ───────────────────────────────────────
    const tomCountBefore = await tom.getByTestId('desk-message').count();
    await tom.reload();
    await tom.getByTestId('desk-conversation').first().click({ timeout: WAIT_MS });
    await hasCount('every message again after the reload, once', tom.getByTestId('desk-message'), tomCountBefore);
    await idsOnce(tom.getByTestId('desk-message'));
    await screenshot(tom, TEST, 'tom-after-reload');

    // ── Transfer to billing; Bea accepts and resolves ────────────────────────
    const bea = await open(deskUrl('bea', ['agent']));
    await bea.getByTestId('desk-status').selectOption('online');
    await tom.getByTestId('desk-transfer-kind').selectOption('team');
    await tom.getByTestId('desk-transfer-target').fill('billing');
    await tom.getByTestId('desk-transfer-reason').fill('Refund question');
    await tom.getByTestId('desk-transfer-submit').click();
    const beaOffer = bea.getByTestId('desk-offer').first();
    await beaOffer.waitFor({ timeout: WAIT_MS });
    await beaOffer.getByTestId('desk-offer-accept').click();
    await bea.getByTestId('desk-conversation').first().click({ timeout: WAIT_MS });
    await hasCount('the conversation so far on Bea\'s desk', bea.getByTestId('desk-message').filter({ hasText: '¿Sigue ahí?' }), 1);
    await screenshot(bea, TEST, 'bea-took-over');
    await bea.getByTestId('desk-resolve').click();

    // ── The survey, in Spanish ───────────────────────────────────────────────
    const survey = lucia.getByTestId('cc-survey');
    await survey.waitFor({ timeout: WAIT_MS });
    await hasText('the survey in Spanish', survey, '¿Qué tan satisfecho está con el chat?');
    await screenshot(lucia, TEST, 'visitor-survey');
    await accessible(lucia, 'widget, survey');
    await survey.getByRole('radio', { name: '5' }).first().check();
    await lucia.getByTestId('cc-survey-submit').click();
    await survey.waitFor({ state: 'hidden', timeout: WAIT_MS });
    await screenshot(lucia, TEST, 'visitor-answered');

    // ── The supervisor's charts count it ──────────────────────────────────────
    const sofia = await open(deskUrl('sofia', ['supervisor']));
    const metrics = sofia.getByTestId('desk-metrics');
    await metrics.waitFor({ timeout: WAIT_MS });
    // Her CSAT answer (5 of 5: satisfied) and the conversation itself, in the charts' numbers (their table for screen readers).
    const chart = (metric: string) => metrics.locator(`[data-testid="desk-chart"][data-metric="${metric}"] table`);
    await eventually(
      'the supervisor\'s CSAT and volume charts counting the conversation',
      async () => {
        const [csat, volume] = [await chart('csat').textContent(), await chart('volume').textContent()];
        if (!/100\s*%/.test(csat ?? '')) await metrics.getByRole('button', { name: 'Refresh' }).click();
        return { csat, volume };
      },
      ({ csat, volume }) => /100\s*%/.test(csat ?? '') && /[1-9]/.test((volume ?? '').replace(/\d{1,2}:\d{2}|\d{4}-\d{2}-\d{2}/g, '')),
    );
    // The team as it is now: Tom and Bea online, by name.
    const agentRow = (id: string) => sofia.locator(`[data-testid="desk-agents"] tr[data-agent-id="${id}"]`);
    for (const id of ['tom', 'bea']) await eventually(`${id}'s status on the supervisor's desk`, () => agentRow(id).getAttribute('data-status', { timeout: 1_000 }), (s) => s === 'online');
    await hasText('Tom by name among the agents', agentRow('tom'), 'Tom');
    await hasText('the queues by name', sofia.getByTestId('desk-queues'), 'Support (support)');
    expect(await sofia.getByTestId('desk-problem').isVisible()).toBe(false);
    await screenshot(sofia, TEST, 'supervisor-charts');
    await accessible(sofia, 'desk, supervisor');
  });

  it('fits a phone screen and works by keyboard alone', async () => {
    const { widgetKey } = await seedDemoTenant(`http://127.0.0.1:${visitorNetwork.port}`, stack.token(tenant, 'ada', ['admin']), { tenant });
    const phone = await open(`http://127.0.0.1:${visitorNetwork.port}/demo/?key=${widgetKey}`, { viewport: { width: 360, height: 640 } });
    const launcher = phone.getByTestId('cc-launcher');
    await launcher.waitFor();
    await launcher.focus();
    await phone.keyboard.press('Enter');
    const panel = phone.getByTestId('cc-panel');
    await panel.waitFor();
    // The whole screen: nothing of the chat off the edge of a phone.
    const box = await panel.boundingBox();
    expect(box && { x: Math.round(box.x), width: Math.round(box.width), fitsHeight: box.y >= 0 && box.y + box.height <= 641 }).toEqual({ x: 0, width: 360, fitsHeight: true });
    await screenshot(phone, TEST, 'phone-width');
    expect(await seriousAccessibilityViolations(phone)).toEqual([]);
    await phone.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
    // Focus goes back where the visitor was: the launcher (inside the widget's shadow root).
    expect(await launcher.evaluate((el) => (el.getRootNode() as unknown as { activeElement: unknown }).activeElement === el)).toBe(true);
  });
});
