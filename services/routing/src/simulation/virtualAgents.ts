import { primaryLanguage } from '@contactcenter/infra';
import { AgentPool } from '../domain/agentPool';
import type { AgentView } from '../domain/agentView';
import { CHANNELS, type ChannelName } from '../domain/policy';
import type { RecordedAgent } from './recordedWindow';

const HOUR = 3_600_000;

/** Agent time of one channel and hour: slot-milliseconds busy and offered, agent-milliseconds at work. */
export interface ChannelHour {
  busy: number;
  offered: number;
  working: number;
}

/**
 * The agents of a replay as presence would report them, kept in the
 * production AgentPool the routing decision reads. Every change puts a new
 * view (the pool compares old and new). It also integrates, per channel and
 * hour, the slots held and offered, for occupancy.
 */
export class VirtualAgents {
  readonly pool = new AgentPool();
  readonly hours = new Map<string, ChannelHour>();
  private last: number;

  constructor(agents: readonly RecordedAgent[], start: number) {
    this.last = start;
    for (const a of agents) {
      const p = a.profile;
      const load: Partial<Record<ChannelName, number>> = {};
      for (const c of a.carried) load[c.channel] = (load[c.channel] ?? 0) + 1;
      this.pool.set({
        agentId: a.agentId,
        acceptsWork: false,
        onShift: false,
        unavailableReason: 'not at work',
        skills: p.skills,
        languages: p.languages,
        primaryLanguages: new Set(p.languages.map(primaryLanguage)),
        translationEnabled: p.translationEnabled,
        teamIds: p.teamIds,
        capacity: p.capacity,
        load,
        idleSince: 0,
        lastAssignedAt: 0,
        holds: new Set(),
      });
    }
  }

  /** Accounts agent time up to `now` (call before every change). */
  advance(now: number): void {
    while (this.last < now) {
      const hourEnd = (Math.floor(this.last / HOUR) + 1) * HOUR;
      const to = Math.min(now, hourEnd);
      const span = to - this.last;
      for (const a of this.pool.values()) {
        for (const ch of CHANNELS) {
          const cap = a.capacity[ch] ?? 0;
          const load = a.load[ch] ?? 0;
          if (cap === 0 && load === 0) continue;
          const h = this.hourOf(ch, this.last);
          h.busy += load * span;
          h.offered += (a.acceptsWork ? Math.max(cap, load) : load) * span;
          if (a.acceptsWork && cap > 0) h.working += span;
        }
      }
      this.last = to;
    }
  }

  setWorking(agentId: string, working: boolean, now: number): void {
    this.change(agentId, now, (a) => ({ acceptsWork: working, onShift: working, unavailableReason: working ? '' : 'not at work', idleSince: working && a.idleSince === 0 ? now : a.idleSince }));
  }

  take(agentId: string, conversationId: string, channel: ChannelName, now: number): void {
    this.change(agentId, now, (a) => ({ load: { ...a.load, [channel]: (a.load[channel] ?? 0) + 1 }, holds: new Set([...a.holds, conversationId]), lastAssignedAt: now }));
  }

  release(agentId: string, conversationId: string, channel: ChannelName, now: number): void {
    this.change(agentId, now, (a) => {
      const load = Math.max(0, (a.load[channel] ?? 0) - 1);
      const holds = new Set(a.holds);
      holds.delete(conversationId);
      return { load: { ...a.load, [channel]: load }, holds, idleSince: load === 0 ? now : a.idleSince };
    });
  }

  private change(agentId: string, now: number, next: (a: AgentView) => Partial<AgentView>): void {
    const a = this.pool.get(agentId);
    if (!a) return;
    this.advance(now);
    this.pool.set({ ...a, ...next(a) });
  }

  private hourOf(channel: ChannelName, at: number): ChannelHour {
    const k = `${channel}|${Math.floor(at / HOUR) * HOUR}`;
    let h = this.hours.get(k);
    if (!h) this.hours.set(k, (h = { busy: 0, offered: 0, working: 0 }));
    return h;
  }
}
