import { NotFoundError, unary } from '@contactcenter/infra';
import type { Conversation, ConversationServiceClient, GetConversationResponse } from '@contactcenter/proto/conversation/v1';
import type { FastifyRequest } from 'fastify';
import { callOptions, type Principal } from '../plugins/auth';
import { ConversationOwners } from '../realtime/conversationOwners';

/**
 * The conversation if it is the visitor's own (their customer id); 404
 * otherwise, exactly like one that does not exist, so nothing about other
 * customers' conversations leaks.
 */
export async function ownConversation(
  client: ConversationServiceClient,
  request: FastifyRequest,
  p: Principal,
  conversationId: string,
): Promise<GetConversationResponse & { conversation: Conversation }> {
  const res = await unary(client, client.getConversation, { conversationId, includeNotes: false }, callOptions(request, p)).catch((err: unknown) => {
    throw err instanceof NotFoundError ? new NotFoundError('conversation', conversationId) : err;
  });
  if (res.conversation?.customerId !== p.subject) throw new NotFoundError('conversation', conversationId);
  return res as GetConversationResponse & { conversation: Conversation };
}

/**
 * Whose each conversation is, for the visitor routes that need nothing else
 * (posting a message, queue position, surveys) and for the real-time
 * sockets: one bounded cache per gateway process of conversation → customer,
 * which never changes, so a visitor's message costs one gRPC call instead of
 * two and does not load the whole timeline.
 */
export const conversationOwnersOf = (client: ConversationServiceClient): ConversationOwners =>
  new ConversationOwners({
    fetch: async (tenantId, conversationId) =>
      (await unary(client, client.getConversation, { conversationId, includeNotes: false }, { tenantId, actorId: 'gateway' })).conversation?.customerId,
  });

/** Resolves when the conversation is the visitor's own; NOT_FOUND otherwise, as for one that does not exist. */
export async function requireOwn(owners: ConversationOwners, p: Principal, conversationId: string): Promise<void> {
  if ((await owners.customerOf(p.tenantId, conversationId)) !== p.subject) throw new NotFoundError('conversation', conversationId);
}
