import type { Logger } from '@contactcenter/infra';
import { ConcurrencyError, UnavailableError } from '@contactcenter/infra/errors';
import type { EventStore } from '@contactcenter/infra/eventstore';
import { randomUUID } from 'node:crypto';
import {
  conversationDecider,
  conversationEventDataToJson,
  conversationEventFromJson,
  conversationStreamId,
  type ConversationCommand,
  type ConversationEvent,
  type ConversationState,
} from '../conversation';
import { eventMetadataOf, META } from './eventMetadata';
import { RecentConversations } from './recentConversations';
import type { SnapshotStore } from './snapshotStore';

export interface Loaded {
  state: ConversationState;
  /** Revision of the stream's last event; -1 when the stream does not exist. */
  revision: number;
}

export interface Handled extends Loaded {
  /** What the command appended (empty for an idempotent retry). */
  events: ConversationEvent[];
}

export interface CommandOptions {
  /** When set, the command fails with ConcurrencyError unless the conversation is at exactly this revision. */
  expectedRevision?: number;
  requestId?: string;
  traceparent?: string;
  /** Aborted when the caller stopped waiting (cancelled, deadline): the command is then not appended, nor retried. */
  signal?: AbortSignal;
}

/**
 * How long a command that pinned no revision keeps re-reading and retrying
 * after losing races. A busy conversation (a visitor, an agent, translations
 * and routing writing at once, or clients retrying after an outage) can lose
 * several in a row; such a command is never the caller's conflict to resolve,
 * so it never surfaces as ABORTED (HTTP 412), which a client would drop.
 */
const UNPINNED_RETRY_BUDGET_MS = 3_000;
const MAX_BACKOFF_MS = 100;
/**
 * Commands on one conversation waiting their turn in this process; beyond,
 * a new one is refused at once as UNAVAILABLE (retry later) rather than
 * queued behind a backlog its caller would stop waiting for.
 */
export const MAX_WAITING_PER_CONVERSATION = 256;

/** A conversation with no event yet, as a start first assumes its own is. */
const notStartedYet = (): Loaded => ({ state: conversationDecider.initialState(), revision: -1 });

/** One conversation's commands in this process: run one at a time, in arrival order. */
interface Lane {
  tail: Promise<unknown>;
  waiting: number;
}

/**
 * The conversation command handler: load (snapshot + tail), decide, append
 * with the expected revision. A conflict is retried on fresh state, unless
 * the caller pinned a revision, in which case it surfaces as ABORTED. A
 * command without one that still loses after the retry budget is UNAVAILABLE:
 * the same request, retried, will go through.
 *
 * Commands on the same conversation take turns within this process (a lane
 * per conversation): each decides on the state the previous one left and
 * appends without a race, where n concurrent commands used to race n ways,
 * n − 1 of them reading the stream again to race again (work growing as n²
 * just when a backlog builds, after an outage or on a busy machine). Only
 * writers in other replicas can still conflict.
 */
export class ConversationRepository {
  private readonly recent: RecentConversations;

  constructor(
    private readonly events: EventStore,
    private readonly snapshots: SnapshotStore<ConversationState>,
    private readonly snapshotEvery: number,
    private readonly logger: Logger,
    /** Conversations kept in memory between commands (0: none; every command reads the store). */
    recentConversations = 0,
  ) {
    this.recent = new RecentConversations(recentConversations);
  }

  /** The conversation as the event store has it now (and remembered for the next command). */
  async load(tenantId: string, conversationId: string): Promise<Loaded> {
    const loaded = await this.loadFromStore(tenantId, conversationId);
    if (loaded.revision >= 0) this.recent.remember(conversationStreamId(tenantId, conversationId), loaded);
    return loaded;
  }

  private async loadFromStore(tenantId: string, conversationId: string): Promise<Loaded> {
    const streamId = conversationStreamId(tenantId, conversationId);
    const snapshot = await this.snapshots.load(streamId).catch((err: unknown) => {
      this.logger.warn({ err, streamId }, 'snapshot unreadable; folding the whole stream');
      return undefined;
    });
    let state = snapshot?.state ?? conversationDecider.initialState();
    const from = snapshot ? snapshot.revision + 1 : 0;
    const tail = await this.events.readStream(streamId, { fromRevision: from });
    for (const e of tail) state = conversationDecider.evolve(state, conversationEventFromJson(e.type, e.data, eventMetadataOf(e.metadata)));
    const revision = tail.length ? tail[tail.length - 1]!.revision : snapshot ? snapshot.revision : -1;
    if (tail.length >= this.snapshotEvery) this.snapshotLater(streamId, revision, state);
    return { state, revision };
  }

