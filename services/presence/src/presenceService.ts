import { eachItem, type AsyncService, type CallContext, type Logger } from '@contactcenter/infra';
import { NotFoundError, ValidationError } from '@contactcenter/infra/errors';
import {
  AgentStatus,
  type Agent,
  type AgentProfile,
  type PresenceServiceServer,
  type ReserveCapacityRequest,
  type StatusDefinition,
} from '@contactcenter/proto/presence/v1';
import {
  availability,
  BUILT_IN_STATUSES,
  capacityOf,
  disconnect,
  heartbeat,
  loadOf,
  newRecord,
  release,
  requireChannel,
  requireToken,
  reserve,
  setStatus,
  sweep,
  updateProfile,
  validateProfile,
  CHANNELS,
  type AgentRecord,
  type Profile,
  type Status,
  type StatusCatalog,
  type Transition,
} from './domain/agent';
import type { PresenceEvents } from './store/presenceEvents';
import type { PresenceStore, Stored } from './store/presenceStore';

export interface PresenceDeps {
  store: PresenceStore;
  events: PresenceEvents;
  logger: Logger;
  /** An agent whose connections all stopped beating goes away after this long. */
  heartbeatTimeoutMs: number;
  now?: () => number;
}

const STATUS_TO_PROTO: Record<Status, AgentStatus> = {
  online: AgentStatus.AGENT_STATUS_ONLINE,
  away: AgentStatus.AGENT_STATUS_AWAY,
  busy: AgentStatus.AGENT_STATUS_BUSY,
  offline: AgentStatus.AGENT_STATUS_OFFLINE,
  custom: AgentStatus.AGENT_STATUS_CUSTOM,
};
const STATUS_FROM_PROTO = new Map<AgentStatus, Status>(Object.entries(STATUS_TO_PROTO).map(([k, v]) => [v, k as Status]));
const STATUS_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * Presence: the domain transitions of domain/agent.ts, written with
 * compare-and-set in the KV store, each change published as an event.
 */
export class Presence {
  private readonly now: () => number;

