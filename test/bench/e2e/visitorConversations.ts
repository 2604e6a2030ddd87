/**
 * Visitors through the gateway's visitor API: each a session and a
 * conversation in the bench's queue, assigned to an agent by routing; and,
 * after a phase, the assigned agents resolving them (so that agents keep
 * free capacity and conversations stay chat-sized).
 */
import type { AgentDesk } from './agentDesk';
import type { AssignmentWatch } from './assignmentWatch';
import type { Conversation } from './deliveryLedger';
import type { GatewayHttp } from './gatewayHttp';
import { log } from './progressLog';
import { round } from './round';
import { settings } from './settings';

const ASSIGNMENT_TIMEOUT_MS = 30_000;

/** `count` visitors, each with a session and a conversation in the queue, assigned by routing; resolves once every one has its agent. */
export async function startConversations(http: GatewayHttp, assignments: AssignmentWatch, count: number, widgetKey: string): Promise<Conversation[]> {
  const t0 = performance.now();
  const conversations: Conversation[] = [];
  const assigned: Promise<void>[] = [];
  await eachLimited(
    Array.from({ length: count }, (_, i) => i),
    16,
    async () => {
      const { token } = await http.api<{ token: string }>('POST', '/v1/visitor/sessions', undefined, { widgetKey });
      const { conversationId } = await http.api<{ conversationId: string }>('POST', '/v1/visitor/conversations', token, { language: 'en', queueId: settings.queue, subject: 'bench' });
      const c: Conversation = { id: conversationId, visitorToken: token };
      conversations.push(c);
      assigned.push(
        assignments.agentOf(c.id, ASSIGNMENT_TIMEOUT_MS).then((agentId) => {
          c.agentId = agentId;
        }),
      );
    },
  );
  await Promise.all(assigned);
  const perAgent = new Map<string, number>();
  for (const c of conversations) perAgent.set(c.agentId!, (perAgent.get(c.agentId!) ?? 0) + 1);
  log(`${count} conversations started and assigned in ${round(performance.now() - t0, 0)} ms (${[...perAgent].map(([a, n]) => `${a}: ${n}`).join(', ')})`);
  return conversations;
}

/** Each conversation resolved by its agent; failures are counted, not fatal. */
export async function resolveConversations(http: GatewayHttp, conversations: Conversation[], desks: AgentDesk[]): Promise<void> {
  const tokens = new Map(desks.map((d) => [d.agentId, d.token]));
  let failed = 0;
  await eachLimited(conversations, 8, async (c) => {
    const res = await http.request('POST', `/v1/conversations/${c.id}/resolve`, tokens.get(c.agentId!)).catch(() => undefined);
    if (!res || res.status >= 300) failed++;
  });
  if (failed) log(`resolving: ${failed} of ${conversations.length} failed (capacity is ${settings.agentCapacity} per agent, so the run goes on)`);
}

/** Runs `fn` over `items` with at most `concurrency` at once. */
async function eachLimited<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
