/**
 * Translation end to end: the services as processes on real NATS and
 * PostgreSQL, with a real Apertium APY for English–Spanish. A customer writes
 * English to a Spanish-reading agent and switches to Spanish mid-way; the
 * agent's Spanish replies reach the customer in English; a provider that
 * fails leaves the original, records the failure, and the translation
 * follows on a retry.
 */
import { createGrpcClient, unary, type CallOptions } from '@contactcenter/infra';
import { ValidationError } from '@contactcenter/infra/errors';
import { readEvents } from '@contactcenter/infra/events';
import { AuthorKind, Channel, ConversationServiceClient } from '@contactcenter/proto/conversation/v1';
import { AgentStatus, PresenceServiceClient } from '@contactcenter/proto/presence/v1';
import { TranslationServiceClient } from '@contactcenter/proto/translation/v1';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { apertiumTestPlan, startApertiumServer, type ApertiumServer } from '../../scripts/apertiumServer';
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(180_000);

const plan = apertiumTestPlan();
if (!plan.run) {
  if (plan.fail) throw new Error(`Apertium is required in CI: ${plan.reason}`);
  process.stdout.write(`skipping translation flows: ${plan.reason}\n`);
}
const describeIfApertium = plan.run ? describe : describe.skip;

describeIfApertium('translation flows', () => {
  let apy: ApertiumServer;
  let flaky: Server;
  let flakyCalls = 0;
  let stack: TestStack;
  let nc: NatsConnection;
  let conversation: ConversationServiceClient;
  let presence: PresenceServiceClient;
  let translation: TranslationServiceClient;

  beforeAll(async () => {
    apy = await startApertiumServer({ warm: ['en|es', 'es|en'] });
    // A LibreTranslate that answers 500 to its first call, then translates by asking Apertium.
    flaky = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', async () => {
        if (req.url?.startsWith('/languages')) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([{ code: 'en', name: 'English', targets: ['es'] }, { code: 'es', name: 'Spanish', targets: ['en'] }]));
          return;
        }
        flakyCalls++;
        if (flakyCalls === 1) {
          res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Internal error' }));
          return;
        }
        const { q, source, target } = JSON.parse(body) as { q: string; source: string; target: string };
        const pair = { en: 'eng', es: 'spa' } as Record<string, string>;
        const r = await fetch(`${apy.url}/translate?markUnknown=no&langpair=${pair[source]}|${pair[target]}&q=${encodeURIComponent(q)}`);
        const translated = ((await r.json()) as { responseData: { translatedText: string } }).responseData.translatedText;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ translatedText: translated }));
      });
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', () => r()));
    const flakyUrl = `http://127.0.0.1:${(flaky.address() as { port: number }).port}`;
    stack = await startTestStack({ extraEnv: { translation: { APERTIUM_URL: apy.url, LIBRETRANSLATE_URL: flakyUrl, TRANSLATION_MAX_ATTEMPTS: '3' } } });
    const addr = (n: 'conversation' | 'presence' | 'translation') => `127.0.0.1:${stack.ports.get(n)!.grpcPort}`;
    conversation = createGrpcClient(ConversationServiceClient, addr('conversation'));
    presence = createGrpcClient(PresenceServiceClient, addr('presence'));
    translation = createGrpcClient(TranslationServiceClient, addr('translation'));
    nc = await connect({ servers: stack.nats.url });
  });

  afterAll(async () => {
    await nc?.close();
    for (const c of [conversation, presence, translation]) c?.close();
    await stack?.teardown();
    await apy?.stop();
    await new Promise((r) => flaky?.close(r));
  });

  const as = (tenantId: string, actorId = 'admin'): CallOptions => ({ tenantId, actorId, deadlineMs: 20_000 });

  async function agentHolding(tenantId: string, agentId: string, languages: string[], customerLanguage: string): Promise<string> {
    const profile = { agentId, displayName: agentId, skills: [], languages, capacity: { chat: 3 }, calendar: undefined, translationEnabled: true, teamIds: [] };
    await unary(presence, presence.upsertAgent, { profile }, as(tenantId));
    await unary(presence, presence.setAgentStatus, { agentId, status: AgentStatus.AGENT_STATUS_ONLINE, customStatus: '' }, as(tenantId));
    const conversationId = randomUUID();
    await unary(conversation, conversation.startConversation, { conversationId, channel: Channel.CHANNEL_CHAT, customerId: 'cust-1', language: customerLanguage, region: 'eu', subject: '', invitationId: '' }, as(tenantId, 'cust-1'));
    await unary(conversation, conversation.assignAgent, { conversationId, agentId, reason: 'test', decision: undefined }, as(tenantId));
    return conversationId;
  }

  const post = (tenantId: string, conversationId: string, authorKind: AuthorKind, text: string, clientMessageId: string, cannedResponseId = '') =>
    unary(conversation, conversation.postMessage, { conversationId, authorKind, authorId: '', text, attachments: [], clientMessageId, language: '', cannedResponseId }, as(tenantId, authorKind === AuthorKind.AUTHOR_KIND_AGENT ? 'agent' : 'cust-1'));

  async function eventsOf(tenantId: string, conversationId: string, type: string, count: number) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const all = await readEvents(nc, { filter: `cc.${tenantId}.conversation.${type}.>` });
      const mine = all.map((e) => e.event.data as Record<string, unknown>).filter((d) => d.conversationId === conversationId);
      if (mine.length >= count) return mine;
      if (Date.now() > deadline) throw new Error(`expected ${count} ${type} events, saw ${mine.length}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it('translates both ways, follows a language switch, and keeps the originals', async () => {
    const t = `tr-${randomUUID().slice(0, 8)}`;
    const id = await agentHolding(t, 'lucia', ['es'], 'en');
    const first = await post(t, id, AuthorKind.AUTHOR_KIND_CUSTOMER, 'My order has not arrived and I need help with it', 'c1');
    const [forAgent] = await eventsOf(t, id, 'MessageTranslated', 1);
    expect(forAgent).toMatchObject({ messageId: first.messageId, sourceLanguage: 'en', targetLanguage: 'es', provider: 'apertium' });
    expect(String(forAgent!.text)).toMatch(/pedido|orden/i);

    const reply = await post(t, id, AuthorKind.AUTHOR_KIND_AGENT, 'Hola, su pedido llegará mañana por la tarde', 'a1');
    const translated = await eventsOf(t, id, 'MessageTranslated', 2);
    const forCustomer = translated.find((e) => e.messageId === reply.messageId)!;
    expect(forCustomer).toMatchObject({ sourceLanguage: 'es', targetLanguage: 'en' });
    expect(String(forCustomer.text)).toMatch(/order|tomorrow/i);

    // The customer switches to Spanish: their language follows, and nothing needs translating for a Spanish reader.
    await post(t, id, AuthorKind.AUTHOR_KIND_CUSTOMER, 'Perfecto, muchas gracias por la ayuda con mi pedido', 'c2');
    const [changed] = await eventsOf(t, id, 'CustomerLanguageChanged', 1);
    expect(changed).toMatchObject({ language: 'es', previous: 'en', detected: true });
    const view = await unary(conversation, conversation.getConversation, { conversationId: id, includeNotes: false }, as(t));
    expect(view.conversation!.language).toBe('es');
    const original = view.messages.find((m) => m.messageId === first.messageId)!;
    expect(original.text).toBe('My order has not arrived and I need help with it');
    expect(original.translations).toEqual([expect.objectContaining({ language: 'es', provider: 'apertium' })]);
    expect((await readEvents(nc, { filter: `cc.${t}.conversation.MessageTranslated.>` })).length).toBe(2);
  });

  it('translates what the customer wrote before any agent held the conversation, once one does', async () => {
    const t = `tr-${randomUUID().slice(0, 8)}`;
    const agentId = 'sofia';
    const profile = { agentId, displayName: agentId, skills: [], languages: ['es'], capacity: { chat: 3 }, calendar: undefined, translationEnabled: true, teamIds: [] };
    await unary(presence, presence.upsertAgent, { profile }, as(t));
    const id = randomUUID();
    await unary(conversation, conversation.startConversation, { conversationId: id, channel: Channel.CHANNEL_CHAT, customerId: 'cust-1', language: 'en', region: 'eu', subject: '', invitationId: '' }, as(t, 'cust-1'));
    const early = await post(t, id, AuthorKind.AUTHOR_KIND_CUSTOMER, 'My order has not arrived and I need help with it', 'c1');
    // Nobody to translate for yet: the message waits untranslated, with no failure recorded.
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await readEvents(nc, { filter: `cc.${t}.conversation.>` })).map((e) => e.subject.split(".")[3])).not.toContain('MessageTranslationFailed');
    await unary(conversation, conversation.assignAgent, { conversationId: id, agentId, reason: 'test', decision: undefined }, as(t));
    const [forAgent] = await eventsOf(t, id, 'MessageTranslated', 1);
    expect(forAgent).toMatchObject({ messageId: early.messageId, sourceLanguage: 'en', targetLanguage: 'es' });
    expect(String(forAgent!.text)).toMatch(/pedido|orden/i);
  });

  it('records a provider failure, keeps the original, and translates on a retry', async () => {
    const t = `tr-${randomUUID().slice(0, 8)}`;
    await unary(translation, translation.setTenantSettings, { settings: { enabled: true, provider: 'libretranslate', glossary: ['Acme'] } }, as(t));
    const id = await agentHolding(t, 'mateo', ['es'], 'en');
    const posted = await post(t, id, AuthorKind.AUTHOR_KIND_CUSTOMER, 'The Acme router keeps restarting every hour', 'c1');
    const [failed] = await eventsOf(t, id, 'MessageTranslationFailed', 1);
    expect(failed).toMatchObject({ messageId: posted.messageId, targetLanguage: 'es', provider: 'libretranslate' });
    const [later] = await eventsOf(t, id, 'MessageTranslated', 1);
    expect(later).toMatchObject({ messageId: posted.messageId, provider: 'libretranslate' });
    expect(String(later!.text)).toContain('Acme');
    const view = await unary(conversation, conversation.getConversation, { conversationId: id, includeNotes: false }, as(t));
    expect(view.messages.find((m) => m.messageId === posted.messageId)!.text).toBe('The Acme router keeps restarting every hour');
  });

  it('sends the human-written version of a canned response instead of a machine translation', async () => {
    const t = `tr-${randomUUID().slice(0, 8)}`;
    const versions = { es: 'Gracias por esperar, ya estoy con usted.', en: 'Thanks for waiting, I am with you now.' };
    await unary(translation, translation.upsertCannedResponse, { cannedResponse: { cannedResponseId: 'with-you', title: 'With you', versions } }, as(t));
    const bad = await unary(translation, translation.upsertCannedResponse, { cannedResponse: { cannedResponseId: 'x', title: '', versions: { 'not a tag': 'hi' } } }, as(t)).catch((e: Error) => e);
    expect((bad as ValidationError).field).toBe('canned_response.versions[not a tag]');
    const id = await agentHolding(t, 'sofia', ['es'], 'en');
    const reply = await post(t, id, AuthorKind.AUTHOR_KIND_AGENT, versions.es, 'a1', 'with-you');
    const [forCustomer] = await eventsOf(t, id, 'MessageTranslated', 1);
    expect(forCustomer).toMatchObject({ messageId: reply.messageId, targetLanguage: 'en', provider: 'canned', text: versions.en });
  });

  it('answers bad input clearly', async () => {
    const t = `tr-${randomUUID().slice(0, 8)}`;
    const unsupported = await unary(translation, translation.translate, { text: 'Hello there, my friend', sourceLanguage: 'en', targetLanguage: 'ja' }, as(t)).catch((e: Error) => e);
    expect(unsupported).toBeInstanceOf(ValidationError);
    expect((unsupported as Error).message).toMatch(/en.*es/);
    expect(await unary(translation, translation.translate, { text: '', sourceLanguage: 'en', targetLanguage: 'es' }, as(t)).catch((e: Error) => e)).toBeInstanceOf(ValidationError);
    expect(await unary(translation, translation.translate, { text: 'x'.repeat(6_000), sourceLanguage: 'en', targetLanguage: 'es' }, as(t)).catch((e: Error) => e)).toBeInstanceOf(ValidationError);
    const badProvider = await unary(translation, translation.setTenantSettings, { settings: { enabled: true, provider: 'babelfish', glossary: [] } }, as(t)).catch((e: Error) => e);
    expect((badProvider as ValidationError).field).toBe('settings.provider');
    const ok = await unary(translation, translation.translate, { text: 'Good morning', sourceLanguage: 'en', targetLanguage: 'es' }, as(t));
    expect(ok).toMatchObject({ status: 'translated', provider: 'apertium' });
  });
});
