import { spareOn, type AgentView } from './agentView';
import { isOpenAt, type BusinessHours } from './businessHours';
import { judgeFit, type Requirement } from './eligibility';

/**
 * Follow-the-sun: which region's agents should serve a conversation when
 * nobody who could take it is on shift in its home region. Pure: shifts are
 * read from the agents' calendars at `now`, so a virtual clock drives it.
 *
 * @example
 *   followTheSun({ home: 'eu', now: Date.parse('2026-06-10T20:30:00Z'), regions: [
 *     { region: 'eu', agents: [{ agentId: 'ana', hours: berlin8to17, spare: 2 }] },
 *     { region: 'us', agents: [{ agentId: 'bob', hours: newYork8to17, spare: 2 }] },
 *   ] });
 *   // → { region: 'us', home: false, reason: 'no eligible agent on shift in eu (22:30 Europe/Berlin); us has 1 on shift with 2 free slots (16:30 America/New_York)' }
 */

/** An agent who fits the conversation (team, channel, skills, language), with when they work. */
export interface ShiftedAgent {
  agentId: string;
  /** Their shifts; undefined: `onShift` says (a calendar without shifts is always on shift). */
  hours: BusinessHours | undefined;
  /** Presence's word when there are no hours to read; true when absent. */
  onShift?: boolean;
  /** Free slots on the conversation's channel now. */
  spare: number;
}

export interface RegionAgents {
  region: string;
  /** The zone the reason tells local time in; by default the zone most of the region's agents work in, else UTC. */
  timeZone?: string;
  agents: readonly ShiftedAgent[];
}

/** How a region stands for one conversation at one instant: what a remote region answers when asked. */
export interface RegionStanding {
  region: string;
  timeZone: string;
  /** Local "HH:MM" in `timeZone` at the instant judged. */
  localTime: string;
  /** Eligible agents on shift, and the free slots they have between them. */
  onShift: number;
  free: number;
}

export interface RegionChoice {
  region: string;
  /** The home region: routing goes on as without regions. */
  home: boolean;
  /** One line for the assignment decision and the logs. */
  reason: string;
}

const clock = new Map<string, Intl.DateTimeFormat>();
/** "HH:MM" in `zone` at `now`. */
export function localTimeIn(zone: string, now: number): string {
  let f = clock.get(zone);
  if (!f) clock.set(zone, (f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
  return f.format(new Date(now));
}

/** The zone most of the agents work in (ties by name), so that a reason speaks the region's local time. */
function usualZone(agents: readonly ShiftedAgent[]): string {
  const counts = new Map<string, number>();
  for (const a of agents) if (a.hours) counts.set(a.hours.timeZone, (counts.get(a.hours.timeZone) ?? 0) + 1);
  const [best] = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return best?.[0] ?? 'UTC';
}

const onShiftAt = (a: ShiftedAgent, at: Date): boolean => (a.hours ? isOpenAt(a.hours, at) : a.onShift !== false);

/** Who of the region's eligible agents is on shift at `now`, and their free slots. */
export function regionStanding(r: RegionAgents, now: number): RegionStanding {
  const at = new Date(now);
  const timeZone = r.timeZone ?? usualZone(r.agents);
  let onShift = 0;
  let free = 0;
  for (const a of r.agents) {
    if (!onShiftAt(a, at)) continue;
    onShift++;
    free += Math.max(0, a.spare);
  }
  return { region: r.region, timeZone, localTime: localTimeIn(timeZone, now), onShift, free };
}

const slots = (n: number) => `${n} free slot${n === 1 ? '' : 's'}`;
const where = (s: RegionStanding) => `${s.localTime} ${s.timeZone}`;

/**
 * Home when anyone eligible there is on shift (busy or not: the conversation
 * waits for them rather than leave its region's hours). Otherwise the other
 * region whose on-shift eligible agents have the most free slots, ties by
 * name so every replica chooses alike. Undefined when nobody eligible is on
 * shift anywhere. A home region missing from `standings` has nobody eligible.
 */
export function chooseRegion(home: string, standings: readonly RegionStanding[]): RegionChoice | undefined {
  const own = standings.find((s) => s.region === home);
  if (own && own.onShift > 0) {
    return { region: home, home: true, reason: `${own.onShift} eligible on shift in ${home} (${where(own)}) with ${slots(own.free)}` };
  }
  const [best] = standings
    .filter((s) => s.region !== home && s.onShift > 0)
    .sort((a, b) => b.free - a.free || (a.region < b.region ? -1 : a.region > b.region ? 1 : 0));
  if (!best) return undefined;
  const homeWhere = own ? ` (${where(own)})` : '';
  return {
    region: best.region,
    home: false,
    reason: `no eligible agent on shift in ${home}${homeWhere}; ${best.region} has ${best.onShift} on shift with ${slots(best.free)} (${where(best)})`,
  };
}

/** Why nobody anywhere can take it now: for the logs of a conversation that waits. */
export function nobodyOnShift(home: string, standings: readonly RegionStanding[]): string {
  const at = standings.map((s) => `${s.region} ${where(s)}`).join(', ');
  return `no eligible agent on shift in ${home} or any other region${at ? ` (${at})` : ''}`;
}

/** The region to serve the conversation at `now`, and why; undefined when nobody eligible is on shift anywhere. */
export function followTheSun(input: { home: string; now: number; regions: readonly RegionAgents[] }): RegionChoice | undefined {
  return chooseRegion(input.home, input.regions.map((r) => regionStanding(r, input.now)));
}

/** The agents who fit `req` whatever their status and shift, with their hours and free slots on its channel. */
export function shiftedAgents(agents: Iterable<AgentView>, req: Requirement): ShiftedAgent[] {
  const out: ShiftedAgent[] = [];
  for (const a of agents) {
    if (!judgeFit(a, req).ok) continue;
    // Free only while accepting work: an agent on shift but away has no slot to give now.
    out.push({ agentId: a.agentId, hours: a.hours, onShift: a.onShift, spare: a.acceptsWork ? spareOn(a, req.channel) : 0 });
  }
  return out;
}
