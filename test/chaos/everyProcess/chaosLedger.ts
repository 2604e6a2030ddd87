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

  constructor(readonly agentIds: readonly string[]) {}

  newMessage(key: string, conversationId: string): MessageRecord {
    const record: MessageRecord = { key, conversationId, firstSentAt: Date.now(), attempts: 0, sockets: new Map(), sse: [], webhook: [] };
    this.byKey.set(key, record);
    return record;
  }

  /** A MessagePosted frame on `agentId`'s socket (AgentDesk's sink). Staff sockets get every event of the tenant: each agent sees each message. */
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

  /** When the message had reached every agent socket and SSE (each first arrival); undefined while one has not seen it. */
  liveDeliveredAt(record: MessageRecord): number | undefined {
    const firsts = [...this.agentIds.map((a) => record.sockets.get(a)?.[0]), record.sse[0]];
    return firsts.every((t) => t !== undefined) ? Math.max(...(firsts as number[])) : undefined;
  }

  /** Which live channels have not seen the message yet. */
  liveMissing(record: MessageRecord): string[] {
    return [...this.agentIds.filter((a) => !record.sockets.get(a)?.length).map((a) => `socket ${a}`), ...(record.sse.length ? [] : ['sse'])];
  }

  /** True once every accepted message is on every socket, on SSE and at the webhook receiver. */
  allDelivered(): boolean {
    return this.accepted().every((r) => this.liveDeliveredAt(r) !== undefined && r.webhook.length > 0);
  }

  private find(clientMessageId: string | undefined): MessageRecord | undefined {
    return clientMessageId === undefined ? undefined : this.byKey.get(clientMessageId);
  }
}
