import { createGrpcClient, unary, type Logger } from '@contactcenter/infra';
import { isDomainError } from '@contactcenter/infra/errors';
import { eventFilter, startWorkConsumer, type WorkItem, type WorkOutcome } from '@contactcenter/infra/events';
import { AgentAssigned, AuthorKind, ConversationServiceClient, MessagePosted, type Message } from '@contactcenter/proto/conversation/v1';
import { PresenceServiceClient } from '@contactcenter/proto/presence/v1';
import type { NatsConnection } from '@nats-io/transport-node';
import type { LanguageDetector } from '../detection/detectLanguage';
import type { TenantSettings, TenantSettingsStore } from '../settings/tenantSettings';
import { translate, type TranslatorDeps } from '../translator';
import { ConversationFacts } from './conversationFacts';
import { planTranslation } from './translationPlan';

export interface TranslationWorkerDeps {
  nc: NatsConnection;
  translator: TranslatorDeps;
  settings: TenantSettingsStore;
  detector: LanguageDetector;
  defaultProvider: string;
  conversationAddress: string;
  presenceAddress: string;
  logger: Logger;
  /** A failed translation is tried this many times in all, with growing delays. */
  maxAttempts: number;
  /** Name of the durable consumer shared by every replica. */
  durable?: string;
}

const ACTOR = 'translation';

interface TranslationContext {
  tenantId: string;
  conversationId: string;
  settings: TenantSettings;
  provider: string;
  /** Updated as messages change it, so the next message of the same event sees it. */
  customerLanguage: string;
  agentLanguage: string;
  messages: Message[];
}
const RETRY_DELAYS_MS = [2_000, 10_000, 60_000, 300_000];
/** How many of the customer's latest messages a newly assigned agent gets translated. */
const CATCH_UP_MESSAGES = 20;

/**
 * Translates conversations as their messages are posted. One durable
 * JetStream consumer is shared by every replica, so each message is handled
 * by one of them; a message is acknowledged only once its outcome is
 * recorded on the conversation. A provider failure is recorded (the
 * original stays visible) and the message is redelivered later; the
 * translation recorded on a later attempt follows it.
 */
export class TranslationWorker {
  private readonly consumers: { stop(): void }[] = [];
  private readonly conversation: ConversationServiceClient;
  private readonly presence: PresenceServiceClient;
  private readonly facts: ConversationFacts;

  constructor(private readonly deps: TranslationWorkerDeps) {
    this.conversation = createGrpcClient(ConversationServiceClient, deps.conversationAddress);
    this.presence = createGrpcClient(PresenceServiceClient, deps.presenceAddress);
    this.facts = new ConversationFacts(async (tenantId, agentId) => {
      const p = this.presence;
      const agent = await unary(p, p.getAgent, { agentId }, { tenantId, actorId: ACTOR }).catch(() => undefined);
      return agent?.agent?.profile?.languages[0] ?? '';
    });
  }

  async start(): Promise<void> {
    const durable = this.deps.durable ?? 'translation-worker';
    const common = { ackWaitMs: 30_000, maxDeliver: this.deps.maxAttempts + 1, retryDelaysMs: RETRY_DELAYS_MS, logger: this.deps.logger };
    this.consumers.push(
      await startWorkConsumer(this.deps.nc, { ...common, durable, filterSubject: eventFilter({ context: 'conversation', eventType: 'MessagePosted' }), pending: 'message not translated' }, (item) =>
        this.translatePosted(item),
      ),
      // A customer may write before any agent holds the conversation: then there is nobody to translate for
      // yet, and those messages are translated when an agent is assigned (or takes it over by transfer).
      await startWorkConsumer(
        this.deps.nc,
        { ...common, ackWaitMs: 60_000, durable: `${durable}-assignments`, filterSubject: eventFilter({ context: 'conversation', eventType: 'AgentAssigned' }), pending: 'earlier messages not translated for the new agent' },
        (item) => this.translateForAssignee(item),
      ),
    );
  }

  async stop(): Promise<void> {
    for (const c of this.consumers) c.stop();
    this.conversation.close();
    this.presence.close();
  }

  private async translatePosted({ tenantId, data, attempt }: WorkItem): Promise<WorkOutcome> {
    return (await this.translateMessage(tenantId, MessagePosted.fromJSON(data), attempt)) ? 'done' : 'retry';
  }

  /** An agent took the conversation: the customer's latest messages are translated for them (each language once). */
  private async translateForAssignee({ tenantId, data, attempt }: WorkItem): Promise<WorkOutcome> {
    const { conversationId } = AgentAssigned.fromJSON(data);
    const context = await this.contextOf(tenantId, conversationId);
    if (!context) return 'done';
    const earlier = context.messages.filter((msg) => msg.authorKind === AuthorKind.AUTHOR_KIND_CUSTOMER && msg.text.trim() !== '').slice(-CATCH_UP_MESSAGES);
    let done = true;
    for (const message of earlier) done = (await this.translateIn(context, message, attempt, false)) && done;
    return done ? 'done' : 'retry';
  }

