import { IllegalStateError } from '@contactcenter/infra/errors';
import type { ChannelName, StrategyName } from './policy';

/**
 * The claim routing holds on a waiting conversation, shared by every replica.
 * - `reserving`: a replica is reserving `reservedFor`'s capacity and will
 *   assign or offer; if it dies, the claim expires and another replica
 *   releases that reservation unless the conversation went to that agent.
 *   When it assigns without an offer, the claim stays as it is until its
 *   feed shows the assignment, and is then deleted (no `assigned` write).
 * - `offered`: waiting for one of `agentIds` to accept until `expiresAt`.
 * - `accepting`: `acceptingAgent` won and is being assigned.
 * - `assigned`: an accepted offer (or another region's agent) got the
 *   conversation; the record stays until the feed has seen the assignment, so
 *   no replica routes the conversation again meanwhile, and is then deleted.
 * - `idle`: no offer out; only the memory of who declined.
 */
export interface OfferRecord {
  tenantId: string;
  conversationId: string;
  queueId: string;
  channel: ChannelName;
  language: string;
  strategy: StrategyName;
  state: 'idle' | 'reserving' | 'offered' | 'accepting' | 'assigned';
  agentIds: string[];
  /** The agent whose capacity is held for this offer ('' for manual pick until someone accepts). */
  reservedFor: string;
  acceptingAgent: string;
  /** Agents who declined or let an offer expire; routing passes them over. */
  declined: string[];
  /** Epoch ms. */
  expiresAt: number;
  /** When the conversation entered the queue this offer serves: tells this waiting spell from a later one. */
  queuedAt: number;
  /** The decision (proto JSON of AssignmentDecision) to record when assigned. */
  decision: unknown;
  /** Replica that last wrote it, for logs. */
  by: string;
}

/** An offer that keeps routing off the conversation: out and not expired, or settled by an assignment. */
export const isActive = (o: OfferRecord | undefined, now: number): boolean => !!o && (o.state === 'assigned' || (o.state !== 'idle' && o.expiresAt > now));

/**
 * Checks that `agentId` may accept the offer now.
 * @throws IllegalStateError (FAILED_PRECONDITION) naming why not; nothing changes.
 */
export function requireAcceptable(offer: OfferRecord | undefined, conversationId: string, agentId: string, now: number): OfferRecord {
  if (!offer || offer.state === 'idle') throw new IllegalStateError(`conversation "${conversationId}" has no open offer: it was taken or withdrawn`);
  if (offer.state === 'assigned') {
    throw new IllegalStateError(offer.acceptingAgent === agentId ? `conversation "${conversationId}" is already yours` : `conversation "${conversationId}" went to another agent`);
  }
  if (!offer.agentIds.includes(agentId)) throw new IllegalStateError(`the offer of conversation "${conversationId}" went to another agent`);
  if (offer.state === 'accepting') {
    throw new IllegalStateError(offer.acceptingAgent === agentId ? `agent "${agentId}" is already accepting conversation "${conversationId}"` : `conversation "${conversationId}" was accepted by another agent`);
  }
  if (offer.state === 'reserving') throw new IllegalStateError(`the offer of conversation "${conversationId}" is not open yet; try again in a moment`);
  if (offer.expiresAt <= now) throw new IllegalStateError(`the offer of conversation "${conversationId}" to agent "${agentId}" expired`);
  return offer;
}

/**
 * A `reserving` claim that holds nobody's slot: it keeps the other replicas
 * off the conversation while this one acts on it elsewhere (follow-the-sun
 * reserving in another region, the sweep of unused reservations), and its
 * expiry, should this replica die, releases nothing here.
 */
export function slotlessClaim(
  of: Pick<OfferRecord, 'tenantId' | 'conversationId' | 'queueId' | 'channel' | 'language' | 'queuedAt'>,
  claim: { by: string; expiresAt: number; declined?: string[] },
): OfferRecord {
  const { tenantId, conversationId, queueId, channel, language, queuedAt } = of;
  return {
    tenantId, conversationId, queueId, channel, language, queuedAt, strategy: 'least_busy', state: 'reserving', agentIds: [], reservedFor: '',
    acceptingAgent: '', declined: claim.declined ?? [], expiresAt: claim.expiresAt, decision: null, by: claim.by,
  };
}

/**
 * What happens when an offer is withdrawn (declined, expired, or its replica
 * died): the conversation is free for routing again, the agents who had it
 * are passed over next time, and `release` names whose capacity to give back
 * (unless the conversation turns out to be theirs already).
 */
export function withdraw(offer: OfferRecord, by: string, decliners: readonly string[]): { next: OfferRecord; release: string } {
  const declined = [...new Set([...offer.declined, ...decliners])];
  const release = offer.reservedFor;
  return { next: { ...offer, state: 'idle', agentIds: [], reservedFor: '', acceptingAgent: '', declined, expiresAt: 0, decision: null, by }, release };
}
