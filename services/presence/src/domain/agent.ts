import { isWellFormedLanguageTag } from '@contactcenter/infra';
import { IllegalStateError, ValidationError } from '@contactcenter/infra/errors';
import { isOnShift, parseCalendar, type CalendarInput } from './shiftCalendar';

/**
 * An agent's presence as stored (one NATS KV entry per agent) and the pure
 * transitions on it. Every transition returns the next record with the list
 * of changes it made; the store writes it with compare-and-set and the
 * changes become events.
 */
export const BUILT_IN_STATUSES = ['online', 'away', 'busy', 'offline'] as const;
export type BuiltInStatus = (typeof BUILT_IN_STATUSES)[number];
export type Status = BuiltInStatus | 'custom';
export const CHANNELS = ['chat', 'email', 'social', 'phone'] as const;
export type ChannelName = (typeof CHANNELS)[number];

export interface Profile {
  agentId: string;
  displayName: string;
  skills: { name: string; level: number }[];
  languages: string[];
  capacity: Partial<Record<ChannelName, number>>;
  calendar: CalendarInput | null;
  translationEnabled: boolean;
  teamIds: string[];
}

export interface Reservation {
  conversationId: string;
  channel: ChannelName;
  at: number;
}

export type Change =
  | { type: 'AgentProfileUpdated'; data: { profile: Profile } }
  | { type: 'AgentStatusChanged'; data: { from: Status; fromCustom: string; to: Status; toCustom: string; reason: 'manual' | 'heartbeat_timeout' | 'reconnected' } }
  | { type: 'AgentConnected'; data: { connectionId: string } }
  | { type: 'AgentDisconnected'; data: { connectionId: string; reason: 'closed' | 'heartbeat_timeout' } }
  | { type: 'CapacityReserved'; data: Reservation & { load: number; capacity: number } }
  | { type: 'CapacityReleased'; data: Reservation & { load: number } };

export interface AgentRecord {
  tenantId: string;
  profile: Profile;
  status: Status;
  customStatus: string;
  statusSince: number;
  /** Set while the agent is away because its connections stopped beating: what to restore when one beats again. */
  autoAway: { status: Status; customStatus: string } | null;
  /** Live connection id → time of its last beat (ms). */
  connections: Record<string, number>;
  lastSeenAt: number | null;
  reservations: Reservation[];
  idleSince: number;
  lastAssignedAt: number | null;
  /** What the write that produced this record changed (published as events). */
  changes: Change[];
  /** Time of that write (ms). */
  changedAt: number;
}

export type Transition = { record: AgentRecord; changes: Change[] };

const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;
const SKILL = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
export const MAX_CAPACITY = 100;

export function requireToken(field: string, value: string): string {
  if (!TOKEN.test(value)) throw new ValidationError(field, `must be 1-64 letters, digits, "-" or "_", got ${JSON.stringify(value)}`);
  return value;
}

export function requireChannel(field: string, value: string): ChannelName {
  if (!(CHANNELS as readonly string[]).includes(value)) throw new ValidationError(field, `unknown channel ${JSON.stringify(value)}; one of ${CHANNELS.join(', ')}`);
  return value as ChannelName;
}

