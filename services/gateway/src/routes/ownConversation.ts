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
 * Ownership checks for the visitor routes that only need to know whose a
 * conversation is (posting a message, queue position, surveys): answered
 * from a bounded cache of conversation → customer, which never changes, so
 * a visitor's message costs one gRPC call instead of two and does not load
 * the whole timeline.
 */
export function visitorOwnership(client: ConversationServiceClient): {
  require(request: FastifyRequest, p: Principal, conversationId: string): Promise<void>;
  learn(tenantId: string, conversationId: string, customerId: string): void;
} {
  const owners = new ConversationOwners({
    fetch: async (tenantId, conversationId) =>
      (await unary(client, client.getConversation, { conversationId, includeNotes: false }, { tenantId, actorId: 'gateway' })).conversation?.customerId,
  });
  return {
    async require(request, p, conversationId) {
      if ((await owners.customerOf(p.tenantId, conversationId)) !== p.subject) throw new NotFoundError('conversation', conversationId);
    },
    learn: (tenantId, conversationId, customerId) => owners.learn(tenantId, conversationId, customerId),
  };
}