  constructor(private readonly deps: PresenceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Applies a transition to an existing agent (NOT_FOUND otherwise) and publishes what changed. */
  async change(tenantId: string, agentId: string, transition: (record: AgentRecord, now: number) => Transition): Promise<Stored> {
    requireToken('agent_id', agentId);
    const now = this.now();
    const { stored, changed } = await this.deps.store.mutate(tenantId, agentId, (current) =>
      current ? transition(current.record, now) : { record: undefined as unknown as AgentRecord, changes: [] },
    );
    if (!stored) throw new NotFoundError('agent', agentId);
    if (changed && stored.record.changes.length > 0) await this.deps.events.publish(tenantId, agentId, stored.revision, stored.record.changes, stored.record.changedAt);
    return stored;
  }

  async upsert(tenantId: string, profile: Profile): Promise<Stored> {
    const valid = validateProfile(profile);
    const now = this.now();
    const { stored, changed } = await this.deps.store.mutate(tenantId, valid.agentId, (current) =>
      current ? updateProfile(current.record, valid, now) : newRecord(tenantId, valid, now),
    );
    if (!stored) throw new Error('unreachable: creating an agent always writes');
    if (changed) await this.deps.events.publish(tenantId, valid.agentId, stored.revision, stored.record.changes, stored.record.changedAt);
    return stored;
  }

  /** Sends away the agents whose connections stopped beating; every replica may run it, compare-and-set keeps it single. */
  async sweepAll(): Promise<number> {
    let changedAgents = 0;
    // From the index as it stands: a beat that raced the sweep is caught by the compare-and-set in `change`.
    for (const { record } of this.deps.store.snapshot()) {
      const now = this.now();
      if (sweep(record, this.deps.heartbeatTimeoutMs, now).changes.length === 0) continue;
      try {
        await this.change(record.tenantId, record.profile.agentId, (r, at) => sweep(r, this.deps.heartbeatTimeoutMs, at));
        changedAgents++;
      } catch (err) {
        this.deps.logger.warn({ err, agent_id: record.profile.agentId }, 'presence sweep failed for an agent');
      }
    }
    return changedAgents;
  }

  toProto(stored: Stored, catalog: StatusCatalog): Agent {
    const { record } = stored;
    const now = this.now();
    const live = Object.values(record.connections).filter((beat) => now - beat < this.deps.heartbeatTimeoutMs).length;
    const available = availability(record, catalog, this.deps.heartbeatTimeoutMs, now);
    const load: Record<string, number> = {};
    for (const channel of CHANNELS) if (capacityOf(record, channel) > 0 || loadOf(record, channel) > 0) load[channel] = loadOf(record, channel);
    const date = (ms: number | null) => (ms === null ? undefined : new Date(ms));
    return {
      profile: profileToProto(record.profile),
      status: STATUS_TO_PROTO[record.status],
      customStatus: record.customStatus,
      statusSince: date(record.statusSince),
      connections: live,
      lastSeenAt: date(record.lastSeenAt),
      reservations: record.reservations.map((r) => ({ conversationId: r.conversationId, channel: r.channel, reservedAt: new Date(r.at) })),
      load,
      idleSince: record.reservations.length === 0 ? date(record.idleSince) : undefined,
      lastAssignedAt: date(record.lastAssignedAt),
      acceptsWork: available.acceptsWork,
      onShift: available.onShift,
      unavailableReason: available.reason,
      revision: stored.revision,
    };
  }

  availabilityOf(record: AgentRecord, catalog: StatusCatalog) {
    return availability(record, catalog, this.deps.heartbeatTimeoutMs, this.now());
  }
}

export function profileFromProto(p: AgentProfile | undefined): Profile {
  if (!p) throw new ValidationError('profile', 'is required');
  return {
    agentId: p.agentId,
    displayName: p.displayName,
    skills: p.skills.map((s) => ({ name: s.name, level: s.level })),
    languages: p.languages,
    capacity: { ...p.capacity },
    calendar: p.calendar
      ? { timeZone: p.calendar.timeZone, shifts: p.calendar.shifts.map((s) => ({ day: s.day, start: s.start, end: s.end, endsNextDay: s.endsNextDay })), holidays: p.calendar.holidays }
      : null,
    translationEnabled: p.translationEnabled,
    teamIds: p.teamIds,
  };
}

function profileToProto(p: Profile): AgentProfile {
  return {
    agentId: p.agentId,
    displayName: p.displayName,
    skills: p.skills,
    languages: p.languages,
    capacity: { ...p.capacity } as Record<string, number>,
    calendar: p.calendar ? { timeZone: p.calendar.timeZone, shifts: p.calendar.shifts, holidays: p.calendar.holidays } : undefined,
    translationEnabled: p.translationEnabled,
    teamIds: p.teamIds,
  };
}

const definitions = (catalog: StatusCatalog): StatusDefinition[] =>
  [...catalog].map(([name, acceptsWork]) => ({ name, acceptsWork })).sort((a, b) => a.name.localeCompare(b.name));

/** PresenceService over gRPC. */
export function presenceGrpc(presence: Presence, store: PresenceStore, logger?: Logger): AsyncService<PresenceServiceServer> {
  const answer = async (ctx: CallContext, stored: Stored) => ({ agent: presence.toProto(stored, await store.statuses(ctx.tenantId)) });
  const reserveOne = async (req: ReserveCapacityRequest, ctx: CallContext): Promise<Agent> => {
    requireToken('conversation_id', req.conversationId);
    const channel = requireChannel('channel', req.channel);
    const catalog = await store.statuses(ctx.tenantId);
    const stored = await presence.change(ctx.tenantId, req.agentId, (r, now) => reserve(r, req.conversationId, channel, presence.availabilityOf(r, catalog), now));
    return presence.toProto(stored, catalog);
  };
  return {
    upsertAgent: async (req, ctx) => answer(ctx, await presence.upsert(ctx.tenantId, profileFromProto(req.profile))),
    getAgent: async (req, ctx) => answer(ctx, await store.require(ctx.tenantId, requireToken('agent_id', req.agentId))),
    listAgents: async (req, ctx) => {
      const channel = req.channel === '' ? undefined : requireChannel('channel', req.channel);
      const catalog = await store.statuses(ctx.tenantId);
      const agents = (await store.list(ctx.tenantId))
        .filter(({ record }) => !req.availableOnly || presence.availabilityOf(record, catalog).acceptsWork)
        .filter(({ record }) => !channel || loadOf(record, channel) < capacityOf(record, channel))
        .sort((a, b) => a.record.profile.agentId.localeCompare(b.record.profile.agentId));
      return { agents: agents.map((s) => presence.toProto(s, catalog)) };
    },
    setAgentStatus: async (req, ctx) => {
      const status = STATUS_FROM_PROTO.get(req.status);
      if (!status) throw new ValidationError('status', 'must be ONLINE, AWAY, BUSY, OFFLINE or CUSTOM');
      let catalog = await store.statuses(ctx.tenantId);
      // Defined a moment ago through another replica: ask the bucket before calling it unknown.
      if (status === 'custom' && !catalog.has(req.customStatus)) catalog = await store.statuses(ctx.tenantId, { fresh: true });
      return answer(ctx, await presence.change(ctx.tenantId, req.agentId, (r, now) => setStatus(r, status, req.customStatus, catalog, now)));
    },
    heartbeat: async (req, ctx) => {
      requireToken('connection_id', req.connectionId);
      return answer(ctx, await presence.change(ctx.tenantId, req.agentId, (r, now) => heartbeat(r, req.connectionId, now)));
    },
    disconnect: async (req, ctx) => {
      requireToken('connection_id', req.connectionId);
      return answer(ctx, await presence.change(ctx.tenantId, req.agentId, (r, now) => disconnect(r, req.connectionId, now)));
    },
    defineStatus: async (req, ctx) => {
      const name = req.status?.name ?? '';
      if (!STATUS_NAME.test(name)) throw new ValidationError('status.name', `must be 1-32 lower-case letters, digits, "-" or "_", got ${JSON.stringify(name)}`);
      if ((BUILT_IN_STATUSES as readonly string[]).includes(name) || name === 'custom') throw new ValidationError('status.name', `${name} is a built-in status`);
      return { statuses: definitions(await store.defineStatus(ctx.tenantId, name, req.status!.acceptsWork)) };
    },
    listStatuses: async (_req, ctx) => ({ statuses: definitions(await store.statuses(ctx.tenantId, { fresh: true })) }),
    reserveCapacity: async (req, ctx) => ({ agent: await reserveOne(req, ctx) }),
    reserveCapacities: async (req, ctx) => ({ outcomes: await eachItem(req.items, (item) => reserveOne(item, ctx), 'agent', logger) }),
    releaseCapacity: async (req, ctx) => {
      requireToken('conversation_id', req.conversationId);
      return answer(ctx, await presence.change(ctx.tenantId, req.agentId, (r, now) => release(r, req.conversationId, now)));
    },
  };
}