/** @throws ValidationError naming the first bad field. */
export function validateProfile(p: Profile): Profile {
  requireToken('profile.agent_id', p.agentId);
  if (p.displayName.length > 200) throw new ValidationError('profile.display_name', 'at most 200 characters');
  const names = new Set<string>();
  p.skills.forEach((s, i) => {
    if (!SKILL.test(s.name)) throw new ValidationError(`profile.skills[${i}].name`, `must be 1-64 lower-case letters, digits, ".", "_" or "-", got ${JSON.stringify(s.name)}`);
    if (!Number.isInteger(s.level) || s.level < 1 || s.level > 10) throw new ValidationError(`profile.skills[${i}].level`, `must be 1 to 10, got ${s.level}`);
    if (names.has(s.name)) throw new ValidationError(`profile.skills[${i}].name`, `skill ${JSON.stringify(s.name)} is listed twice`);
    names.add(s.name);
  });
  p.languages.forEach((l, i) => {
    if (!isWellFormedLanguageTag(l)) throw new ValidationError(`profile.languages[${i}]`, `not a BCP 47 language tag: ${JSON.stringify(l)}`);
  });
  for (const [channel, n] of Object.entries(p.capacity)) {
    requireChannel(`profile.capacity[${channel}]`, channel);
    if (!Number.isInteger(n) || n! < 0 || n! > MAX_CAPACITY) throw new ValidationError(`profile.capacity[${channel}]`, `must be 0 to ${MAX_CAPACITY} conversations at once, got ${n}`);
  }
  if (p.calendar) parseCalendar(p.calendar, 'profile.calendar');
  p.teamIds.forEach((t, i) => requireToken(`profile.team_ids[${i}]`, t));
  return { ...p, languages: p.languages.map((l) => l.toLowerCase()) };
}

export function newRecord(tenantId: string, profile: Profile, now: number): Transition {
  const changes: Change[] = [{ type: 'AgentProfileUpdated', data: { profile } }];
  const record: AgentRecord = {
    tenantId,
    profile,
    status: 'offline',
    customStatus: '',
    statusSince: now,
    autoAway: null,
    connections: {},
    lastSeenAt: null,
    reservations: [],
    idleSince: now,
    lastAssignedAt: null,
    changes,
    changedAt: now,
  };
  return { record, changes };
}

const commit = (record: AgentRecord, changes: Change[], now: number): Transition => ({ record: { ...record, changes, changedAt: now }, changes });

export function updateProfile(record: AgentRecord, profile: Profile, now: number): Transition {
  return commit({ ...record, profile }, [{ type: 'AgentProfileUpdated', data: { profile } }], now);
}

/** Tenant-defined statuses: name → accepts work. */
export type StatusCatalog = ReadonlyMap<string, boolean>;

export function setStatus(record: AgentRecord, status: Status, customStatus: string, catalog: StatusCatalog, now: number): Transition {
  if (status === 'custom') {
    if (!catalog.has(customStatus)) throw new ValidationError('custom_status', `unknown status ${JSON.stringify(customStatus)}: define it with DefineStatus first`);
  } else if (customStatus !== '') {
    throw new ValidationError('custom_status', 'only with AGENT_STATUS_CUSTOM');
  }
  if (record.status === status && record.customStatus === customStatus) return { record, changes: [] };
  const change: Change = { type: 'AgentStatusChanged', data: { from: record.status, fromCustom: record.customStatus, to: status, toCustom: customStatus, reason: 'manual' } };
  return commit({ ...record, status, customStatus, statusSince: now, autoAway: null }, [change], now);
}

/**
 * A beat from a live connection: registers it, and brings an agent that went
 * away on timeout back. Always a new record (the beat time is state), with
 * changes only for a new connection or a return.
 */
export function heartbeat(record: AgentRecord, connectionId: string, now: number): Transition {
  const changes: Change[] = [];
  if (!(connectionId in record.connections)) changes.push({ type: 'AgentConnected', data: { connectionId } });
  let next: AgentRecord = { ...record, connections: { ...record.connections, [connectionId]: now }, lastSeenAt: now };
  if (record.autoAway) {
    const { status, customStatus } = record.autoAway;
    changes.push({ type: 'AgentStatusChanged', data: { from: record.status, fromCustom: record.customStatus, to: status, toCustom: customStatus, reason: 'reconnected' } });
    next = { ...next, status, customStatus, statusSince: now, autoAway: null };
  }
  return commit(next, changes, now);
}

export function disconnect(record: AgentRecord, connectionId: string, now: number): Transition {
  if (!(connectionId in record.connections)) return { record, changes: [] };
  const { [connectionId]: _closed, ...connections } = record.connections;
  return commit({ ...record, connections, lastSeenAt: now }, [{ type: 'AgentDisconnected', data: { connectionId, reason: 'closed' } }], now);
}

