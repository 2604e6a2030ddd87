import type { Logger } from '@contactcenter/infra';
import { decodeCloudEvent, DEFAULT_STREAM, eventFilter, follow, parseEventSubject, type Follower } from '@contactcenter/infra/events';
import * as v1 from '@contactcenter/proto/conversation/v1';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ChannelName } from '../domain/policy';
import { endSpan, runInSpan, SpanKind, startSpan, traceparentOfMessage } from '@contactcenter/infra/tracing';

const TYPE_PREFIX = 'contactcenter.conversation.v1.';

const CHANNEL_NAMES: Record<number, ChannelName> = {
  [v1.Channel.CHANNEL_CHAT]: 'chat',
  [v1.Channel.CHANNEL_EMAIL]: 'email',
  [v1.Channel.CHANNEL_SOCIAL]: 'social',
  [v1.Channel.CHANNEL_PHONE]: 'phone',
};

/** Routing's (and presence's) name of a conversation channel; unspecified counts as chat. */
export const channelName = (channel: v1.Channel): ChannelName => CHANNEL_NAMES[channel] ?? 'chat';

/** What routing knows of one open conversation, folded from its events. */
export interface ConversationFacts {
  tenantId: string;
  conversationId: string;
  channel: ChannelName;
  language: string;
  /** 1 low … 4 urgent; 0 until set (the queue's default applies). */
  priority: number;
  status: 'open' | 'queued' | 'assigned' | 'resolved';
  queueId: string;
  teamId: string;
  /** Epoch ms it entered its current queue (event time, alike on every replica). */
  queuedAt: number;
  agentId: string;
  /**
   * The region whose agent holds it (follow-the-sun); '' for this region's.
   * From AgentAssigned; a transfer does not say, so it is '' until routing
   * finds the agent in another region (`placeAgent`).
   */
  agentRegion: string;
  ticketOpen: boolean;
  /** The bot has spoken in this conversation. */
  botSpoke: boolean;
}

/** What happened, as far as routing cares. */
export type FeedChange =
  | { kind: 'waiting'; facts: ConversationFacts }
  | { kind: 'assigned'; facts: ConversationFacts; previousAgentId: string; previousAgentRegion: string; revision: number; at: number; queueId: string }
  | { kind: 'released'; facts: ConversationFacts; agentId: string; agentRegion: string }
  | { kind: 'customer-message'; facts: ConversationFacts; messageId: string; text: string }
  | { kind: 'closed'; facts: ConversationFacts; agentId: string; agentRegion: string };

/**
 * Follows every conversation event in the shared JetStream stream with an
 * ordered consumer from the first one, so that every routing replica folds
 * the same facts: which conversations wait, where, since when and in what
 * language. `ready` resolves once it has caught up with what the stream held
 * at start; routing acts only after that, never on a stale view.
 */
