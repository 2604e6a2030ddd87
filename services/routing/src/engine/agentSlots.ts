import { doublingDelay, sleepUnlessAborted, type Logger } from '@contactcenter/infra';
import { isDomainError } from '@contactcenter/infra/errors';
import type { Agent } from '@contactcenter/proto/presence/v1';
import { isActive, type OfferRecord } from '../domain/offer';
import type { ChannelName } from '../domain/policy';
import type { ConversationFacts } from './conversationFeed';
import type { SunFollower } from './sunFollower';

export interface AgentSlotsDeps {
  /** This region's presence. */
  presence: {
    reserve(tenantId: string, agentId: string, conversationId: string, channel: ChannelName): Promise<Agent | undefined>;
    release(tenantId: string, agentId: string, conversationId: string): Promise<Agent | undefined>;
  };
  /** Presence's answer taken as the agent's latest state. */
  apply: (tenantId: string, agent: Agent | undefined) => void;
  /** Follow-the-sun; absent with one region. */
  sun?: Pick<SunFollower, 'enabled' | 'isRemote' | 'release' | 'holdElsewhere'>;
  /** The agent now holding the conversation was found to work in `region` (the feed's facts learn it). */
  placed: (tenantId: string, conversationId: string, agentId: string, region: string) => void;
  logger: Logger;
}

/** About two minutes of retries: 0.2, 0.4, ... then every 5 s. */
const RELEASE_ATTEMPTS = 30;
const RELEASE_BACKOFF_MS = { min: 200, max: 5_000 };

/**
 * Agents' slots in presence for conversations routing did not reserve itself
 * (a transfer, an assignment by hand), and their release when a conversation
 * ends or changes hands, in the region where the agent works. A transfer
 * does not say where its agent works: this region's presence is asked first,
 * and only an agent it does not know is looked for in the other regions.
 */
export class AgentSlots {
  private readonly stopping = new AbortController();

  constructor(private readonly deps: AgentSlotsDeps) {}

  /** Counts the conversation against the agent's capacity wherever they work; a refusal (away, at capacity) leaves it uncounted. */
  async hold(tenantId: string, agentId: string, conversationId: string, channel: ChannelName): Promise<void> {
    const { presence, apply, sun, placed } = this.deps;
    try {
      apply(tenantId, await presence.reserve(tenantId, agentId, conversationId, channel));
      return;
    } catch (err) {
      if (!sun?.enabled || !isDomainError(err) || err.code !== 'not_found') return;
    }
    const region = await sun.holdElsewhere(tenantId, agentId, conversationId, channel);
    if (region) placed(tenantId, conversationId, agentId, region);
    else this.deps.logger.warn({ tenant_id: tenantId, conversation_id: conversationId, agent_id: agentId }, 'no region knows the agent the conversation was given to; their slot is not counted');
  }

  /**
   * The agent no longer holds the conversation: their slot back, in their region. Every replica releases alike;
   * presence makes a second release a no-op. A release presence did not answer (a replica restarting, a connection
   * cut) is asked again with backoff: a lost one would keep the agent's slot taken for good, and agents at capacity
   * are offered nothing. Presence refusing it (an agent deleted since) ends it.
   */
  async release(tenantId: string, agentId: string, conversationId: string, agentRegion = ''): Promise<void> {
    const { presence, apply, sun, logger } = this.deps;
    if (sun?.isRemote(agentRegion)) return sun.release(agentRegion, tenantId, agentId, conversationId);
    for (let attempt = 1; ; attempt++) {
      try {
        apply(tenantId, await presence.release(tenantId, agentId, conversationId));
        if (attempt > 1) logger.info({ tenant_id: tenantId, agent_id: agentId, conversation_id: conversationId, attempt }, 'slot released after a retry');
        return;
      } catch (err) {
        if (isDomainError(err) && err.code !== 'unavailable') return;
        if (attempt >= RELEASE_ATTEMPTS || this.stopping.signal.aborted) {
          logger.error({ err, tenant_id: tenantId, agent_id: agentId, conversation_id: conversationId, attempt }, "agent's slot not released: presence did not answer");
          return;
        }
        await sleepUnlessAborted(doublingDelay(attempt, RELEASE_BACKOFF_MS), this.stopping.signal);
      }
    }
  }

  /** Ends the retries under way (shutdown): another replica, or this one restarted, releases alike. */
  stop(): void {
    this.stopping.abort();
  }
}

/**
 * Which agent holds a conversation ('' nobody), as this replica knows: the
 * feed's assignee, or the agent this region's routing just assigned (the
 * feed may not show it yet). Undefined while a claim on it is in flight.
 * Another region asks this before it releases a slot it holds for the conversation.
 */
export function conversationHolder(facts: Pick<ConversationFacts, 'agentId'> | undefined, offer: OfferRecord | undefined, now: number): string | undefined {
  if (facts?.agentId) return facts.agentId;
  if (offer?.state === 'assigned') return offer.acceptingAgent;
  return offer && offer.state !== 'idle' && isActive(offer, now) ? undefined : '';
}
