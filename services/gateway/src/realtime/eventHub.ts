import { createLogger, UnavailableError, ValidationError, type Logger } from '@contactcenter/infra';
import { decodeCloudEvent, DEFAULT_STREAM, ensureEventStream, follow, parseEventSubject, type CloudEvent, type Follower } from '@contactcenter/infra/events';
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { isMultiRegion, type RegionSettings } from '@contactcenter/infra/regions';
import type { ConversationOwners } from './conversationOwners';
import { catchUp, type CatchUpScope } from './hubCatchUp';
import { HubListener, type HubFeed, type HubFeedLimits } from './hubListener';
import { Room, type KeyWatch } from './hubRoom';
import { RemoteAgentAssignments } from './remoteAgentAssignments';
import { RemoteConversationEvents } from './remoteConversationEvents';
import { readTypingSignal, TYPING_SUBSCRIPTION, type TypingSignal } from './typingSignals';
import { candidateKeys, toHubEvent, type HubEvent, type Interest, type InterestChanges, type InterestKey } from './interest';

/** The requested `after` is older than what the stream still holds: resuming from it would skip events. */
export class PositionExpiredError extends Error {
  override readonly name = 'PositionExpiredError';
  readonly code = 'position_expired' as const;
  constructor(readonly after: number, readonly firstAvailable: number) {
    super(`events after position ${after} are no longer kept (the oldest is ${firstAvailable}); reload through REST and reconnect without after`);
  }
}

export interface OpenFeedOptions {
  tenantId: string;
  /** Resume strictly after this stream position; undefined: from now. */
  after?: number;
  interest: Interest;
  /** What to read when catching up: the visitor's conversations, or the tenant. */
  scope: CatchUpScope;
  limits?: Partial<HubFeedLimits>;
}

/**
 * The events stream as one gateway replica receives it: **one** ordered
 * JetStream consumer (whatever number of sockets and SSE streams are open),
 * each event decoded once and handed in memory to the listeners of its
 * tenant that may want it, found through an index of what each follows
 * (interest.ts) rather than by asking every listener.
 *
 * A client resuming with `?after=` first reads what it missed with a
 * short-lived consumer of its own, filtered on the server to its
 * conversations (a visitor) or its tenant (staff, integrations), up to the
 * hub's position when it arrived; what the hub hands on meanwhile waits in
 * its buffer and follows in order: no gap and nothing twice at the switch.
 *
 * Multi-region mode (`regions` lists several): a listener that follows a
 * conversation homed in another region also gets that conversation's live
 * events, received from that region by one core NATS subscription per
 * conversation while any listener of this replica follows it
 * (remoteConversationEvents.ts), and an agent's sockets get the assignments
 * other regions make to them (remoteAgentAssignments.ts: one subscription per
 * replica), from which they follow that conversation too. They carry `region`
 * and no position: resuming with `after` covers this region's stream only.
 *
 * @example
 *   const hub = await EventHub.start(nc, { logger, owners });
 *   const feed = await hub.open({ tenantId: 'acme', after: 120, interest: Interest.staff('agent-7'), scope: { kind: 'tenant' } });
 *   for await (const e of feed.events) send(e);
 */