export class ConversationFeed {
  readonly conversations = new Map<string, ConversationFacts>();
  private feed: Follower | undefined;
  private caughtUp!: () => void;
  readonly ready = new Promise<void>((resolve) => (this.caughtUp = resolve));
  /** `ready` has resolved: the facts are as current as the stream. */
  isReady = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly onChange: (change: FeedChange) => void,
    private readonly logger: Logger,
    private readonly stream = DEFAULT_STREAM,
  ) {}

  async start(): Promise<void> {
    // An ordered follower from the first event; after a NATS restart it resumes at once from where it was.
    this.feed = follow(this.nc, { name: 'routing-conversation-feed', stream: this.stream, consumer: { ordered: { filterSubject: eventFilter({ context: 'conversation' }), start: { all: true } } }, logger: this.logger, maxMessages: 1_000 });
    const feed = this.feed;
    void this.ready.then(() => (this.isReady = true));
    void feed.pendingAtStart.then((pending) => pending === 0 && this.caughtUp());
    void (async () => {
      for await (const m of feed) {
        // The event's trace continues here: the assignment it leads to (a gRPC call made from `apply`'s work) joins it.
        const span = startSpan('routing-conversation-feed apply', { kind: SpanKind.CONSUMER, parent: traceparentOfMessage(m) ?? '', attributes: { 'messaging.system': 'nats', 'messaging.destination.name': m.subject } });
        try {
          runInSpan(span, () => this.apply(m.subject, decodeCloudEvent(m)));
          endSpan(span);
        } catch (err) {
          endSpan(span, err);
          this.logger.warn({ err, subject: m.subject, seq: m.seq }, 'conversation event skipped');
        }
        if (m.info.pending === 0) this.caughtUp();
      }
    })();
  }

  stop(): void {
    this.feed?.stop();
  }

  get(tenantId: string, conversationId: string): ConversationFacts | undefined {
    return this.conversations.get(`${tenantId}/${conversationId}`);
  }

  /** The agent holding the conversation (after a transfer) was found to work in `region`: its later release goes there. */
  placeAgent(tenantId: string, conversationId: string, agentId: string, region: string): void {
    const facts = this.get(tenantId, conversationId);
    if (facts?.status === 'assigned' && facts.agentId === agentId) facts.agentRegion = region;
  }

  private apply(subject: string, event: { type: string; data?: unknown; time?: unknown; tenantid?: unknown }): void {
    const tenantId = String(event.tenantid ?? parseEventSubject(subject)?.tenantId);
    const type = event.type.startsWith(TYPE_PREFIX) ? event.type.slice(TYPE_PREFIX.length) : '';
    const data = (event.data ?? {}) as Record<string, unknown>;
    const at = Date.parse(String(data.occurredAt ?? event.time ?? '')) || Date.now();
    const id = String(data.conversationId ?? '');
    const key = `${tenantId}/${id}`;
    if (type === 'ConversationStarted') {
      const e = v1.ConversationStarted.fromJSON(data);
      this.conversations.set(key, {
        tenantId,
        conversationId: id,
        channel: channelName(e.channel),
        language: e.language.toLowerCase(),
        priority: 0,
        status: 'open',
        queueId: '',
        teamId: '',
        queuedAt: 0,
        agentId: '',
        agentRegion: '',
        ticketOpen: false,
        botSpoke: false,
      });
      return;
    }
    const facts = this.conversations.get(key);
    if (!facts) return;
    switch (type) {
      case 'ConversationQueued': {
        const e = v1.ConversationQueued.fromJSON(data);
        Object.assign(facts, { status: 'queued', queueId: e.queueId, teamId: '', queuedAt: at });
        this.onChange({ kind: 'waiting', facts });
        return;
      }
      case 'AgentAssigned': {
        const e = v1.AgentAssigned.fromJSON(data);
        const queueId = facts.queueId;
        Object.assign(facts, { status: 'assigned', agentId: e.agentId, agentRegion: e.agentRegion ?? '' });
        this.onChange({ kind: 'assigned', facts, previousAgentId: '', previousAgentRegion: '', revision: revisionOf(event), at, queueId });
        return;
      }
      case 'ConversationTransferred': {
        const e = v1.ConversationTransferred.fromJSON(data);
        // The agent it leaves is released in their region; the event does not say where the new agent works (see `placeAgent`).
        const fromRegion = facts.agentRegion;
        if (e.toAgentId !== '') {
          Object.assign(facts, { status: 'assigned', agentId: e.toAgentId, agentRegion: '' });
          this.onChange({ kind: 'assigned', facts, previousAgentId: e.fromAgentId, previousAgentRegion: fromRegion, revision: revisionOf(event), at, queueId: '' });
        } else {
          Object.assign(facts, { status: 'queued', queueId: '', teamId: e.toTeamId, queuedAt: at, agentId: '', agentRegion: '' });
          if (e.fromAgentId) this.onChange({ kind: 'released', facts, agentId: e.fromAgentId, agentRegion: fromRegion });
          this.onChange({ kind: 'waiting', facts });
        }
        return;
      }
      case 'PriorityChanged':
        facts.priority = v1.PriorityChanged.fromJSON(data).priority;
        if (facts.status === 'queued') this.onChange({ kind: 'waiting', facts });
        return;
      case 'MessagePosted': {
        const message = v1.MessagePosted.fromJSON(data).message;
        if (!message) return;
        if (message.authorKind === v1.AuthorKind.AUTHOR_KIND_BOT) facts.botSpoke = true;
        if (message.authorKind === v1.AuthorKind.AUTHOR_KIND_CUSTOMER) {
          if (message.language) facts.language = message.language.toLowerCase();
          this.onChange({ kind: 'customer-message', facts, messageId: message.messageId, text: message.text });
        }
        return;
      }
      case 'CustomerLanguageChanged':
        // Chosen or detected from what the customer writes: who may take it changes with it.
        facts.language = v1.CustomerLanguageChanged.fromJSON(data).language.toLowerCase();
        if (facts.status === 'queued') this.onChange({ kind: 'waiting', facts });
        return;
      case 'ConvertedToTicket':
        facts.ticketOpen = true;
        return;
      case 'ConversationResolved': {
        const { agentId, agentRegion } = facts;
        Object.assign(facts, { status: 'resolved', agentId: '', agentRegion: '' });
        this.onChange({ kind: 'closed', facts, agentId, agentRegion });
        return;
      }
      case 'ConversationReopened':
        Object.assign(facts, { status: 'open', agentId: '', agentRegion: '', queueId: '', teamId: '' });
        return;
    }
  }
}

const revisionOf = (event: Record<string, unknown>): number => Number(event.sequence ?? 0);
