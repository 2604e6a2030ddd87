/**
 * The ledger's verdict over the whole run: every accepted message exactly
 * once in the event store and in JetStream, once on its conversation's agent's
 * socket and on SSE, at least once at the webhook receiver, on no other
 * agent's socket (each follows their own work); no message refused with a final
 * 4xx. Returns the counts and one failure line per kind of breach.
 */
import type { ChaosLedger } from './chaosLedger';
import type { Counts } from './durableRecords';

export function checkDelivery(ledger: ChaosLedger, store: Counts, stream: Counts) {
  const all = ledger.all();
  const accepted = ledger.accepted();
  const socketCounts = (key: (typeof accepted)[number]) => ledger.agentIds.map((a) => key.sockets.get(a)?.length ?? 0);
  const onItsAgent = (r: (typeof accepted)[number]) => {
    const agent = ledger.agentFor(r);
    return agent === undefined ? 0 : (r.sockets.get(agent)?.length ?? 0);
  };
  const lost = {
    store: accepted.filter((r) => !store.get(r.key)).map((r) => r.key),
    jetstream: accepted.filter((r) => !stream.get(r.key)).map((r) => r.key),
    sockets: accepted.filter((r) => onItsAgent(r) === 0).map((r) => r.key),
    sse: accepted.filter((r) => r.sse.length === 0).map((r) => r.key),
    webhook: accepted.filter((r) => r.webhook.length === 0).map((r) => r.key),
  };
  const repeated = {
    store: [...store].filter(([, n]) => n > 1).map(([k]) => k),
    jetstream: [...stream].filter(([, n]) => n > 1).map(([k]) => k),
    sockets: all.filter((r) => socketCounts(r).some((n) => n > 1)).map((r) => r.key),
    sse: all.filter((r) => r.sse.length > 1).map((r) => r.key),
  };
  // The fan-out hands a message only to the sockets that follow its conversation.
  const elsewhere = all.filter((r) => ledger.agentIds.some((a) => a !== ledger.agentFor(r) && (r.sockets.get(a)?.length ?? 0) > 0)).map((r) => r.key);
  const refused = all.filter((r) => r.refused);
  const refusedByStatus: Record<string, number> = {};
  for (const r of refused) refusedByStatus[r.refused!.status] = (refusedByStatus[r.refused!.status] ?? 0) + 1;
  const summary = {
    offered: all.length,
    accepted: accepted.length,
    refused: refusedByStatus,
    abandoned: all.filter((r) => r.abandoned).length,
    inStoreThoughNotAccepted: all.filter((r) => r.acceptedAt === undefined && store.get(r.key)).length,
    retriedMessages: all.filter((r) => r.attempts > 1).length,
    lost: Object.fromEntries(Object.entries(lost).map(([k, v]) => [k, v.length])),
    duplicates: Object.fromEntries(Object.entries(repeated).map(([k, v]) => [k, v.length])),
    webhookRepeats: all.reduce((n, r) => n + Math.max(0, r.webhook.length - 1), 0),
  };
  const failures: string[] = [];
  if (accepted.length === 0) failures.push('no message was accepted at all');
  if (store.size === 0 && accepted.length > 0) failures.push('the event store query found no MessagePosted of the tenant: has the event layout changed?');
  for (const [where, keys] of Object.entries(lost)) if (keys.length) failures.push(`${keys.length} accepted messages lost on ${where}, e.g. ${keys.slice(0, 3).join(', ')}`);
  for (const [where, keys] of Object.entries(repeated)) if (keys.length) failures.push(`${keys.length} messages more than once on ${where}, e.g. ${keys.slice(0, 3).join(', ')}`);
  if (elsewhere.length) failures.push(`${elsewhere.length} messages on the socket of an agent whose conversation it is not, e.g. ${elsewhere.slice(0, 3).join(', ')}`);
  if (refused.length) failures.push(`${refused.length} messages refused with a final 4xx (a retrying client drops them): ${JSON.stringify(refusedByStatus)}, e.g. ${refused[0]!.refused!.body}`);
  return { summary, failures };
}
