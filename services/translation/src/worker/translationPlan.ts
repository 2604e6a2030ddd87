import { AuthorKind } from '@contactcenter/proto/conversation/v1';
import { sameLanguage } from '@contactcenter/infra';

/** What the translation service knows when a message is posted. */
export interface MessageContext {
  authorKind: AuthorKind;
  /** The language the message was posted with ('' when the client did not say). */
  messageLanguage: string;
  /** What offline detection made of the text (undefined when too short or ambiguous). */
  detected: string | undefined;
  /** The conversation's customer language ('' when unknown). */
  customerLanguage: string;
  /** The language of the agent who holds the conversation (their first), '' when nobody holds it. */
  agentLanguage: string;
}

/** What to do with one posted message. */
export interface TranslationPlan {
  /** The customer's language changed (chosen in the message, or detected): record it. */
  customerLanguage?: string;
  customerLanguageDetected?: boolean;
  /** Translate from → to; absent when nothing needs translating. */
  translate?: { source: string; target: string };
}

/**
 * The translation service's decision for one message, as a pure function:
 * customer messages follow the customer's language (a switch mid-conversation
 * included) and are translated for the agent; agent replies are translated
 * for the customer. Bot and system messages are written in the customer's
 * language already. Nothing is translated between variants of one language.
 */
export function planTranslation(m: MessageContext): TranslationPlan {
  if (m.authorKind === AuthorKind.AUTHOR_KIND_CUSTOMER) {
    const language = m.messageLanguage || m.detected || m.customerLanguage;
    const plan: TranslationPlan = {};
    if (language && !(m.customerLanguage && sameLanguage(language, m.customerLanguage))) {
      plan.customerLanguage = language;
      plan.customerLanguageDetected = !m.messageLanguage;
    }
    if (language && m.agentLanguage && !sameLanguage(language, m.agentLanguage)) plan.translate = { source: language, target: m.agentLanguage };
    return plan;
  }
  if (m.authorKind === AuthorKind.AUTHOR_KIND_AGENT) {
    const source = m.messageLanguage || m.agentLanguage || m.detected || '';
    if (source && m.customerLanguage && !sameLanguage(source, m.customerLanguage)) return { translate: { source, target: m.customerLanguage } };
  }
  return {};
}
