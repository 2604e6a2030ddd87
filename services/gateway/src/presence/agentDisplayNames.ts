import { NotFoundError, unary, type CallOptions } from '@contactcenter/infra';
import type { PresenceServiceClient } from '@contactcenter/proto/presence/v1';

/** Asks presence for an agent's display name; undefined when the agent has none. May throw (NotFoundError, UnavailableError…). */
export type FetchDisplayName = (call: CallOptions, agentId: string) => Promise<string | undefined>;

export interface AgentDisplayNamesOptions {
  fetch: FetchDisplayName;
  /** How long a name (or the lack of one) is believed; default 30 s, so a renamed agent shows soon. */
  ttlMs?: number;
  /** How long a failed lookup is not retried, so that presence being down costs visitors nothing; default 5 s. */
  failureTtlMs?: number;
  /** Entries kept (the least recently stored go first); default 10 000. */
  maxEntries?: number;
  now?: () => number;
}

type Entry = { displayName: string | undefined; expiresAt: number };

/**
 * The public display name of an agent, as a visitor may see it ("Tom joined
 * the chat"), and nothing else of the agent's profile. Looked up in presence
 * once per agent however many visitors ask at once, and remembered briefly
 * in a bounded cache per gateway process. A name is a nicety: a lookup that
 * fails answers undefined instead of failing the visitor's request.
 *
 * @example
 *   const names = new AgentDisplayNames({ fetch: displayNameFromPresence(peers.presence) });
 *   await names.displayNameOf({ tenantId: 'acme' }, 'tom'); // 'Tom' (or undefined)
 */
export class AgentDisplayNames {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<string | undefined>>();
  private readonly ttlMs: number;
  private readonly failureTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly options: AgentDisplayNamesOptions) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.failureTtlMs = options.failureTtlMs ?? 5_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The agent's display name, trimmed; undefined when there is none or it could not be learnt. Never throws. */
  async displayNameOf(call: CallOptions, agentId: string): Promise<string | undefined> {
    const k = `${call.tenantId}\u0000${agentId}`;
    const hit = this.entries.get(k);
    if (hit && hit.expiresAt > this.now()) return hit.displayName;
    const pending = this.inFlight.get(k);
    if (pending) return pending;
    // Not tied to one visitor's request: others may wait on the same lookup.
    const { signal: _signal, ...shared } = call;
    const lookup = this.options
      .fetch(shared, agentId)
      .then(
        (name) => this.put(k, name?.trim() || undefined, this.ttlMs),
        (err: unknown) => this.put(k, undefined, err instanceof NotFoundError ? this.ttlMs : this.failureTtlMs),
      )
      .finally(() => this.inFlight.delete(k));
    this.inFlight.set(k, lookup);
    return lookup;
  }

  private put(k: string, displayName: string | undefined, ttlMs: number): string | undefined {
    this.entries.delete(k);
    this.entries.set(k, { displayName, expiresAt: this.now() + ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return displayName;
  }
}

/** A lookup with a short deadline: a visitor's page should not wait long for a name it can do without. */
export const displayNameFromPresence =
  (presence: PresenceServiceClient, deadlineMs = 1_000): FetchDisplayName =>
  async (call, agentId) =>
    (await unary(presence, presence.getAgent, { agentId }, { ...call, deadlineMs })).agent?.profile?.displayName;
