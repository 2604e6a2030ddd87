import { Gauge, type Registry } from 'prom-client';
import { queueStats, type QueueStats } from '../domain/queueStats';
import type { AgentDirectory } from './agentDirectory';
import type { Router } from './router';

const LABELS = ['tenant', 'queue'] as const;

/**
 * Prometheus gauges for operations, read at scrape time from this replica's
 * view (every replica follows the same events, so any one answers):
 * `routing_queue_depth`, `routing_queue_longest_wait_seconds` and
 * `routing_queue_agents_online` per tenant and queue. One computation serves
 * the three gauges of a scrape.
 */
export function registerQueueGauges(registry: Registry, deps: { router: () => Router | undefined; directory: AgentDirectory; now?: () => number }): void {
  const now = deps.now ?? Date.now;
  let pending: Promise<Map<string, QueueStats[]>> | undefined;
  const snapshot = () => {
    pending ??= (async () => {
      const out = new Map<string, QueueStats[]>();
      const router = deps.router();
      if (!router) return out;
      // The directory's tenants (re-read from the queues on every resync), not a KV scan per scrape.
      const tenants = new Set([...deps.directory.tenantIds(), ...router.waiting.keys()]);
      for (const tenantId of tenants) {
        const defs = await router.defs(tenantId);
        out.set(tenantId, queueStats(defs.queues.values(), router.waiting.get(tenantId)?.values() ?? [], deps.directory.agents(tenantId), now()));
      }
      return out;
    })().finally(() => setTimeout(() => (pending = undefined), 500).unref());
    return pending;
  };
  const gauge = (name: string, help: string, pick: (s: QueueStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: LABELS,
      registers: [registry],
      async collect() {
        this.reset();
        for (const [tenant, stats] of await snapshot()) for (const s of stats) this.set({ tenant, queue: s.queueId }, pick(s));
      },
    });
  gauge('routing_queue_depth', 'Conversations waiting in the queue', (s) => s.depth);
  gauge('routing_queue_longest_wait_seconds', 'How long the longest-waiting conversation of the queue has waited', (s) => s.longestWaitSeconds);
  gauge('routing_queue_agents_online', 'Agents accepting work now who fit the queue', (s) => s.agentsOnline);
}
