import { primaryLanguage } from '@contactcenter/infra';
import type { BusinessHours } from './businessHours';
import type { ChannelName } from './policy';

/**
 * Routing's view of an agent, as presence last reported it. Presence stays
 * the authority: a choice made on a stale view is caught when the capacity
 * reservation is refused, and routing tries the next candidate.
 */
export interface AgentView {
  agentId: string;
  /** Status accepts work, a connection is live, and the agent is on shift. */
  acceptsWork: boolean;
  onShift: boolean;
  /** Presence's words for why the agent takes no work ('' when it does). */
  unavailableReason: string;
  skills: ReadonlyMap<string, number>;
  /** Lower-case BCP 47 tags. */
  languages: readonly string[];
  /** Their primary subtags ("pt" for "pt-br"), precomputed: routing asks for every agent of every decision. */
  primaryLanguages?: ReadonlySet<string>;
  translationEnabled: boolean;
  teamIds: readonly string[];
  capacity: Readonly<Partial<Record<ChannelName, number>>>;
  load: Readonly<Partial<Record<ChannelName, number>>>;
  /** Epoch ms; 0 when unknown. */
  idleSince: number;
  lastAssignedAt: number;
  /** Conversations the agent holds a reservation for. */
  holds: ReadonlySet<string>;
  /** Presence's revision of this state (0 or absent: unknown): an older answer or event never overwrites a newer one. */
  revision?: number;
  /** Their shift calendar, to tell who is on shift at any instant (follow-the-sun); absent: always, or `onShift` says. */
  hours?: BusinessHours;
}

export const loadOn = (a: AgentView, channel: ChannelName): number => a.load[channel] ?? 0;
export const capacityOn = (a: AgentView, channel: ChannelName): number => a.capacity[channel] ?? 0;
export const spareOn = (a: AgentView, channel: ChannelName): number => capacityOn(a, channel) - loadOn(a, channel);

/** Whether the agent reads `language` (a BCP 47 tag) without translation: same primary language. */
export function speaks(a: AgentView, language: string, primary = language && primaryLanguage(language)): boolean {
  if (language === '') return true;
  return a.primaryLanguages ? a.primaryLanguages.has(primary) : a.languages.some((l) => primaryLanguage(l) === primary);
}

