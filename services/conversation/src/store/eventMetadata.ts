import type { ConversationEventMetadata } from '../conversation';

/** Metadata keys stored with every conversation event (string values: KurrentDB requires it). */
export const META = { tenant: 'tenant_id', actor: 'actor_id', conversation: 'conversation_id', request: 'request_id', trace: 'traceparent' } as const;

export const eventMetadataOf = (stored: Record<string, string>): ConversationEventMetadata => ({
  tenantId: stored[META.tenant] ?? '',
  actorId: stored[META.actor] ?? '',
});
