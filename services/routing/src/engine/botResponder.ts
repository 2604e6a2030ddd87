import { answer, greet, handover, type BotIntent } from '../domain/bot';
import type { FaqEntry } from '../domain/faq';
import type { ConversationFacts } from './conversationFeed';

/** The calls the bot makes to the conversation service (Peers in production). */
export interface BotPeer {
  postBotMessage(tenantId: string, conversationId: string, clientMessageId: string, text: string, language: string): Promise<void>;
  convertToTicket(tenantId: string, conversationId: string): Promise<void>;
}

export interface BotResponderDeps {
  peer: BotPeer;
  /** The tenant's FAQ entries. */
  faq: (tenantId: string) => Promise<readonly FaqEntry[]>;
  /** The conversation's expected wait in seconds, undefined when nobody who could take it is working. */
  estimate: (tenantId: string, conversationId: string) => Promise<number | undefined>;
}

const key = (f: Pick<ConversationFacts, 'tenantId' | 'conversationId'>) => `${f.tenantId}/${f.conversationId}`;

/**
 * The bot speaks where customers wait for an answer in real time (chat,
 * messaging apps). An email is answered by a person within the queue's
 * service level; a chat-style greeting and FAQ answers by return mail would
 * only fill the customer's inbox.
 */
const speaksOn = (facts: Pick<ConversationFacts, 'channel'>): boolean => facts.channel !== 'email';

/**
 * The after-hours bot: greets a waiting conversation once nobody who could
 * take it is working (with the expected wait, or the offer of a ticket),
 * answers the customer from the tenant's FAQ meanwhile (or opens a ticket
 * when asked), and says so when an agent takes over a conversation it spoke
 * in. What to say comes from domain/bot.ts; each message's client id makes a
 * repeat by another replica a no-op at the conversation service.
 */
export class BotResponder {
  private readonly greeted = new Set<string>();

  constructor(private readonly deps: BotResponderDeps) {}

  /** Nobody who could take the conversation is working: greet it, once per waiting spell. */
  async afterHours(facts: ConversationFacts): Promise<void> {
    if (!speaksOn(facts)) return;
    const k = key(facts);
    if (this.greeted.has(k)) return;
    this.greeted.add(k);
    await this.say(facts, [greet(facts.language, await this.deps.estimate(facts.tenantId, facts.conversationId))]);
  }

  /** The customer wrote while waiting after hours. */
  async customerMessage(facts: ConversationFacts, message: { messageId: string; text: string }): Promise<void> {
    if (!speaksOn(facts)) return;
    await this.say(facts, answer(await this.deps.faq(facts.tenantId), message, facts.language, facts.ticketOpen));
  }

  /** An agent took the conversation: if the bot spoke in it, it says a human is here. */
  async assigned(facts: ConversationFacts, assignment: string): Promise<void> {
    if (facts.botSpoke) await this.say(facts, [handover(facts.language, assignment)]);
  }

  /** The waiting spell ended (assigned, closed): a later one is greeted afresh. */
  forget(tenantId: string, conversationId: string): void {
    this.greeted.delete(`${tenantId}/${conversationId}`);
  }

  private async say(facts: ConversationFacts, intents: BotIntent[]): Promise<void> {
    for (const intent of intents) {
      if (intent.kind === 'ticket') await this.deps.peer.convertToTicket(facts.tenantId, facts.conversationId);
      await this.deps.peer.postBotMessage(facts.tenantId, facts.conversationId, intent.clientMessageId, intent.text, facts.language);
    }
  }
}