  /**
   * What translating in a conversation needs, read once per event however many messages it covers:
   * the tenant's settings, the conversation (whose customer language a message may change) and the
   * language of the agent who holds it. Undefined when nothing is to be translated.
   */
  private async contextOf(tenantId: string, conversationId: string): Promise<TranslationContext | undefined> {
    const settings = await this.deps.settings.get(tenantId);
    const provider = settings.provider || this.deps.defaultProvider;
    if (!settings.enabled || provider === 'off') return undefined;
    const as = { tenantId, actorId: ACTOR };
    const c = this.conversation;
    const { conversation, messages } = await unary(c, c.getConversation, { conversationId, includeNotes: false }, as);
    if (!conversation) return undefined;
    const agentLanguage = conversation.assignedAgentId ? await this.facts.agentLanguage(tenantId, conversation.assignedAgentId) : '';
    return { tenantId, conversationId, settings, provider, customerLanguage: conversation.language, agentLanguage, messages };
  }

  /** True when the outcome is recorded for good; false to try again later. */
  private async translateMessage(tenantId: string, posted: MessagePosted, attempt: number): Promise<boolean> {
    const message = posted.message;
    if (!message || message.text.trim() === '') return true;
    const context = posted.customerLanguage ? await this.contextFromEvent(tenantId, posted, message) : await this.contextOf(tenantId, posted.conversationId);
    return context ? this.translateIn(context, message, attempt) : true;
  }

  /** The context from the event itself (events recorded since MessagePosted carries the customer language and agent). */
  private async contextFromEvent(tenantId: string, posted: MessagePosted, message: Message): Promise<TranslationContext | undefined> {
    const settings = await this.deps.settings.get(tenantId);
    const provider = settings.provider || this.deps.defaultProvider;
    if (!settings.enabled || provider === 'off') return undefined;
    const { conversationId } = posted;
    const customerLanguage = this.facts.customerLanguage(tenantId, conversationId, message.revision, posted.customerLanguage);
    const agentLanguage = posted.assignedAgentId ? await this.facts.agentLanguage(tenantId, posted.assignedAgentId) : '';
    return { tenantId, conversationId, settings, provider, customerLanguage, agentLanguage, messages: [] };
  }

  /**
   * `followCustomerLanguage`: whether a language detected in this message becomes the customer's. Only as
   * messages arrive; catching up on earlier ones for a new agent must not take the customer back in time.
   */
  private async translateIn(context: TranslationContext, message: Message, attempt: number, followCustomerLanguage = true): Promise<boolean> {
    const { tenantId, settings, provider, agentLanguage } = context;
    const as = { tenantId, actorId: ACTOR };
    const c = this.conversation;
    const plan = planTranslation({
      authorKind: message.authorKind,
      messageLanguage: message.language,
      detected: this.deps.detector.detect(message.text)?.language,
      customerLanguage: context.customerLanguage,
      agentLanguage,
    });
    if (plan.customerLanguage && followCustomerLanguage) {
      const changed = await unary(c, c.changeCustomerLanguage, { conversationId: context.conversationId, language: plan.customerLanguage, detected: plan.customerLanguageDetected ?? true }, as);
      context.customerLanguage = plan.customerLanguage;
      this.facts.languageSet(tenantId, context.conversationId, plan.customerLanguage, changed.result?.revision ?? message.revision + 1);
    }
    if (!plan.translate) return true;
    const record = (r: { text?: string; provider: string; failure?: string; detail?: string }) =>
      unary(
        c,
        c.recordTranslation,
        {
          conversationId: context.conversationId,
          messageId: message.messageId,
          sourceLanguage: plan.translate!.source,
          targetLanguage: plan.translate!.target,
          text: r.text ?? '',
          provider: r.provider,
          failure: r.failure ?? '',
          detail: (r.detail ?? '').slice(0, 500),
        },
        as,
      );
    let result;
    try {
      const canned = message.cannedResponseId ? await this.deps.settings.getCanned(tenantId, message.cannedResponseId) : undefined;
      result = await translate(this.deps.translator, { provider, glossary: settings.glossary }, { text: message.text, ...plan.translate, canned });
    } catch (err) {
      // Bad input or a pair the provider does not offer: retrying cannot help. Record why, and stop.
      if (isDomainError(err) && err.code === 'validation') {
        await record({ provider, failure: 'unsupported_pair', detail: err.message });
        return true;
      }
      throw err;
    }
    if (result.status === 'translated') await record({ text: result.text, provider: result.provider });
    else if (result.status === 'canned') await record({ text: result.text, provider: 'canned' });
    else if (result.status === 'failed') {
      // Recorded on the first failure only; the translation follows when a retry succeeds.
      if (attempt === 1) await record({ provider, failure: result.error.kind.replace(/[^a-z0-9_-]/g, '_').slice(0, 32) || 'failed', detail: result.error.message });
      return attempt > this.deps.maxAttempts;
    }
    return true;
  }
}
