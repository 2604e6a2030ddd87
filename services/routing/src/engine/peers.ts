import { CallBatches, createGrpcClient, unary, type CallOptions, type ItemOutcome } from '@contactcenter/infra';
import { ConversationServiceClient, type AssignAgentRequest, type AssignmentDecision, type CommandOutcome, type CommandResult, type Conversation, type PostMessageRequest, type QueueConversationsItem, type StartConversationRequest, type StartConversationsItem } from '@contactcenter/proto/conversation/v1';
import { PresenceServiceClient, type Agent, type ReserveCapacityRequest } from '@contactcenter/proto/presence/v1';

/**
 * The calls routing makes to presence (capacity, the agents) and to the
 * conversation service (the record of queueing and assignment). Both are
 * authorities: presence refuses a reservation beyond capacity, and the
 * conversation refuses a second assignee.
 */
export class Peers {
  readonly presence: PresenceServiceClient;
  readonly conversation: ConversationServiceClient;

  /**
   * Reservations, assignments, starts, queueings and the bot's messages go in batch
   * calls when several are ready at once (a routing pass decides many; many
   * visitors ask for an agent at once): one call per batch instead of one per
   * conversation, each item still answered, or refused, on its own.
   */
  private readonly reservations: CallBatches<ReserveCapacityRequest, Agent | undefined>;
  private readonly assignments: CallBatches<AssignAgentRequest, number>;
  private readonly queueings: CallBatches<QueueConversationsItem, number>;
  private readonly starts: CallBatches<StartConversationsItem, CommandResult>;
  private readonly botMessages: CallBatches<PostMessageRequest, void>;

  constructor(addresses: { presence: string; conversation: string }) {
    // A tenant's whole agent list comes in one answer: 10,000 busy agents are over gRPC's default 4 MiB.
    const p = (this.presence = createGrpcClient(PresenceServiceClient, addresses.presence, { 'grpc.max_receive_message_length': 64 * 1024 * 1024 }));
    const c = (this.conversation = createGrpcClient(ConversationServiceClient, addresses.conversation));
    this.reservations = new CallBatches({
      send: async (tenantId, items) => (await unary(p, p.reserveCapacities, { items }, this.opts(tenantId))).outcomes.map((o) => o.outcome),
      sendOne: async (tenantId, item) => (await unary(p, p.reserveCapacity, item, this.opts(tenantId))).agent,
    });
    // Keyed by tenant and actor: both travel in the call's metadata.
    const caller = (key: string): CallOptions => ({ tenantId: key.slice(0, key.indexOf('\n')), actorId: key.slice(key.indexOf('\n') + 1) });
    this.assignments = new CallBatches({
      send: async (key, items) =>
        (await unary(c, c.assignAgents, { items }, caller(key))).outcomes.map(revisionOutcome),
      sendOne: async (key, item) => (await unary(c, c.assignAgent, item, caller(key))).result?.revision ?? 0,
    });
    // Keyed by tenant only: each item names who asked for it (a visitor each, usually).
    this.queueings = new CallBatches({
      send: async (tenantId, items) =>
        (await unary(c, c.queueConversations, { items }, this.opts(tenantId))).outcomes.map(revisionOutcome),
      sendOne: async (tenantId, { request, actorId }) => (await unary(c, c.queueConversation, request!, { tenantId, actorId })).result?.revision ?? 0,
    });
    this.starts = new CallBatches({
      send: async (tenantId, items) =>
        (await unary(c, c.startConversations, { items }, this.opts(tenantId))).outcomes.map((o) => o.outcome),
      sendOne: async (tenantId, { request, actorId }) => (await unary(c, c.startConversation, request!, { tenantId, actorId })).result!,
    });
    const bot = (tenantId: string): CallOptions => ({ tenantId, actorId: 'routing-bot' });
    this.botMessages = new CallBatches({
      send: async (tenantId, items) => (await unary(c, c.postMessages, { items }, bot(tenantId))).outcomes.map((o) => (o.outcome?.$case === 'posted' ? { $case: 'posted', value: undefined } : o.outcome)),
      sendOne: async (tenantId, item) => void (await unary(c, c.postMessage, item, bot(tenantId))),
    });
  }

