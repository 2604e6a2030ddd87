import { NotFoundError } from '@contactcenter/infra';

/** Asks the conversation service for a conversation's customer; undefined when there is no such conversation in the tenant. */
export type FetchCustomer = (tenantId: string, conversationId: string) => Promise<string | undefined>;

export interface ConversationOwnersOptions {
  fetch: FetchCustomer;
  /** Entries kept (least recently used go first); default 50 000. */
  maxEntries?: number;
  /** How long "no such conversation" is believed; default 60 s. */
  notFoundTtlMs?: number;
  now?: () => number;
}

type Entry = { customerId: string | undefined; expiresAt: number };

/**
 * Who the customer of a conversation is, for deciding what a visitor socket
 * may see. Learnt for free from every `ConversationStarted` that passes
 * through the gateway, else asked once of the conversation service (one call
 * per conversation however many sockets ask at once), and remembered in a
 * bounded LRU shared by all sockets of this gateway process. The customer of
 * a conversation never changes, so positive entries do not expire.
 *
 * @example
 *   const owners = new ConversationOwners({ fetch: (t, c) => grpcGetCustomer(t, c) });
 *   owners.learn('acme', 'c-1', 'cust-1');
 *   await owners.customerOf('acme', 'c-1'); // 'cust-1'
 */
export class ConversationOwners {
  private readonly entries = new Map<string, Entry>();
  /** tenant + customer → their conversations among the entries (what a visitor socket follows from the start). */
  private readonly byCustomer = new Map<string, Set<string>>();
  private readonly inFlight = new Map<string, Promise<string | undefined>>();
  private readonly maxEntries: number;
  private readonly notFoundTtlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: ConversationOwnersOptions) {
    this.maxEntries = options.maxEntries ?? 50_000;
    this.notFoundTtlMs = options.notFoundTtlMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  learn(tenantId: string, conversationId: string, customerId: string): void {
    this.put(key(tenantId, conversationId), { customerId, expiresAt: Number.POSITIVE_INFINITY });
  }

  /**
   * The customer, or undefined when the conversation does not exist in the tenant.
   * @throws whatever the fetch throws other than NotFoundError (e.g. UnavailableError): the caller must not guess.
   */
  async customerOf(tenantId: string, conversationId: string): Promise<string | undefined> {
    const k = key(tenantId, conversationId);
    const hit = this.entries.get(k);
    if (hit && hit.expiresAt > this.now()) {
      this.entries.delete(k);
      this.entries.set(k, hit);
      return hit.customerId;
    }
    const pending = this.inFlight.get(k);
    if (pending) return pending;
    const lookup = this.options
      .fetch(tenantId, conversationId)
      .catch((err: unknown) => {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      })
      .then((customerId) => {
        // A ConversationStarted learnt meanwhile is authoritative.
        const learnt = this.entries.get(k);
        if (learnt?.expiresAt === Number.POSITIVE_INFINITY) return learnt.customerId;
        this.put(k, { customerId, expiresAt: customerId === undefined ? this.now() + this.notFoundTtlMs : Number.POSITIVE_INFINITY });
        return customerId;
      })
      .finally(() => this.inFlight.delete(k));
    this.inFlight.set(k, lookup);
    return lookup;
  }

  /** The customer when it is known here now (learnt or looked up before); never asks. */
  peek(tenantId: string, conversationId: string): string | undefined {
    return this.entries.get(key(tenantId, conversationId))?.customerId;
  }

  /** The customer's conversations known here (learnt from their start, or looked up). */
  conversationsOf(tenantId: string, customerId: string): string[] {
    return [...(this.byCustomer.get(key(tenantId, customerId)) ?? [])];
  }

  get size(): number {
    return this.entries.size;
  }

  private put(k: string, entry: Entry): void {
    this.drop(k);
    this.entries.set(k, entry);
    if (entry.customerId !== undefined) {
      const [tenantId, conversationId] = k.split('\u0000') as [string, string];
      const ck = key(tenantId, entry.customerId);
      let set = this.byCustomer.get(ck);
      if (!set) this.byCustomer.set(ck, (set = new Set()));
      set.add(conversationId);
    }
    if (this.entries.size > this.maxEntries) this.drop(this.entries.keys().next().value!);
  }

  private drop(k: string): void {
    const old = this.entries.get(k);
    if (!old) return;
    this.entries.delete(k);
    if (old.customerId === undefined) return;
    const [tenantId, conversationId] = k.split('\u0000') as [string, string];
    const ck = key(tenantId, old.customerId);
    const set = this.byCustomer.get(ck);
    set?.delete(conversationId);
    if (set?.size === 0) this.byCustomer.delete(ck);
  }
}

const key = (tenantId: string, id: string) => `${tenantId}\u0000${id}`;
