import { capacityOn, loadOn, type AgentView } from './agentView';
import { judgeFit, type Exclusion, type Requirement, type Verdict } from './eligibility';
import type { StrategyName } from './policy';
import { RankedSlots } from './rankedSlots';
import { ranking } from './strategy';

/**
 * Who may take a conversation, as `route` needs it: the best `k` of the
 * eligible agents who speak its language and of those who would read it
 * translated, how many of each there are, why the others were left out, and
 * how many who fit are working (none: after hours).
 */
export interface Eligibility {
  natives: AgentView[];
  translators: AgentView[];
  nativeCount: number;
  translatorCount: number;
  excluded: Partial<Record<Exclusion, number>>;
  fitWorking: number;
}

/** Where an agent stands for a requirement: free to take it, or the reason it cannot (declines aside). */
type Standing = Exclusion | 'ready';

/** As `judge` decides, without declines: not at work first, then not fitting, then full. */
function standing(view: AgentView, fit: Verdict, req: Requirement): Standing {
  if (!view.acceptsWork) return view.onShift ? 'unavailable' : 'off_shift';
  if (!fit.ok) return fit.why;
  return loadOn(view, req.channel) >= capacityOn(view, req.channel) ? 'at_capacity' : 'ready';
}

/**
 * Agents free to take the requirement (natives, or translators): who they
 * are, and for each strategy asked for, the same agents in its order.
 */
class Ready {
  private readonly members = new Set<number>();
  private readonly ranked = new Map<StrategyName, RankedSlots>();

  constructor(private readonly views: readonly (AgentView | undefined)[]) {}

  get size(): number {
    return this.members.size;
  }

  has(slot: number): boolean {
    return this.members.has(slot);
  }

  add(slot: number): void {
    this.members.add(slot);
    for (const r of this.ranked.values()) r.add(slot);
  }

  remove(slot: number): void {
    this.members.delete(slot);
    for (const r of this.ranked.values()) r.remove(slot);
  }

  /** In the strategy's order (the order is kept from the first time a strategy is asked for). */
  by(strategy: StrategyName, channel: Requirement['channel']): RankedSlots {
    let r = this.ranked.get(strategy);
    if (!r) {
      this.ranked.set(strategy, (r = new RankedSlots(this.views, ranking(strategy, channel))));
      for (const slot of this.members) r.add(slot);
    }
    return r;
  }
}

/**
 * Every agent's standing for one requirement, kept up to date as agents
 * change: who fits it at all (judged again only when a profile changes),
 * who of those is free to take it now (by language: natives, translators;
 * kept in each strategy's order), and how many of the others are left out
 * for each reason. A decision then reads the best few free agents and the
 * counts, plus the few that declined: O(k log k), not O(agents).
 */
export class RequirementStanding {
  private readonly fit: (Verdict | undefined)[] = [];
  private readonly counted: (Standing | undefined)[] = [];
  private readonly natives: Ready;
  private readonly translators: Ready;
  private readonly excluded = new Map<Exclusion, number>();
  /** Agents at work who fit (free or full): none means after hours for this requirement. */
  private fitWorking = 0;

  /** `views`: the pool's agents by slot, as they are now (read when ranking). */
  constructor(
    readonly req: Requirement,
    views: readonly (AgentView | undefined)[],
  ) {
    this.natives = new Ready(views);
    this.translators = new Ready(views);
  }

  /** The agent joined the pool, or its profile changed (it is judged again). */
  add(slot: number, view: AgentView): void {
    this.fit[slot] = judgeFit(view, this.req);
    this.count(slot, view);
  }

  /** Its status or load changed, not its profile. */
  update(slot: number, before: AgentView, after: AgentView): void {
    this.uncount(slot, before);
    this.count(slot, after);
  }

  remove(slot: number, view: AgentView): void {
    this.uncount(slot, view);
    this.fit[slot] = undefined;
    this.counted[slot] = undefined;
  }

  /** As `judge` would decide agent by agent, ranking only the free ones: the best `k` by the strategy's order. */
  eligibility(slotOf: ReadonlyMap<string, number>, declined: ReadonlySet<string>, k: number, strategy: StrategyName): Eligibility {
    const counts: Partial<Record<Exclusion, number>> = {};
    for (const [why, n] of this.excluded) if (n > 0) counts[why] = n;
    let passedOver: Set<number> | undefined;
    for (const agentId of declined) {
      const slot = slotOf.get(agentId);
      const was = slot === undefined ? undefined : this.counted[slot];
      if (was === undefined) continue;
      // Who declined is counted as such, whatever else they are (a free one is not offered it).
      if (was === 'ready') (passedOver ??= new Set()).add(slot!);
      else if (--counts[was]! === 0) delete counts[was];
      counts.declined = (counts.declined ?? 0) + 1;
    }
    const skip = passedOver && ((slot: number) => passedOver!.has(slot));
    const free = (ready: Ready) => {
      let n = ready.size;
      for (const slot of passedOver ?? []) if (ready.has(slot)) n--;
      return n;
    };
    return {
      natives: this.natives.by(strategy, this.req.channel).best(k, skip),
      translators: this.translators.by(strategy, this.req.channel).best(k, skip),
      nativeCount: free(this.natives),
      translatorCount: free(this.translators),
      excluded: counts,
      fitWorking: this.fitWorking,
    };
  }

  private count(slot: number, view: AgentView): void {
    const fit = this.fit[slot]!;
    const s = standing(view, fit, this.req);
    this.counted[slot] = s;
    if (s === 'ready') (fit.ok && fit.viaTranslation ? this.translators : this.natives).add(slot);
    else this.excluded.set(s, (this.excluded.get(s) ?? 0) + 1);
    if (fit.ok && view.acceptsWork) this.fitWorking++;
  }

  private uncount(slot: number, view: AgentView): void {
    const fit = this.fit[slot]!;
    const s = this.counted[slot]!;
    if (s === 'ready') (fit.ok && fit.viaTranslation ? this.translators : this.natives).remove(slot);
    else this.excluded.set(s, this.excluded.get(s)! - 1);
    if (fit.ok && view.acceptsWork) this.fitWorking--;
  }
}
