import { ValidationError } from '@contactcenter/infra/errors';
import { requireId } from './validation';

const prefix = 'conversation-';
const streamIdPattern = /^conversation-([A-Za-z0-9_-]+):([A-Za-z0-9_-]+)$/;

/**
 * The event-store stream of one conversation: `conversation-<tenant>:<id>`.
 * Both parts are checked to hold only `[A-Za-z0-9_-]`, so ':' cannot occur in
 * either and no two (tenant, id) pairs share a stream — with a '-' separator,
 * tenant `a-b` + id `c` and tenant `a` + id `b-c` would collide. The category
 * (before the first '-') is `conversation`, as KurrentDB's `$ce-` expects.
 *
 * @example
 *   conversationStreamId('acme', '01J9Z3');   // 'conversation-acme:01J9Z3'
 */
export function conversationStreamId(tenantId: string, conversationId: string): string {
  return `${prefix}${requireId('tenant_id', tenantId)}:${requireId('conversation_id', conversationId)}`;
}

/** The inverse of conversationStreamId, e.g. for the relay's NATS subject. */
export function parseConversationStreamId(streamId: string): { tenantId: string; conversationId: string } {
  const match = streamIdPattern.exec(streamId);
  if (!match || match[1] === undefined || match[2] === undefined) {
    throw new ValidationError('stream_id', `not a conversation stream: ${JSON.stringify(streamId)}`);
  }
  return { tenantId: match[1], conversationId: match[2] };
}
