/**
 * What the translation worker remembers between messages, so that a
 * MessagePosted event (which carries its conversation's customer language
 * and agent) is translated without reading the conversation:
 *
 * - the customer languages this worker set itself (detected in a message),
 *   with the conversation revision of the change: a message posted before
 *   that revision carries the older language, and the newer one wins;
 * - each agent's language, asked of presence once a minute at most.
 *
 * Both bounded, least recently used first out.
 */
export class ConversationFacts {
  private readonly languages = new Map<string, { language: string; revision: number }>();
  private readonly agents = new Map<string, { language: string; until: number }>();

  constructor(
    private readonly lookUpAgentLanguage: (tenantId: string, agentId: string) => Promise<string>,
    private readonly options: { maxEntries?: number; agentTtlMs?: number; now?: () => number } = {},
  ) {}

  /** The customer language for a message recorded at `revision` that says `fromEvent`. */
  customerLanguage(tenantId: string, conversationId: string, revision: number, fromEvent: string): string {
    const set = this.languages.get(key(tenantId, conversationId));
    return set && set.revision > revision ? set.language : fromEvent;
  }

  /** This worker changed the customer's language; the change is at `revision` of the conversation. */
  languageSet(tenantId: string, conversationId: string, language: string, revision: number): void {
    remember(this.languages, key(tenantId, conversationId), { language, revision }, this.max);
  }

  async agentLanguage(tenantId: string, agentId: string): Promise<string> {
    const now = (this.options.now ?? Date.now)();
    const k = key(tenantId, agentId);
    const hit = this.agents.get(k);
    if (hit && hit.until > now) return hit.language;
    const language = await this.lookUpAgentLanguage(tenantId, agentId);
    remember(this.agents, k, { language, until: now + (this.options.agentTtlMs ?? 60_000) }, this.max);
    return language;
  }

  private get max(): number {
    return this.options.maxEntries ?? 10_000;
  }
}

const key = (tenantId: string, id: string) => `${tenantId}\u0000${id}`;

function remember<V>(map: Map<string, V>, k: string, v: V, max: number): void {
  map.delete(k);
  map.set(k, v);
  if (map.size > max) map.delete(map.keys().next().value!);
}
