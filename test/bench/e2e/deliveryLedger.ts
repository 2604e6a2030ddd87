/**
 * Every message the bench posts, by its clientMessageId, and what the agents'
 * sockets saw of it: the bookkeeping behind "every accepted message reaches
 * its assigned agent exactly once" (lost and duplicate counts).
 */
import { sleep } from './clock';

/** A visitor's conversation: its session token and, once routing assigned it, the agent. */
export interface Conversation {
  id: string;
  visitorToken: string;
  agentId?: string;
}

export interface SentMessage {
  phase: string;
  conversation: Conversation;
  /** performance.now() just before the POST, and the wall clock then (for the breakdown against the event's recorded time). */
  t0: number;
  wall0: number;
  scheduledLagMs: number;
  status?: number;
  error?: string;
  answeredAt?: number;
  arrivals: number;
  arrivedAt?: number;
  recordedAtWall?: number;
}

/** Accepted means the gateway answered 201 Created. */
export const isAccepted = (s: SentMessage) => s.status === 201;

export class DeliveryLedger {
  private readonly sent = new Map<string, SentMessage>();
  private duplicateCount = 0;
  private foreignFrameCount = 0;

  /** Arrivals beyond the first on the assigned agent's socket, over the run so far. */
  get duplicates(): number {
    return this.duplicateCount;
  }

  /** Our messages seen on other agents' sockets: staff sockets get every event of their tenant (fan-out, not an error). */
  get foreignAgentFrames(): number {
    return this.foreignFrameCount;
  }

  record(clientMessageId: string, message: SentMessage): void {
    this.sent.set(clientMessageId, message);
  }

  /** A MessagePosted frame on `agentId`'s socket at `at` (performance.now()), with the event's recorded `time`. */
  onFrame(agentId: string, clientMessageId: string | undefined, time: string | undefined, at: number): void {
    const s = clientMessageId === undefined ? undefined : this.sent.get(clientMessageId);
    if (!s) return; // not ours (bots, surveys)
    // Staff sockets get every event of their tenant: only the assigned agent's socket counts.
    if (s.conversation.agentId !== agentId) {
      this.foreignFrameCount++;
      return;
    }
    s.arrivals++;
    if (s.arrivals > 1) {
      this.duplicateCount++;
      return;
    }
    s.arrivedAt = at;
    if (time) s.recordedAtWall = Date.parse(time);
  }

  /** Waits until every accepted message of the run arrived (late ones had until now), at most `drainMs`; then a little longer for duplicates. */
  async drain(drainMs: number): Promise<void> {
    const until = performance.now() + drainMs;
    while (performance.now() < until && this.all().some((s) => isAccepted(s) && s.arrivals === 0)) await sleep(50);
    await sleep(500);
  }

  /** The whole run's delivery counts (duplicates and foreign frames: the getters, which go on counting until the sockets close). */
  wholeRun() {
    const all = this.all();
    const accepted = all.filter(isAccepted);
    return {
      accepted: accepted.length,
      lost: accepted.filter((s) => s.arrivals === 0).length,
      arrivedDespiteError: all.filter((s) => !isAccepted(s) && s.arrivals > 0).length,
      postErrors: all.filter((s) => !isAccepted(s)).length,
      rateLimited: all.filter((s) => s.status === 429).length,
    };
  }

  private all(): SentMessage[] {
    return [...this.sent.values()];
  }
}

export type WholeRunDelivery = ReturnType<DeliveryLedger['wholeRun']>;
