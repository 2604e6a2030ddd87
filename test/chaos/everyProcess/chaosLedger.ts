/**
 * Every visitor message the suite sends, by its Idempotency-Key (which the
 * gateway keeps as the message's clientMessageId), and when it was seen
 * where: accepted by the gateway, published by the relay (core NATS), on
 * each agent's socket, on SSE, at the webhook receiver. The bookkeeping
 * behind "every accepted message once, no duplicate" and behind the
 * recovery times.
 */
export interface MessageRecord {
  key: string;
  conversationId: string;
  firstSentAt: number;
  attempts: number;
  /** The first 2xx answer, and when the attempt that got it started. */
  acceptedAt?: number;
  acceptedAttemptAt?: number;
  /** A final 4xx: a client would have dropped the message. */
  refused?: { status: number; body: string };
  /** Still unanswered when the run ended. */
  abandoned?: boolean;
  /** Arrival times (Date.now()) per agent socket, on SSE, at the webhook receiver. */
  sockets: Map<string, number[]>;
  sse: number[];
  webhook: number[];
  /** First seen published on NATS (the relay's work), for telling which part stalled. */
  publishedAt?: number;
}

export class ChaosLedger {
  private readonly byKey = new Map<string, MessageRecord>();
  private readonly agentOf = new Map<string, string>();

  constructor(readonly agentIds: readonly string[]) {}

  /** The conversations the load goes round, with the agent routing gave each: whose socket must show its messages. */
  assigned(conversations: readonly { id: string; agentId?: string }[]): void {
    for (const c of conversations) if (c.agentId) this.agentOf.set(c.id, c.agentId);
  }

  /** The agent whose socket must show the message: the one its conversation is assigned to (staff sockets follow their own work). */
  agentFor(record: MessageRecord): string | undefined {
    return this.agentOf.get(record.conversationId);
  }

  newMessage(key: string, conversationId: string): MessageRecord {
    const record: MessageRecord = { key, conversationId, firstSentAt: Date.now(), attempts: 0, sockets: new Map(), sse: [], webhook: [] };
    this.byKey.set(key, record);
    return record;
  }

  /** A MessagePosted frame on `agentId`'s socket (AgentDesk's sink). */
  onFrame(agentId: string, clientMessageId: string | undefined): void {
    const record = clientMessageId === undefined ? undefined : this.byKey.get(clientMessageId);
    if (!record) return;
    const times = record.sockets.get(agentId) ?? [];
    times.push(Date.now());
    record.sockets.set(agentId, times);
  }

  onSse(clientMessageId: string | undefined): void {
    this.find(clientMessageId)?.sse.push(Date.now());
  }

  onWebhook(clientMessageId: string | undefined): void {
    this.find(clientMessageId)?.webhook.push(Date.now());
  }

  onPublished(clientMessageId: string | undefined): void {
    const record = this.find(clientMessageId);
    if (record && record.publishedAt === undefined) record.publishedAt = Date.now();
  }

  all(): MessageRecord[] {
    return [...this.byKey.values()];
  }

  accepted(): MessageRecord[] {
    return this.all().filter((r) => r.acceptedAt !== undefined);
  }

  /** When the message had reached its agent's socket and SSE (each first arrival); undefined while one has not seen it. */
  liveDeliveredAt(record: MessageRecord): number | undefined {
    const agent = this.agentFor(record);
    const firsts = [agent === undefined ? undefined : record.sockets.get(agent)?.[0], record.sse[0]];
    return firsts.every((t) => t !== undefined) ? Math.max(...(firsts as number[])) : undefined;
  }

  /** Which live channels have not seen the message yet. */
  liveMissing(record: MessageRecord): string[] {
    const agent = this.agentFor(record);
    return [...(agent && record.sockets.get(agent)?.length ? [] : [`socket ${agent ?? '(no agent assigned)'}`]), ...(record.sse.length ? [] : ['sse'])];
  }

  /** True once every accepted message is on its agent's socket, on SSE and at the webhook receiver. */
  allDelivered(): boolean {
    return this.accepted().every((r) => this.liveDeliveredAt(r) !== undefined && r.webhook.length > 0);
  }

  private find(clientMessageId: string | undefined): MessageRecord | undefined {
    return clientMessageId === undefined ? undefined : this.byKey.get(clientMessageId);
  }
}
