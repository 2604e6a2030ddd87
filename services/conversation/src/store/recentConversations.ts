import type { ConversationState } from '../conversation';

export interface Cached {
  state: ConversationState;
  /** Revision of the stream's last event folded into `state`. */
  revision: number;
}

/**
 * Conversations this replica wrote or read lately, as they stood after the
 * last event it saw: a command on a conversation that is busy right now (a
 * chat in progress) decides on this state and appends with its revision,
 * without reading the snapshot and the stream's tail first.
 *
 * Never trusted for an answer on its own: another replica may have written
 * since. The append's expected revision catches that (the command reloads
 * and decides again); a decision made without appending (a no-op, a refusal)
 * is confirmed on freshly read state by the repository. Bounded, least
 * recently used first out.
 *
 * @example
 *   const recent = new RecentConversations(5_000);
 *   recent.remember('conversation-acme-c1', { state, revision: 7 });
 *   recent.get('conversation-acme-c1')?.revision; // 7
 */
export class RecentConversations {
  private readonly entries = new Map<string, Cached>();

  constructor(private readonly maxEntries: number) {}

  get(streamId: string): Cached | undefined {
    const hit = this.entries.get(streamId);
    if (!hit) return undefined;
    this.entries.delete(streamId);
    this.entries.set(streamId, hit);
    return hit;
  }

  /** Keeps `entry` unless a later revision is already known (concurrent commands finish in any order). */
  remember(streamId: string, entry: Cached): void {
    if (this.maxEntries <= 0) return;
    const known = this.entries.get(streamId);
    if (known && known.revision > entry.revision) return;
    this.entries.delete(streamId);
    this.entries.set(streamId, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(streamId: string): void {
    this.entries.delete(streamId);
  }

  /** Forgets every conversation (their records were emptied: a read-model rebuild). */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