export class EventHub {
  private readonly rooms = new Map<string, Room>();
  private follower: Follower | undefined;
  private typing: Subscription | undefined;
  private running: Promise<void> | undefined;
  private remote: RemoteConversationEvents | undefined;
  private assignments: RemoteAgentAssignments | undefined;
  /** Stream sequence of the last event handed on (or of the stream's end when the hub started). */
  private position = 0;
  private listeners = 0;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly stream: string,
    private readonly logger: Logger,
    private readonly owners: ConversationOwners | undefined,
  ) {}

  static async start(nc: NatsConnection, options: { stream?: string; logger?: Logger; owners?: ConversationOwners; regions?: RegionSettings } = {}): Promise<EventHub> {
    const stream = options.stream ?? DEFAULT_STREAM;
    const hub = new EventHub(nc, stream, options.logger ?? createLogger('event-hub', 'silent'), options.owners);
    if (options.regions && isMultiRegion(options.regions)) {
      hub.remote = new RemoteConversationEvents(nc, options.regions, hub.logger, (e) => hub.dispatchRemote(e));
      hub.assignments = new RemoteAgentAssignments(nc, options.regions, hub.logger, (e, agentId) => hub.dispatchToAgent(e, agentId));
      hub.assignments.start();
    }
    const jsm = await jetstreamManager(nc);
    // The gateway may be the first to start: the stream is created with its shared settings when absent.
    const info = (await jsm.streams.info(stream).catch(() => undefined)) ?? (await ensureEventStream(jsm, { name: stream }), await jsm.streams.info(stream));
    hub.position = info.state.last_seq;
    hub.follower = follow(nc, { name: 'gateway-event-hub', stream, consumer: { ordered: { start: { afterSeq: hub.position } } }, logger: hub.logger, maxMessages: 1_000 });
    // The consumer exists before any client is told a position.
    await hub.follower.open();
    hub.typing = nc.subscribe(TYPING_SUBSCRIPTION, {
      callback: (err, msg) => {
        if (err) return;
        const read = readTypingSignal(msg.subject, () => msg.json());
        if (read) hub.dispatchTyping(read.tenantId, read.signal);
      },
    });
    hub.running = (async () => {
      for await (const m of hub.follower!) hub.dispatch(m.seq, m.subject, m);
    })().catch((err: unknown) => hub.logger.error({ err }, 'event hub stopped'));
    return hub;
  }

  /** Sockets and streams open on this replica. */
  get size(): number {
    return this.listeners;
  }

  /** Sockets and streams of one tenant open on this replica. */
  listenersOf(tenantId: string): number {
    return this.rooms.get(tenantId)?.size ?? 0;
  }

  /**
   * A feed of the events `interest` wants, strictly after `after` (or from now), in stream order.
   * @throws ValidationError when `after` is beyond the stream's end, PositionExpiredError when it is older than the stream keeps.
   */
  async open(options: OpenFeedOptions): Promise<HubFeed> {
    let first = 1;
    let last = this.position;
    if (options.after !== undefined && options.after !== this.position) {
      const info = await (await jetstreamManager(this.nc)).streams.info(this.stream).catch((err: unknown) => {
        if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) throw new UnavailableError(`events stream ${this.stream} does not exist`, { cause: err });
        throw err;
      });
      ({ first_seq: first, last_seq: last } = info.state);
      if (options.after > last) throw new ValidationError('after', `position ${options.after} is beyond the end of the events (${last})`);
      if (options.after + 1 < first) throw new PositionExpiredError(options.after, first);
    }
    // From here to the registration nothing awaits: the hub's position is where the live part starts.
    const through = this.position;
    const room = this.roomOf(options.tenantId);
    const listener = new HubListener(options.interest, { ...options.limits }, {
      reindex: (changes) => this.reindex(room, listener, changes),
      detach: () => this.detach(options.tenantId, room, listener),
    });
    this.listeners++;
    room.size++;
    const after = options.after ?? through;
    const feed = listener.feed(after);
    if (after >= through) {
      // Nothing to read back; the hub may even be behind the client (it saw `after` through another replica).
      listener.goLive();
      room.add(listener, options.interest.keys());
      return feed;
    }
    room.catchingUp.add(listener);
    const take = (missed: HubEvent[]): boolean => {
      for (const e of missed) listener.offer(withCustomer(e, this.owners));
      return !listener.closed;
    };
    void catchUp(this.nc, { stream: this.stream, tenantId: options.tenantId, after, through, scope: options.scope }, take).then(
      () => {
        room.catchingUp.delete(listener);
        if (listener.closed) return;
        listener.goLive();
        if (!listener.closed) room.add(listener, options.interest.keys());
      },
      (err: unknown) => {
        room.catchingUp.delete(listener);
        this.logger.warn({ err, tenant_id: options.tenantId, after }, 'catching up a feed failed');
        listener.fail(new UnavailableError('the events could not be read back now; reconnect with after', { cause: err }));
      },
    );
    return feed;
  }

  /** Other regions' conversations this replica receives the events of now (multi-region mode). */
  get remoteConversations(): number {
    return this.remote?.size ?? 0;
  }

  async stop(): Promise<void> {
    this.typing?.unsubscribe();
    this.remote?.stop();
    this.assignments?.stop();
    this.follower?.stop();
    await this.running;
    for (const room of this.rooms.values()) {
      for (const set of room.index.values()) for (const l of set) l.fail(new UnavailableError('the gateway is shutting down; reconnect with after'));
      for (const l of room.catchingUp) l.fail(new UnavailableError('the gateway is shutting down; reconnect with after'));
    }
  }

  private dispatch(seq: number, subject: string, raw: Parameters<typeof decodeCloudEvent>[0]): void {
    this.position = seq;
    const parsed = parseEventSubject(subject);
    if (!parsed) return;
    let event: CloudEvent;
    try {
      event = decodeCloudEvent(raw);
    } catch (err) {
      this.logger.warn({ err, seq, subject }, 'undecodable event skipped');
      return;
    }
    const e = withCustomer(toHubEvent(seq, parsed.tenantId, parsed.context, parsed.eventType, parsed.aggregateId, event), this.owners);
    const room = this.rooms.get(e.tenantId);
    if (!room) return;
    for (const l of room.catchingUp) l.hold(e);
    const seen = new Set<HubListener>();
    for (const key of candidateKeys(e)) {
      const set = room.index.get(key);
      if (!set) continue;
      for (const l of set) {
        if (seen.has(l)) continue;
        seen.add(l);
        l.offer(e);
      }
    }
  }

  /**
   * An event of a conversation homed in another region: to the live listeners of this replica following that
   * conversation (none other: a listener following the whole tenant follows this region's tenant).
   */
  private dispatchRemote(e: HubEvent): void {
    const room = this.rooms.get(e.tenantId);
    const set = e.conversationId === undefined ? undefined : room?.index.get(`conversation:${e.conversationId}`);
    if (!set) return;
    const event = withCustomer(e, this.owners);
    // A copy: offering may change what a listener follows, and so this set.
    for (const l of [...set]) l.offer(event);
  }

  /**
   * Another region's assignment to an agent of this region: to that agent's live listeners only (indexed by
   * `agent:`, as this region's events naming them are), who from it follow the conversation (interest.ts), and so
   * receive its next events from its home region too.
   */
  private dispatchToAgent(e: HubEvent, agentId: string): void {
    const set = this.rooms.get(e.tenantId)?.index.get(`agent:${agentId}`);
    if (!set) return;
    const event = withCustomer(e, this.owners);
    // A copy: offering makes the listener follow the conversation, which reindexes it.
    for (const l of [...set]) l.offer(event);
  }

  /** To the live listeners following the conversation: its visitor, the agents on it, watchers of the tenant. */
  private dispatchTyping(tenantId: string, signal: TypingSignal): void {
    const room = this.rooms.get(tenantId);
    if (!room) return;
    const seen = new Set<HubListener>();
    for (const key of [`conversation:${signal.conversationId}`, 'tenant'] as const) {
      for (const l of room.index.get(key) ?? []) {
        if (seen.has(l) || !l.interest.follows(signal.conversationId)) continue;
        seen.add(l);
        l.typing(signal);
      }
    }
  }

  private roomOf(tenantId: string): Room {
    let room = this.rooms.get(tenantId);
    if (!room) this.rooms.set(tenantId, (room = new Room(this.remote && remoteWatch(this.remote, tenantId))));
    return room;
  }

  private reindex(room: Room, listener: HubListener, changes: InterestChanges): void {
    if (room.catchingUp.has(listener)) return; // indexed under all its keys once caught up
    room.add(listener, changes.added);
    room.remove(listener, changes.removed);
  }

  private detach(tenantId: string, room: Room, listener: HubListener): void {
    room.catchingUp.delete(listener);
    room.remove(listener, listener.interest.keys());
    this.listeners--;
    if (--room.size === 0) this.rooms.delete(tenantId);
  }
}

