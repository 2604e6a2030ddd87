import { capacityOn, loadOn, type AgentView } from './agentView';
import type { Exclusion, Requirement } from './eligibility';
import { CHANNELS, type ChannelName, type StrategyName } from './policy';
import { RequirementStanding, type Eligibility } from './requirementStanding';
import { TopK, type Ranking } from './strategy';

export type { Eligibility } from './requirementStanding';

/** Counts one decision's outcome while agents are looked at. */
export class EligibilityTally {
  readonly excluded: Partial<Record<Exclusion, number>> = {};
  fitWorking = 0;
  private readonly natives: TopK<AgentView>;
  private readonly translators: TopK<AgentView>;

  constructor(k: number, rank: Ranking) {
    this.natives = new TopK(k, rank);
    this.translators = new TopK(k, rank);
  }

  eligible(agent: AgentView, viaTranslation: boolean): void {
    (viaTranslation ? this.translators : this.natives).add(agent);
    this.fitWorking++;
  }

  exclude(why: Exclusion): void {
    this.excluded[why] = (this.excluded[why] ?? 0) + 1;
  }

  result(): Eligibility {
    return { natives: this.natives.best(), translators: this.translators.best(), nativeCount: this.natives.seen, translatorCount: this.translators.seen, excluded: this.excluded, fitWorking: this.fitWorking };
  }
}

/** Distinct requirements whose standings are kept (queues × languages × teams); the least recently used goes first. */
const MAX_FIT_LISTS = 512;

export const requirementKey = (req: Requirement): string =>
  `${req.channel}|${req.teamId}|${req.primaryLanguage}|${req.skills.map((s) => `${s.name}>=${s.minLevel}`).join(',')}`;

const sameList = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Whether two views of an agent fit the same requirements (profile unchanged; status and load may differ). */
function sameFit(a: AgentView, b: AgentView): boolean {
  if (a.translationEnabled !== b.translationEnabled || !sameList(a.teamIds, b.teamIds) || !sameList(a.languages, b.languages)) return false;
  if (CHANNELS.some((ch) => capacityOn(a, ch) !== capacityOn(b, ch))) return false;
  if (a.skills.size !== b.skills.size) return false;
  for (const [name, level] of a.skills) if (b.skills.get(name) !== level) return false;
  return true;
}

/**
 * The agents of one tenant as routing decides on them, with what makes a
 * decision cheap kept up to date as agents change instead of recomputed per
 * decision: for each requirement routing met (channel, team, skills,
 * language), every agent's standing (RequirementStanding: who fits, judged
 * once per profile change; who of those is free now; why the others are
 * not), so a decision ranks only the free ones; and per channel, the free
 * slots and working agents. Pure: the caller feeds it views.
 *
 * `version` moves on every change that could let a waiting conversation be
 * served; a "wait" verdict holds until it moves.
 */
export class AgentPool {
  private readonly slots: (AgentView | undefined)[] = [];
  private readonly slotOf = new Map<string, number>();
  private readonly freeSlotIds: number[] = [];
  private readonly standings = new Map<string, RequirementStanding>();
  private readonly free = new Map<ChannelName, number>();
  private readonly working = new Map<ChannelName, number>();
  version = 0;

  get size(): number {
    return this.slotOf.size;
  }

  get(agentId: string): AgentView | undefined {
    const slot = this.slotOf.get(agentId);
    return slot === undefined ? undefined : this.slots[slot];
  }

  *values(): IterableIterator<AgentView> {
    for (const view of this.slots) if (view) yield view;
  }

  /** Free slots on the channel among agents accepting work. */
  freeOn(channel: ChannelName): number {
    return this.free.get(channel) ?? 0;
  }

  /** Agents accepting work who serve the channel (capacity above 0). */
  workingOn(channel: ChannelName): number {
    return this.working.get(channel) ?? 0;
  }

  /**
   * Puts the agent's latest view. `quiet`: a change that can only make
   * agents less available (a reservation counted ahead of presence), which
   * leaves every "wait" verdict standing.
   */
  set(view: AgentView, options: { quiet?: boolean } = {}): void {
    let slot = this.slotOf.get(view.agentId);
    const old = slot === undefined ? undefined : this.slots[slot];
    if (old) this.count(old, -1);
    if (slot === undefined) {
      slot = this.freeSlotIds.pop() ?? this.slots.length;
      this.slotOf.set(view.agentId, slot);
    }
    this.slots[slot] = view;
    this.count(view, 1);
    const refit = !old || !sameFit(old, view);
    for (const standing of this.standings.values()) {
      if (!old) standing.add(slot, view);
      else if (refit) (standing.remove(slot, old), standing.add(slot, view));
      else standing.update(slot, old, view);
    }
    if (!options.quiet) this.version++;
  }

  delete(agentId: string): void {
    const slot = this.slotOf.get(agentId);
    if (slot === undefined) return;
    const old = this.slots[slot]!;
    this.count(old, -1);
    for (const standing of this.standings.values()) standing.remove(slot, old);
    this.slots[slot] = undefined;
    this.slotOf.delete(agentId);
    this.freeSlotIds.push(slot);
    this.version++;
  }

  /**
   * Judges every agent for the requirement, as `judge` would one by one:
   * declined first, then not accepting work, then not fitting, then at
   * capacity. Only the best few agents free to take it are read (kept in the
   * strategy's order); everyone else was counted as they changed.
   */
  eligibility(req: Requirement, declined: ReadonlySet<string>, k: number, strategy: StrategyName): Eligibility {
    return this.standingFor(req).eligibility(this.slotOf, declined, k, strategy);
  }

  private standingFor(req: Requirement): RequirementStanding {
    const key = requirementKey(req);
    let standing = this.standings.get(key);
    if (standing) {
      // Most recently used last: the first is the one to forget.
      this.standings.delete(key);
      this.standings.set(key, standing);
      return standing;
    }
    standing = new RequirementStanding(req, this.slots);
    this.slots.forEach((view, slot) => view && standing!.add(slot, view));
    this.standings.set(key, standing);
    if (this.standings.size > MAX_FIT_LISTS) this.standings.delete(this.standings.keys().next().value!);
    return standing;
  }

  private count(view: AgentView, sign: 1 | -1): void {
    if (!view.acceptsWork) return;
    for (const ch of CHANNELS) {
      const cap = capacityOn(view, ch);
      if (cap <= 0) continue;
      this.working.set(ch, (this.working.get(ch) ?? 0) + sign);
      this.free.set(ch, (this.free.get(ch) ?? 0) + sign * Math.max(0, cap - loadOn(view, ch)));
    }
  }
}
