import { NotFoundError, unary } from '@contactcenter/infra';
import type { Conversation, ConversationServiceClient, GetConversationResponse } from '@contactcenter/proto/conversation/v1';
import type { FastifyRequest } from 'fastify';
import { callOptions, type Principal } from '../plugins/auth';

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
