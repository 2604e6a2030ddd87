import { NotFoundError, unary, type CallOptions } from '@contactcenter/infra';
import type { Conversation } from '@contactcenter/proto/conversation/v1';
import type { Peers } from '../peers';
import type { CustomerProfiles } from '../store/customerProfiles';
import { cannedVersion } from './cannedVersion';
import { firstNameOf, placeholdersIn, renderPlaceholders, type PlaceholderName, type PlaceholderValues } from './placeholders';

export interface CannedReplyRequest {
  conversationId: string;
  cannedResponseId: string;
  /** The agent sending it: their display name fills `{{agent.name}}`. */
  agentId: string;
  /** The agent's own wording of the canned response, if they edited it; else the stored version is sent. */
  text?: string;
  language?: string;
}

/**
 * An agent's reply from one of the tenant's canned responses, with its
 * placeholders filled in (see placeholders.ts): the customer's name from the
 * customer profile the widget gave, the agent's display name from presence,
 * the conversation id. Without `text`, the version in the customer's language
 * is sent (else the agent's, else the first); the message keeps the canned
 * response id, so its other human versions still beat machine translation.
 *
 * @example
 *   const { text, language } = await replies.compose(callOptions(request, p), { conversationId, cannedResponseId: 'greeting', agentId: p.subject });
 */
export class CannedReplies {
  constructor(private readonly deps: { peers: Pick<Peers, 'conversation' | 'presence' | 'translation'>; profiles: CustomerProfiles }) {}

  /** @throws NotFoundError for a conversation or canned response the caller's tenant does not have. */
  async compose(call: CallOptions, r: CannedReplyRequest): Promise<{ text: string; language: string }> {
    const { conversation: c, translation: t } = this.deps.peers;
    const [found, listed] = await Promise.all([
      unary(c, c.getConversation, { conversationId: r.conversationId, includeNotes: false }, call),
      unary(t, t.listCannedResponses, {}, call),
    ]);
    const conversation = found.conversation!;
    const canned = listed.cannedResponses.find((x) => x.cannedResponseId === r.cannedResponseId);
    if (!canned) throw new NotFoundError('canned response', r.cannedResponseId);
    const template = r.text !== undefined ? { text: r.text, language: r.language ?? '' } : cannedVersion(canned.versions, [conversation.language, r.language ?? '']);
    // The translation service refuses a canned response without versions, so this is one saved around it.
    if (!template) throw new NotFoundError('canned response text', r.cannedResponseId);
    const values = await this.valuesFor(call, placeholdersIn(template.text), conversation, r.agentId);
    return { text: renderPlaceholders(template.text, values), language: template.language };
  }

  /** Looks up only what the template uses. */
  private async valuesFor(call: CallOptions, used: Set<PlaceholderName>, conversation: Conversation, agentId: string): Promise<PlaceholderValues> {
    const uses = (prefix: string) => [...used].some((n) => n.startsWith(prefix));
    const [profile, agentName] = await Promise.all([
      uses('customer.') ? this.deps.profiles.get(call.tenantId, conversation.customerId) : undefined,
      uses('agent.') ? this.agentName(call, agentId) : undefined,
    ]);
    return {
      'customer.name': profile?.name,
      'customer.first_name': firstNameOf(profile?.name),
      'customer.email': profile?.email,
      'agent.name': agentName,
      'agent.first_name': firstNameOf(agentName),
      'conversation.id': conversation.conversationId,
    };
  }

  /** The agent's display name, else their id (a supervisor or admin replying may have no agent profile). */
  private async agentName(call: CallOptions, agentId: string): Promise<string> {
    const p = this.deps.peers.presence;
    const res = await unary(p, p.getAgent, { agentId }, call).catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
    return res?.agent?.profile?.displayName.trim() || agentId;
  }
}
