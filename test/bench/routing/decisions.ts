/**
 * Phase 1 of the routing benchmark, in process: decision latency of the pure
 * `route()` as the router calls it (on the tenant's AgentPool) for a sample of
 * the waiting conversations, one queue per strategy; and what putting every
 * waiting conversation in serving order costs a pass (the WaitingLine's merge).
 * For comparison, the same decisions judging every agent one by one, and a
 * full sort of the waiting conversations (what the router did before).
 */
import { Agent, AgentStatus } from '@contactcenter/proto/presence/v1';
import { randomUUID } from 'node:crypto';
import { AgentPool } from '../../../services/routing/src/domain/agentPool';
import type { AgentView } from '../../../services/routing/src/domain/agentView';
import { STRATEGIES, type QueuePolicy } from '../../../services/routing/src/domain/policy';
import { route } from '../../../services/routing/src/domain/route';
import { servingOrder, type Waiting } from '../../../services/routing/src/domain/waiting';
import { WaitingLine } from '../../../services/routing/src/domain/waitingLine';
import { toView } from '../../../services/routing/src/engine/agentDirectory';
import { percentile, sortedAscending } from '../support/percentile';
import { AGENTS, CAPACITY, CONVERSATIONS, int, LANGUAGES, pick, random, SAMPLE, SKILLS, TENANT } from './settings';

/**
 * Agents as the routing service holds them: presence's Agent message, through
 * the wire format (map fields decode as ts-proto builds them) and `toView`.
 */
function agentViews(now: number): Map<string, AgentView> {
  const agents = new Map<string, AgentView>();
  const date = (ms: number) => (ms ? new Date(ms) : undefined);
  for (let i = 0; i < AGENTS; i++) {
    const onShift = random() < 0.9;
    const acceptsWork = onShift && random() < 0.85;
    const load = int(0, CAPACITY);
    const first = pick(LANGUAGES);
    const languages = random() < 0.3 ? [first, pick(LANGUAGES)] : [first];
    const skills = new Map(Array.from({ length: int(1, 3) }, () => [pick(SKILLS), int(1, 10)] as const));
    const agentId = `agent-${i}`;
    const agent = Agent.decode(
      Agent.encode({
        profile: {
          agentId,
          displayName: `Agent ${i}`,
          skills: [...skills].map(([name, level]) => ({ name, level })),
          languages: [...new Set(languages)],
          capacity: { chat: CAPACITY },
          calendar: undefined,
          translationEnabled: random() < 0.25,
          teamIds: [],
        },
        status: acceptsWork ? AgentStatus.AGENT_STATUS_ONLINE : AgentStatus.AGENT_STATUS_AWAY,
        customStatus: '',
        statusSince: new Date(now - 60_000),
        connections: 1,
        lastSeenAt: new Date(now),
        reservations: Array.from({ length: load }, () => ({ conversationId: randomUUID(), channel: 'chat', reservedAt: new Date(now) })),
        load: { chat: load },
        idleSince: date(load === 0 ? now - int(0, 3_600_000) : 0),
        lastAssignedAt: date(random() < 0.8 ? now - int(0, 3_600_000) : 0),
        acceptsWork,
        onShift,
        unavailableReason: acceptsWork ? '' : onShift ? 'status away' : 'off shift',
        revision: 1,
      }).finish(),
    );
    agents.set(agentId, toView(agent));
  }
  return agents;
}

/** One queue per strategy, each requiring a different skill; two widen after overflow. */
const POLICIES: QueuePolicy[] = STRATEGIES.map((strategy, i) => ({
  queueId: `q-${strategy}`,
  name: strategy,
  channel: 'chat',
  requiredSkills: [{ name: SKILLS[i]!, minLevel: [3, 5, 1, 7][i]! }],
  language: i === 2 ? 'en' : '',
  priority: 2,
  strategy,
  offerTimeoutSeconds: strategy === 'manual_pick' ? 30 : 0,
  agingSeconds: [60, 30, 0, 120][i]!,
  overflow: { afterSeconds: i % 2 === 0 ? 300 : 0, widen: i % 2 === 0, toQueueId: '' },
  averageHandleSeconds: 300,
  teamId: '',
  revision: 1,
}));

function waitingConversations(now: number): Waiting[] {
  return Array.from({ length: CONVERSATIONS }, (_, i) => ({
    tenantId: TENANT,
    conversationId: `conv-${i}`,
    queueId: POLICIES[i % POLICIES.length]!.queueId,
    teamId: '',
    channel: 'chat',
    language: pick([...LANGUAGES, 'pt-br', '']),
    priority: int(1, 4),
    queuedAt: now - int(0, 600_000),
  }));
}

const summary = (ms: number[]) => {
  const sorted = sortedAscending(ms);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

const timedMs = (fn: () => unknown): number => {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
};

export function measureDecisions() {
  const now = Date.now();
  const agents = agentViews(now);
  const waiting = waitingConversations(now);
  const policies = new Map(POLICIES.map((p) => [p.queueId, p]));
  const sample = Array.from({ length: SAMPLE }, () => pick(waiting));
  // The router's AgentPool: who fits each requirement is judged the first time the requirement is met.
  const pool = new AgentPool();
  for (const a of agents.values()) pool.set(a);
  const decide = (w: Waiting, from: AgentPool | Iterable<AgentView> = pool) => route({ waiting: w, policy: policies.get(w.queueId), agents: from, declined: new Set<string>(), now });
  const firstOfRequirement = sample.slice(0, 500).map((w) => timedMs(() => decide(w)));
  const all: number[] = [];
  const byStrategy = new Map<string, number[]>();
  let offers = 0;
  for (const w of sample) {
    const t0 = performance.now();
    const outcome = decide(w);
    const ms = performance.now() - t0;
    all.push(ms);
    const strategy = policies.get(w.queueId)!.strategy;
    if (!byStrategy.has(strategy)) byStrategy.set(strategy, []);
    byStrategy.get(strategy)!.push(ms);
    if (outcome.kind === 'offer') offers++;
  }
  // Before: every agent judged one by one for each decision (a smaller sample: it is the slow way).
  const oneByOne = sample.slice(0, 1_000).map((w) => timedMs(() => decide(w, agents.values())));

  // A pass starts by putting every waiting conversation in serving order; measured as starting the merge and taking the first 1,000.
  const line = new WaitingLine();
  for (const w of waiting) line.put(w);
  const policyOf = (w: Waiting) => policies.get(w.queueId);
  const passStarts: number[] = [];
  const fullSorts: number[] = [];
  for (let i = 0; i < 5; i++) {
    passStarts.push(
      timedMs(() => {
        const order = line.servingOrder(policyOf, now);
        for (let n = 0; n < 1_000 && order.next(); n++);
      }),
    );
    fullSorts.push(timedMs(() => [...waiting].sort(servingOrder(policyOf, now))));
  }
  return {
    all: summary(all),
    byStrategy: [...byStrategy].map(([s, ms]) => ({ strategy: s, ...summary(ms) })),
    offers,
    firstOfRequirement: summary(firstOfRequirement),
    oneByOne: summary(oneByOne),
    servingOrderMs: summary(passStarts).p50,
    fullSortMs: summary(fullSorts).p50,
  };
}