/**
 * Drops connections that stopped beating, and sends an agent with no live
 * connection left away once `timeoutMs` passed since it was last seen (a
 * page reload reconnects within it). Offline and away agents stay as they are.
 */
export function sweep(record: AgentRecord, timeoutMs: number, now: number): Transition {
  const changes: Change[] = [];
  const connections: Record<string, number> = {};
  for (const [id, beat] of Object.entries(record.connections)) {
    if (now - beat >= timeoutMs) changes.push({ type: 'AgentDisconnected', data: { connectionId: id, reason: 'heartbeat_timeout' } });
    else connections[id] = beat;
  }
  let next: AgentRecord = { ...record, connections };
  const silent = Object.keys(connections).length === 0 && (record.lastSeenAt === null || now - record.lastSeenAt >= timeoutMs);
  if (silent && record.status !== 'away' && record.status !== 'offline') {
    changes.push({ type: 'AgentStatusChanged', data: { from: record.status, fromCustom: record.customStatus, to: 'away', toCustom: '', reason: 'heartbeat_timeout' } });
    next = { ...next, status: 'away', customStatus: '', statusSince: now, autoAway: { status: record.status, customStatus: record.customStatus } };
  }
  return changes.length === 0 ? { record, changes } : commit(next, changes, now);
}

export const loadOf = (record: AgentRecord, channel: ChannelName): number => record.reservations.filter((r) => r.channel === channel).length;
export const capacityOf = (record: AgentRecord, channel: ChannelName): number => record.profile.capacity[channel] ?? 0;

export interface Availability {
  acceptsWork: boolean;
  onShift: boolean;
  /** '' when it accepts work. */
  reason: string;
}

/** Whether the agent takes new work now (status, live connection, shift); capacity is per channel, see `reserve`. */
export function availability(record: AgentRecord, catalog: StatusCatalog, timeoutMs: number, now: number): Availability {
  const calendar = record.profile.calendar ? parseCalendar(record.profile.calendar, 'profile.calendar') : null;
  const onShift = calendar ? isOnShift(calendar, new Date(now)) : true;
  const live = Object.values(record.connections).some((beat) => now - beat < timeoutMs);
  let reason = '';
  if (record.status === 'custom') {
    if (!catalog.get(record.customStatus)) reason = `status ${record.customStatus} does not accept work`;
  } else if (record.status !== 'online') reason = `status ${record.status}`;
  if (!reason && !live) reason = 'no live connection';
  if (!reason && !onShift) reason = 'off shift';
  return { acceptsWork: reason === '', onShift, reason };
}

/**
 * Takes one unit of capacity on `channel` for a conversation. Idempotent: a
 * conversation the agent already holds is not counted twice.
 * @throws IllegalStateError when the agent does not accept work or is at capacity.
 */
export function reserve(record: AgentRecord, conversationId: string, channel: ChannelName, available: Availability, now: number): Transition {
  if (record.reservations.some((r) => r.conversationId === conversationId)) return { record, changes: [] };
  if (!available.acceptsWork) throw new IllegalStateError(`agent ${record.profile.agentId} does not accept work (${available.reason})`);
  const load = loadOf(record, channel);
  const capacity = capacityOf(record, channel);
  if (load >= capacity) throw new IllegalStateError(`agent ${record.profile.agentId} is at capacity on ${channel} (${load} of ${capacity})`);
  const reservation: Reservation = { conversationId, channel, at: now };
  return commit(
    { ...record, reservations: [...record.reservations, reservation], lastAssignedAt: now },
    [{ type: 'CapacityReserved', data: { ...reservation, load: load + 1, capacity } }],
    now,
  );
}

export function release(record: AgentRecord, conversationId: string, now: number): Transition {
  const held = record.reservations.find((r) => r.conversationId === conversationId);
  if (!held) return { record, changes: [] };
  const reservations = record.reservations.filter((r) => r !== held);
  return commit(
    { ...record, reservations, idleSince: reservations.length === 0 ? now : record.idleSince },
    [{ type: 'CapacityReleased', data: { ...held, load: loadOf({ ...record, reservations }, held.channel) } }],
    now,
  );
}