  private readonly lanes = new Map<string, Lane>();

  async handle(command: ConversationCommand, options: CommandOptions = {}): Promise<Handled> {
    const streamId = conversationStreamId(command.metadata.tenantId, command.data.conversationId);
    let lane = this.lanes.get(streamId);
    if (!lane) {
      lane = { tail: Promise.resolve(), waiting: 0 };
      this.lanes.set(streamId, lane);
    }
    if (lane.waiting >= MAX_WAITING_PER_CONVERSATION) {
      throw new UnavailableError(`conversation ${command.data.conversationId} has ${lane.waiting} changes waiting to be written; retry this one shortly`);
    }
    const current = lane;
    current.waiting++;
    const turn = current.tail.then(() => this.decideAndAppend(command, options));
    current.tail = turn.catch(() => undefined);
    try {
      return await turn;
    } finally {
      if (--current.waiting === 0 && this.lanes.get(streamId) === current) this.lanes.delete(streamId);
    }
  }

  private async decideAndAppend(command: ConversationCommand, options: CommandOptions): Promise<Handled> {
    const { tenantId } = command.metadata;
    const { conversationId } = command.data;
    const streamId = conversationStreamId(tenantId, conversationId);
    const giveUpAt = Date.now() + UNPINNED_RETRY_BUDGET_MS;
    for (let attempt = 1; ; attempt++) {
      // The first attempt decides on the remembered state when there is one, and a start on a conversation
      // not remembered as existing on the empty state (its append's 'no_stream' check tells a retried start
      // from a new one, without reading an empty stream first); a lost race, a no-op or a refusal is
      // decided again on state read from the store, which alone may answer without appending.
      const remembered = attempt === 1 ? (this.recent.get(streamId) ?? (command.type === 'StartConversation' ? notStartedYet() : undefined)) : undefined;
      const { state, revision } = remembered ?? (await this.load(tenantId, conversationId));
      let events: ConversationEvent[];
      try {
        events = conversationDecider.decide(command, state);
      } catch (err) {
        if (remembered) continue;
        throw err;
      }
      // A retry of a command that already took effect answers as it did, whatever revision it expected.
      if (events.length === 0) {
        if (remembered) continue;
        return { state, revision, events };
      }
      if (options.expectedRevision !== undefined && options.expectedRevision !== revision) {
        if (remembered) continue;
        throw new ConcurrencyError(streamId, String(options.expectedRevision), String(revision));
      }
      // Nobody waits for the answer any more; its retry (same client message id) will decide afresh.
      if (options.signal?.aborted) throw new UnavailableError(`the caller stopped waiting before ${command.type} was written`, { cause: options.signal.reason });
      try {
        await this.events.appendToStream(
          streamId,
          events.map((e) => ({
            id: randomUUID(),
            type: e.type,
            data: conversationEventDataToJson(e),
            metadata: {
              [META.tenant]: tenantId,
              [META.conversation]: conversationId,
              [META.actor]: command.metadata.actorId,
              ...(options.requestId ? { [META.request]: options.requestId } : {}),
              ...(options.traceparent ? { [META.trace]: options.traceparent } : {}),
            },
          })),
          { expectedRevision: revision === -1 ? 'no_stream' : revision },
        );
      } catch (err) {
        if (err instanceof ConcurrencyError) this.recent.forget(streamId);
        if (remembered && err instanceof ConcurrencyError) continue; // only the memory was stale: no pause, no count
        if (!(err instanceof ConcurrencyError) || options.expectedRevision !== undefined) throw err;
        if (Date.now() >= giveUpAt) {
          throw new UnavailableError(`conversation ${conversationId} is changing too often to take this change now (${attempt} attempts); retry it`, { cause: err });
        }
        // Jittered, growing pause: writers that collided do not collide again in lockstep.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt)));
        continue;
      }
      const next = events.reduce(conversationDecider.evolve, state);
      const nextRevision = revision + events.length;
      this.recent.remember(streamId, { state: next, revision: nextRevision });
      // Every `snapshotEvery` events (revision + 1 of them): not at a new conversation's first event.
      if (Math.floor((nextRevision + 1) / this.snapshotEvery) > Math.floor((revision + 1) / this.snapshotEvery)) this.snapshotLater(streamId, nextRevision, next);
      return { state: next, revision: nextRevision, events };
    }
  }

  private snapshotLater(streamId: string, revision: number, state: ConversationState): void {
    void this.snapshots.save(streamId, revision, state).catch((err: unknown) => this.logger.warn({ err, streamId }, 'snapshot not saved'));
  }
}
