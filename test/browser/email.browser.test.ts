/**
 * An email conversation in the agent desk, in a real browser (Debian
 * chromium through playwright-core), against the services as processes on
 * real NATS and PostgreSQL, with the channels service's SMTP listener and a
 * real SMTP server standing in for the tenant's relay:
 *
 * an admin sets up an email queue, Tom's email capacity and the support
 * address → Ken emails support over SMTP → the conversation is routed to
 * Tom and appears in his inbox labelled Email, with its subject → Tom opens
 * it and answers in the desk → the relay receives the answer addressed to
 * Ken, threaded on his mail (In-Reply-To his Message-ID) → the desk shows
 * the answer as Sent, live → Tom links Ken's chat identity and unlinks it
 * again with a reason. axe-core finds no serious or critical violation, and
 * every step leaves a screenshot in test/browser/artifacts/email/.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import nodemailer, { type Transporter } from 'nodemailer';
import { browserTestPlan, buildBrowserApps, describeWhenReady, eventually, hasCount, hasText, launchBrowser, screenshot, seriousAccessibilityViolations } from '../support/browser';
import { gatewayClient, type GatewayClient } from '../support/gatewayClient';
import { startSmtpRelay, type TestSmtpRelay } from '../support/smtpRelay';
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(300_000);

const describeIfReady = describeWhenReady('the browser email test', [browserTestPlan()]);

const TEST = 'email';
const WAIT_MS = 30_000;

describeIfReady('an email conversation in the agent desk', () => {
  const tenant = `email-${randomUUID().slice(0, 8)}`;
  const support = `support@${tenant}.example`;
  let relay: TestSmtpRelay;
  let stack: TestStack;
  let api: GatewayClient;
  let browser: Browser;
  let smtp: Transporter;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    buildBrowserApps();
    relay = await startSmtpRelay();
    stack = await startTestStack({
      extraEnv: {
        translation: { TRANSLATION_DEFAULT_PROVIDER: 'off' },
        channels: { SMTP_RELAY_URL: `smtp://127.0.0.1:${relay.port}` },
      },
    });
    api = gatewayClient(stack.gatewayUrl);
    const smtpPort = stack.ports.get('channels')?.smtpPort;
    if (!smtpPort) throw new Error('the channels service did not say which port it receives email on');
    smtp = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    smtp?.close();
    await stack?.teardown();
    await relay?.close();
  });

  const open = async (url: string): Promise<Page> => {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(url);
    return page;
  };
  const accessible = async (page: Page, where: string) => {
    expect({ where, violations: await seriousAccessibilityViolations(page) }).toEqual({ where, violations: [] });
  };

  it('shows an email in the inbox with its subject, sends the answer threaded by email and shows it as sent', async () => {
    // ── The admin sets up the email queue, Tom's capacity and the support address
    const admin = { bearer: stack.token(tenant, 'ada', ['admin']) };
    await api.ok('PUT', '/v1/admin/queues/email', admin, { name: 'Email', channel: 'email', strategy: 'STRATEGY_LONGEST_IDLE', offerTimeoutSeconds: 0, averageHandleSeconds: 600 });
    await api.ok('PUT', '/v1/admin/agents/tom', admin, { displayName: 'Tom', languages: ['en'], capacity: { chat: 3, email: 5 }, translationEnabled: false, teamIds: [] });
    await api.ok('PUT', `/v1/admin/channels/email/${encodeURIComponent(support)}`, admin, { queueId: 'email', fromName: 'Shop Support', language: 'en' });

    // ── Tom opens his desk and goes online ───────────────────────────────────
    const tom = await open(`${stack.gatewayUrl}/desk/#token=${stack.token(tenant, 'tom', ['agent'])}`);
    await tom.getByTestId('desk-status').selectOption('online');
    await hasText("Tom's desk connected", tom.getByTestId('desk-connection'), /live/i);

    // ── Ken emails support ───────────────────────────────────────────────────
    const sent = await smtp.sendMail({
      from: 'Ken Adams <ken@example.com>',
      to: support,
      subject: 'Where is my parcel?',
      text: 'Hello, my order #1234 has not arrived.',
      messageId: '<ken-1@example.com>',
    });
    expect(sent.accepted).toEqual([support]);

    // ── It reaches Tom's inbox, labelled Email, with its subject ─────────────
    const item = tom.getByTestId('desk-conversation').filter({ hasText: 'Where is my parcel?' });
    await item.waitFor({ timeout: WAIT_MS });
    await hasText('the channel in the inbox', item.getByTestId('desk-channel'), 'Email');
    await hasText('the subject in the inbox', item.getByTestId('desk-conversation-title'), 'Where is my parcel?');
    await screenshot(tom, TEST, 'inbox-email');
    await accessible(tom, 'desk, inbox with an email');

    // ── Tom opens it and answers ─────────────────────────────────────────────
    await item.click();
    await hasText('the subject as the thread title', tom.locator('#thread-title'), 'Where is my parcel?');
    await hasText('the channel in the thread', tom.getByTestId('desk-thread-channel'), 'Email');
    await hasText("Ken's email in the thread", tom.locator('[data-testid="desk-message"][data-author="customer"]').first(), 'order #1234 has not arrived');
    await tom.getByTestId('desk-reply').fill('Hi Ken, your parcel left our warehouse today.');
    await tom.getByTestId('desk-send').click();

    // ── The relay gets it, to Ken, threaded on his mail ──────────────────────
    const out = await eventually("Tom's answer at the relay", async () => relay.received[0], (m) => m !== undefined, WAIT_MS);
    expect((out!.to as { value: { address: string }[] }).value.map((v) => v.address)).toEqual(['ken@example.com']);
    expect(out!.inReplyTo).toBe('<ken-1@example.com>');
    expect(out!.subject).toBe('Re: Where is my parcel?');
    expect(out!.text).toContain('your parcel left our warehouse today');

    // ── The desk shows it as sent, without a reload ──────────────────────────
    const answer = tom.locator('[data-testid="desk-message"][data-author="agent"]').filter({ hasText: 'your parcel left our warehouse' });
    await hasCount("Tom's answer once in the thread", answer, 1);
    await hasText("Tom's answer shown as sent", answer.getByTestId('desk-delivery'), /^\s*Delivery:\s*Sent\s*$/);
    expect(await answer.getByTestId('desk-delivery').getAttribute('data-status')).toBe('sent');
    expect(await tom.getByTestId('desk-problem').isVisible()).toBe(false);
    await screenshot(tom, TEST, 'answer-sent');
    await accessible(tom, 'desk, email thread');

    // ── Tom links Ken's chat identity, then unlinks it with a reason ─────────
    await tom.getByTestId('desk-link-customer').fill('ken-42');
    await tom.getByTestId('desk-link-reason').fill('same order number #1234');
    await tom.getByTestId('desk-link-submit').click();
    const linked = tom.locator('[data-testid="desk-identity"][data-customer-id="ken-42"]');
    await linked.waitFor({ timeout: WAIT_MS });
    await screenshot(tom, TEST, 'identity-linked');
    await accessible(tom, 'desk, linked identity');
    await linked.getByTestId('desk-unlink').click();
    await linked.getByTestId('desk-unlink-reason').fill('checked: a different Ken');
    await linked.getByTestId('desk-unlink-submit').click();
    await hasCount("Ken's chat identity gone from the list", linked, 0);
    expect(await tom.getByTestId('desk-problem').isVisible()).toBe(false);
    await screenshot(tom, TEST, 'identity-unlinked');
  });
});