  private opts(tenantId: string): CallOptions {
    return { tenantId, actorId: 'routing' };
  }

  async listAgents(tenantId: string): Promise<Agent[]> {
    const p = this.presence;
    return (await unary(p, p.listAgents, { availableOnly: false, channel: '' }, { ...this.opts(tenantId), deadlineMs: 30_000 })).agents;
  }

  async getAgent(tenantId: string, agentId: string): Promise<Agent | undefined> {
    const p = this.presence;
    return (await unary(p, p.getAgent, { agentId }, this.opts(tenantId))).agent;
  }

  reserve(tenantId: string, agentId: string, conversationId: string, channel: string): Promise<Agent | undefined> {
    return this.reservations.call(tenantId, { agentId, conversationId, channel });
  }

  async release(tenantId: string, agentId: string, conversationId: string): Promise<Agent | undefined> {
    const p = this.presence;
    return (await unary(p, p.releaseCapacity, { agentId, conversationId }, this.opts(tenantId))).agent;
  }

  /** `agentRegion`: another region's agent (follow-the-sun); '' for this region's. */
  assign(tenantId: string, conversationId: string, agentId: string, reason: string, decision: AssignmentDecision | undefined, actorId = 'routing', agentRegion = ''): Promise<number> {
    return this.assignments.call(`${tenantId}\n${actorId}`, { conversationId, agentId, reason, decision, ...(agentRegion ? { agentRegion } : {}) });
  }

  /**
   * `teamId`: the team serving the queue ('' for none), recorded on the conversation for per-team figures.
   * `firstReplyDueAt`: when the queue's service level wants the first reply; absent keeps what the conversation has.
   */
  queue(tenantId: string, conversationId: string, queueId: string, teamId: string, actorId = 'routing', firstReplyDueAt?: Date): Promise<number> {
    return this.queueings.call(tenantId, { request: { conversationId, queueId, teamId, firstReplyDueAt }, actorId });
  }

  /** Starts a conversation with its `queue` filled in: started and queued in one append. */
  startInQueue(tenantId: string, request: StartConversationRequest, actorId: string): Promise<CommandResult> {
    return this.starts.call(tenantId, { request, actorId });
  }

  async transfer(tenantId: string, conversationId: string, target: { $case: 'toAgentId'; value: string } | { $case: 'toTeamId'; value: string }, reason: string, actorId: string): Promise<number> {
    const c = this.conversation;
    return (await unary(c, c.transferConversation, { conversationId, target, reason }, { tenantId, actorId })).result?.revision ?? 0;
  }

  async getConversation(tenantId: string, conversationId: string): Promise<Conversation | undefined> {
    const c = this.conversation;
    return (await unary(c, c.getConversation, { conversationId, includeNotes: false }, this.opts(tenantId))).conversation;
  }

  postBotMessage(tenantId: string, conversationId: string, clientMessageId: string, text: string, language: string): Promise<void> {
    return this.botMessages.call(tenantId, { conversationId, authorKind: 3, authorId: 'routing-bot', text, attachments: [], clientMessageId, language, cannedResponseId: '' });
  }

  async convertToTicket(tenantId: string, conversationId: string): Promise<void> {
    const c = this.conversation;
    await unary(c, c.convertToTicket, { conversationId, ticketStatus: 1 }, { tenantId, actorId: 'routing-bot' });
  }

  close(): void {
    this.presence.close();
    this.conversation.close();
  }
}

/** A conversation command's outcome in a batch answer, as the revision it left (or the item's error). */
const revisionOutcome = (o: CommandOutcome): ItemOutcome<number> | undefined =>
  o.outcome?.$case === 'result' ? { $case: 'result', value: o.outcome.value.revision } : o.outcome;