/** Another region's conversation is subscribed to while one listener of the tenant follows it here. */
function remoteWatch(remote: RemoteConversationEvents, tenantId: string): KeyWatch {
  const conversationOf = (key: InterestKey) => (key.startsWith('conversation:') ? key.slice('conversation:'.length) : undefined);
  return {
    opened: (key) => {
      const c = conversationOf(key);
      if (c !== undefined && remote.isRemote(c)) remote.follow(tenantId, c);
    },
    closed: (key) => {
      const c = conversationOf(key);
      if (c !== undefined && remote.isRemote(c)) remote.unfollow(tenantId, c);
    },
  };
}

/**
 * The event with its conversation's customer, when known: learnt from a
 * conversation's start (and remembered for the conversation's later events),
 * else as the gateway already knows it. Never asks (the hub hands events on in order, without waiting).
 */
function withCustomer(e: HubEvent, owners: ConversationOwners | undefined): HubEvent {
  if (!owners || !e.conversationId || (e.context !== 'conversation' && e.context !== 'routing')) return e;
  if (e.customerId) {
    owners.learn(e.tenantId, e.conversationId, e.customerId);
    return e;
  }
  const customerId = owners.peek(e.tenantId, e.conversationId);
  return customerId ? { ...e, customerId } : e;
}
