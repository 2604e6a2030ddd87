import { homeRegionOf } from '@contactcenter/infra/regions';
import type { RegionOutcome, RegionState } from './crossRegionView';

/**
 * An agent's own conversations over every region (multi-region mode): with
 * follow-the-sun, routing in a conversation's home region may give it to an
 * agent of another region, and the conversation stays where it lives. Each
 * region lists the ones it holds for the agent; this pure function merges
 * them. A region that did not answer is named in `regions` (with why) and its
 * conversations are missing: `complete` says so, the list still comes.
 *
 * @example
 *   mergeAgentConversations('us', ['eu', 'us'], [{ region: 'us', status: 'ok', answer: [us1] }, { region: 'eu', status: 'unavailable', reason: '…' }]);
 *   // → { region: 'us', complete: false, regions: [{ region: 'us', status: 'ok' }, { region: 'eu', status: 'unavailable', reason: '…' }], conversations: [{ ...us1, homeRegion: 'us' }] }
 */

export type WithHomeRegion<C> = C & { homeRegion: string };

export interface AgentConversationsAcrossRegions<C> {
  /** The region that answered: its socket follows another region's conversation only when it is named to it, and SSE never does. */
  region: string;
  complete: boolean;
  regions: RegionState[];
  conversations: WithHomeRegion<C>[];
}

/**
 * Each conversation once (this region's answer first), marked with the
 * region it lives in: its id's prefix, or, for an id from before regions,
 * the region that listed it (where such an id is served).
 */
export function mergeAgentConversations<C extends { conversationId?: string }>(
  region: string,
  regions: readonly string[],
  outcomes: readonly RegionOutcome<readonly C[]>[],
): AgentConversationsAcrossRegions<C> {
  const seen = new Set<string>();
  const conversations: WithHomeRegion<C>[] = [];
  for (const o of outcomes) {
    if (o.status !== 'ok') continue;
    for (const c of o.answer) {
      const id = c.conversationId ?? '';
      if (seen.has(id)) continue;
      seen.add(id);
      conversations.push({ ...c, homeRegion: homeRegionOf(id, regions) ?? o.region });
    }
  }
  return {
    region,
    complete: outcomes.every((o) => o.status === 'ok'),
    regions: outcomes.map((o) => ({ region: o.region, status: o.status, ...(o.status === 'unavailable' && o.reason ? { reason: o.reason } : {}) })),
    conversations,
  };
}
