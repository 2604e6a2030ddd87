/**
 * One chaos run over every process (issue 19; with two replicas of each
 * service, issue 16): the whole stack as processes on a private NATS server
 * and fresh PostgreSQL databases, steady visitor traffic through the gateway
 * (CHAOS_RATE messages/s, a unique Idempotency-Key each, clients retrying
 * with the same key), agents on WebSockets resuming with `?after=`, an SSE
 * reader resuming with `Last-Event-ID`, a webhook receiver; then each
 * service (one replica of it, when there are several) SIGKILLed and started
 * again in turn, the NATS server SIGKILLed and started again, and the
 * databases' connections terminated, with steady load between kills. With
 * `churn`, visitors keep starting conversations that agents resolve, so that
 * routing works at the agents' capacity throughout; the probes of "a new
 * conversation is assigned" then use a queue of higher priority, so that they
 * measure routing's recovery rather than the churn's waiting line.
 *
 * Fails on: an accepted message missing from the event store, JetStream, an
 * agent socket, SSE or the webhook receiver, or more than once in the store,
 * JetStream, a socket or SSE; a 5xx other than 503 with Retry-After; a
 * message refused with a final 4xx (a client would drop it); a conversation
 * assigned while assigned, or an agent past their capacity (from the event
 * store); a recovery slower than the bounds (chaosSettings.ts); and, once the
 * load stops, the system not recovering by itself (every client answered, a
 * new message accepted and delivered, a new conversation assigned, within
 * the bounds). With CHAOS_BUSY_CORES=N, N busy loops take the CPU for the
 * whole run: the per-kill bounds are then measured and reported, not
 * asserted; everything else is. Prints a recovery table and writes it as
 * JSON. Everything it starts ends with it, also when the run is interrupted
 * (orphanReaper.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SocketHealth, type AgentDesk } from '../../bench/e2e/agentDesk';
import { AssignmentWatch } from '../../bench/e2e/assignmentWatch';
import { sleep } from '../../bench/e2e/clock';
import { createGatewayHttp } from '../../bench/e2e/gatewayHttp';
import { setUpTenant } from '../../bench/e2e/tenantSetup';
import { startConversations } from '../../bench/e2e/visitorConversations';
import { probeAssignment, type ProbeResult } from './assignmentProbe';
import { assignmentSafety } from './assignmentSafety';
import { callsPerReplica } from './replicaCalls';
import { startBusyCores } from './busyCores';
import { ChaosLedger } from './chaosLedger';
import { checkDelivery } from './deliveryCheck';
import { ASSIGNED_BOUND_MS, CAUGHT_UP_BOUND_MS, chaosSettings as settings, NEXT_ACCEPTED_BOUND_MS, SETTLE_BOUND_MS } from './chaosSettings';
import { startChaosStack } from './chaosStack';
import type { Cleanups } from './cleanups';
import { storeCounts, streamCounts } from './durableRecords';
import { GatewayAnswers } from './gatewayAnswers';
import { allKills, chosenKills } from './kills';
import { startOrphanReaper } from './orphanReaper';
import { watchPublished } from './publishedWatch';
import { formatRecoveryTable, recoveryOf, type Recovery, type Stage } from './recoveryTable';
import { requestUntilAnswered } from './retryingRequest';
import { resolveAsAgent, RoutingChurn } from './routingChurn';
import { SseReader } from './sseReader';
import { VisitorLoad } from './visitorLoad';
import { startWebhookReceiver } from './webhookReceiver';

const log = (line: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const PROBE_WAIT_MS = 30_000;

const GATEWAY_ENV = {
  // The suite measures recovery, not the limiter.
  RATE_LIMIT_PER_KEY_PER_MINUTE: '1000000',
  RATE_LIMIT_PER_IP_PER_MINUTE: '10000000',
  VISITOR_SESSIONS_PER_MINUTE_PER_ADDRESS: '100000',
  VISITOR_SESSIONS_PER_MINUTE_PER_WIDGET_KEY: '100000',
  // The webhook receiver is on loopback, over http.
  OUTBOUND_ALLOWED_NETWORKS: '127.0.0.0/8',
  WEBHOOKS_ALLOW_INSECURE: 'true',
};

const diffCounts = (now: Map<string, number>, before: Map<string, number>) =>
  Object.fromEntries([...now].map(([k, n]) => [k, n - (before.get(k) ?? 0)] as const).filter(([, n]) => n > 0));


export interface ChaosRun {
  /** Processes per service; with more than one, the gateways sit behind a round-robin TCP balancer. */
  replicas: number;
  agentCapacity: number;
  /** Routing kept at capacity: conversations started `inFlight` at a time, each resolved `holdMs` after its assignment. */
  churn?: { inFlight: number; holdMs: [number, number] };
  /** Where the results go (default CHAOS_RESULTS_PATH or test/chaos/results/). */
  resultsPath?: string;
}

export async function runChaos(cleanup: Cleanups, run: ChaosRun): Promise<string[]> {
  const runStarted = Date.now();
  const busy = settings.busyCores > 0;
  log(`starting the stack (private NATS, fresh PostgreSQL, ${run.replicas} process(es) of each of the seven services); tenant ${settings.tenant}`);
  // Should the run be interrupted (Ctrl-C) or killed, this ends the processes and drops the databases.
  const reaper = startOrphanReaper();
  cleanup.add('orphan reaper', () => reaper.release());
  const stack = await startChaosStack(GATEWAY_ENV, run.replicas);
  for (const url of stack.databaseUrls) reaper.dropDatabase(url);
  reaper.removeDirectory(stack.nats.storeDir);
  cleanup.add('stack', () => stack.teardown());
  const http = createGatewayHttp(stack.gatewayUrl);
  cleanup.add('gateway connections', () => http.close());

  const agentIds = Array.from({ length: settings.agents }, (_, i) => `agent-${i + 1}`);
  const ledger = new ChaosLedger(agentIds);
  const assignments = new AssignmentWatch();
  const health = new SocketHealth();
  const answers = new GatewayAnswers();
  const desks: AgentDesk[] = [];
  cleanup.add('agent sockets', async () => void (await Promise.all(desks.map((d) => d.close()))));
  const tenant = await setUpTenant(stack, http, { ledger, assignments, health }, { ...settings, agentCapacity: run.agentCapacity });
  desks.push(...tenant.desks);
  const admin = stack.token(settings.tenant, 'chaos-admin', ['admin']);
  // With agents kept at capacity, a probe in the churn's queue would measure the queue, not recovery:
  // probes go to a queue of higher priority, served by the next place that frees (as a VIP line is).
  const probeQueue = run.churn ? 'urgent' : settings.queue;
  if (run.churn) await http.api('PUT', `/v1/admin/queues/${probeQueue}`, admin, { name: 'Urgent', channel: 'chat', strategy: 'STRATEGY_LEAST_BUSY', averageHandleSeconds: 60, priority: 'PRIORITY_URGENT' });

  const receiver = await startWebhookReceiver(ledger);
  cleanup.add('webhook receiver', () => receiver.close());
  await http.api('POST', '/v1/webhooks', admin, { url: receiver.url, eventTypes: ['contactcenter.conversation.v1.MessagePosted'], description: 'chaos' });
  const { key: apiKey } = await http.api<{ key: string }>('POST', '/v1/admin/api-keys', admin, { name: 'chaos-sse', scopes: ['events:read'] });
  const sse = new SseReader(stack.gatewayUrl, apiKey, ledger, answers);
  cleanup.add('SSE reader', () => sse.close());
  await sse.open(0);
  const published = await watchPublished(stack.nats.url, settings.tenant, ledger);
  cleanup.add('NATS observer', () => published.close());
  const conversations = await startConversations(http, assignments, settings.conversations, tenant.widgetKey);
  ledger.assigned(conversations);

  if (busy) {
    const loops = startBusyCores(settings.busyCores);
    cleanup.add('busy loops', () => loops.stop());
    log(`${settings.busyCores} busy loop(s) taking the CPU from here to the end`);
  }
  const policy = { timeoutMs: settings.postTimeoutMs, maxRetryAfterMs: settings.maxRetryAfterMs };
  let runOver = false;
  const load = new VisitorLoad(http, ledger, answers, conversations, { rate: settings.rate, ...policy });
  cleanup.add('visitor load', () => {
    runOver = true;
    load.stop();
    return load.abandon();
  });
  const probeDeps = { http, answers, assignments, widgetKey: tenant.widgetKey, queue: probeQueue, agentToken: (agentId: string) => stack.token(settings.tenant, agentId, ['agent']) };
  const resolveProblems: string[] = [];
  /** A probe's conversation, once assigned, is resolved by its agent: probes must not eat the agents' places. */
  const resolvedAfter = async (probe: ProbeResult) => {
    if (probe.assignedAt !== undefined && probe.conversationId) {
      const problem = await resolveAsAgent(probeDeps, probe.conversationId, probePolicy);
      if (problem) resolveProblems.push(problem);
    }
    return probe;
  };
  const probePolicy = { ...policy, stopped: () => runOver };
  // A probe gives up after PROBE_WAIT_MS of retries too: an overloaded stack must not stretch a stage (and the run) without end.
  const probeDeadline = () => {
    const until = Date.now() + PROBE_WAIT_MS;
    return { ...policy, stopped: () => runOver || Date.now() > until };
  };

  log(`load: ${settings.rate} messages/s over ${conversations.length} conversations; ${settings.secondsBetweenKills} s between kills`);
  const loadStarted = Date.now();
  load.start();
  const churn = run.churn ? new RoutingChurn({ ...probeDeps, queue: settings.queue }, probePolicy, run.churn) : undefined;
  churn?.start();
  if (churn) log(`routing churn: ${run.churn!.inFlight} conversations at a time, each resolved ${run.churn!.holdMs.join('-')} ms after its assignment; agents' capacity ${run.agentCapacity}`);
  await sleep(settings.secondsBetweenKills * 1000);

  const stages: Stage[] = [];
  let since = loadStarted;
  for (const kill of chosenKills(allKills(stack, settings.natsDownMs), settings.kills)) {
    const before = new Map(answers.counts);
    log(`kill ${kill.name} (${load.pending} clients retrying)`);
    const times = await kill.run();
    log(`${kill.name} ready again after ${times.readyAt - times.killAt} ms`);
    const probe = probeAssignment(probeDeps, probeDeadline(), PROBE_WAIT_MS).then(resolvedAfter);
    await sleep(settings.secondsBetweenKills * 1000);
    const stage: Stage = { name: kill.name, times, since, answers: {}, probe: await probe };
    stage.answers = diffCounts(answers.counts, before);
    stages.push(stage);
    since = times.readyAt;
  }

  // The offered load falls to nothing: the system must recover by itself.
  load.stop();
  const loadStopped = Date.now();
  await churn?.stop();
  log(`load stopped after ${load.offered} messages; ${load.pending} clients still retrying`);
  const settled = await load.settle(SETTLE_BOUND_MS);
  const settleMs = Date.now() - loadStopped;
  const afterLoad = await recoveryOnceLoadFalls();
  log(`after the load: clients answered in ${settleMs} ms; one message accepted in ${afterLoad.acceptedMs} ms, live in ${afterLoad.liveMs} ms; a conversation assigned in ${afterLoad.assignedMs} ms`);

  const drainUntil = Date.now() + settings.drainMs;
  while (!ledger.allDelivered() && Date.now() < drainUntil) await sleep(200);
  await sleep(1_000); // a late duplicate would come now
  runOver = true;
  await load.abandon();
  const [store, stream] = await Promise.all([storeCounts(stack.eventStoreUrl, settings.tenant), streamCounts(published.nc, settings.tenant)]);
  const delivery = checkDelivery(ledger, store, stream);
  const safety = await assignmentSafety(stack.eventStoreUrl, settings.tenant, run.agentCapacity);
  const replicaCalls = await callsPerReplica(stack.services);

  const recoveries: Recovery[] = stages.map((stage, i) => recoveryOf(stage, ledger, stack.logs, settings.shortlyAfterKillMs, stages[i + 1]?.times.killAt ?? loadStopped));
  const table = formatRecoveryTable(recoveries);
  const result = {
    mode: busy ? `busy (${settings.busyCores} core(s) taken)` : 'idle machine',
    replicas: run.replicas,
    bounds: { nextAcceptedAfterReadyMs: NEXT_ACCEPTED_BOUND_MS, deliveryLagAfterReadyMs: CAUGHT_UP_BOUND_MS, assignedMs: ASSIGNED_BOUND_MS, settleMs: SETTLE_BOUND_MS },
    rate: settings.rate,
    offered: load.offered,
    recoveries,
    afterLoad: { settled, settleMs, ...afterLoad },
    delivery,
    routing: {
      ...safety,
      doubleAssignments: safety.doubleAssignments.slice(0, 10),
      overCapacity: safety.overCapacity.slice(0, 10),
      capacity: run.agentCapacity,
      churn: churn && { started: churn.started, resolved: churn.resolved, problems: churn.problems.slice(0, 10) },
      resolveProblems: resolveProblems.slice(0, 10),
    },
    relayTakeoverMs: stages.filter((s) => s.times.relayTakeoverAt !== undefined).map((s) => s.times.relayTakeoverAt! - s.times.killAt),
    gatewayConnectionsHanded: stack.services.balancer?.handed,
    grpcCallsPerReplica: replicaCalls,
    forbiddenAnswers: { total: answers.forbiddenTotal, samples: answers.forbidden.slice(0, 10) },
    answers: Object.fromEntries(answers.counts),
    sockets: { reconnects: health.reconnects, problems: health.problems.slice(0, 30) },
    sse: { reconnects: sse.reconnects, problems: sse.problems.slice(0, 30) },
    webhookDeliveries: receiver.deliveries,
    runSeconds: Math.round((Date.now() - runStarted) / 1000),
  };
  const resultsPath = run.resultsPath ?? settings.resultsPath;
  mkdirSync(dirname(resultsPath), { recursive: true });
  writeFileSync(resultsPath, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\nRecovery per kill (${result.mode}; bounds: next accepted ≤ ${NEXT_ACCEPTED_BOUND_MS} ms after ready, each message live ≤ ${CAUGHT_UP_BOUND_MS} ms after it could be (max of accepted, ready), assigned ≤ ${ASSIGNED_BOUND_MS} ms)\n${table}\n`);
  for (const r of recoveries.filter((x) => x.failed.length)) {
    process.stdout.write(`\n${r.kill}: ${r.failed.join('; ')}\n  after ready (ms): published ${r.afterReady.published}, ${Object.entries(r.afterReady.channels).map(([c, ms]) => `${c} ${ms}`).join(', ')}\n  answers: ${JSON.stringify(r.answers)}\n  logs: ${JSON.stringify(Object.fromEntries(Object.entries(r.warnings).sort((a, b) => b[1] - a[1]).slice(0, 8)))}\n`);
  }
  process.stdout.write(`\ndelivery: ${JSON.stringify(delivery.summary)}\nafter the load: ${JSON.stringify(result.afterLoad)}\n${run.replicas > 1 ? `gRPC calls per replica: ${JSON.stringify(replicaCalls)}; gateway connections per replica: ${stack.services.balancer?.handed.join(', ')}; relay lease taken over ${result.relayTakeoverMs.join(', ')} ms after its holder was killed\n` : ''}routing: ${result.routing.assignments} assignments, ${safety.doubleAssignments.length} double, ${safety.overCapacity.length} over capacity (most held ${safety.maxHeld} of ${run.agentCapacity})\nforbidden 5xx: ${answers.forbiddenTotal}\nresults: ${resultsPath}\n`);

  const failures: string[] = [...delivery.failures];
  if (answers.forbiddenTotal > 0) failures.push(`${answers.forbiddenTotal} answers were 5xx other than 503 with Retry-After, e.g. ${JSON.stringify(answers.forbidden[0])}`);
  if (!settled) failures.push(`${load.pending} clients still retrying ${SETTLE_BOUND_MS} ms after the load stopped`);
  failures.push(...afterLoad.failed);
  for (const d of safety.doubleAssignments.slice(0, 5)) failures.push(`conversation ${d.conversationId} assigned to ${d.assigned} while assigned to ${d.held}`);
  for (const o of safety.overCapacity.slice(0, 5)) failures.push(`${o.agentId} held ${o.held} conversations, capacity ${run.agentCapacity}`);
  if (churn && safety.maxHeld < run.agentCapacity) failures.push(`no agent ever reached their capacity (${safety.maxHeld} of ${run.agentCapacity}): the capacity check was not put to the test`);
  failures.push(...resolveProblems, ...(churn?.problems ?? []));
  if (run.replicas > 1) {
    // Every visitor message is a conversation call, every heartbeat a presence call, every churn conversation a routing call.
    for (const name of ['conversation', 'presence', 'routing'] as const) {
      const calls = replicaCalls[name] ?? [];
      if (calls.some((n) => n === 0)) failures.push(`a ${name} replica served no gRPC call (per replica: ${calls.join(', ')}): the load did not spread`);
    }
    for (const stage of stages.filter((x) => x.name === 'conversation' && x.times.relayTakeoverAt === undefined)) failures.push(`no relay took the lease over after its holder was killed (${stage.times.detail})`);
    const handed = stack.services.balancer?.handed ?? [];
    if (handed.length < run.replicas || handed.some((n) => !n)) failures.push(`the balancer did not hand connections to every gateway (${handed.join(', ')})`);
  }
  const boundFailures = recoveries.flatMap((r) => r.failed.map((f) => `${r.kill}: ${f}`));
  // On a busy machine the bounds are measured, not promised; recovering once the load falls is.
  if (!busy) failures.push(...boundFailures);
  return failures;

  /** One message and one conversation after the load stopped: accepted, delivered, assigned within the bounds. */
  async function recoveryOnceLoadFalls() {
    const failed: string[] = [];
    const conversation = conversations[0]!;
    const key = `chaos-after-load-${Date.now()}`;
    const record = ledger.newMessage(key, conversation.id);
    const outcome = await requestUntilAnswered(
      http,
      answers,
      'POST message',
      { method: 'POST', path: `/v1/visitor/conversations/${conversation.id}/messages`, token: conversation.visitorToken, body: { text: 'Anyone there?', language: 'en' }, idempotencyKey: key },
      { ...probePolicy, stopped: () => runOver || Date.now() - record.firstSentAt > 30_000 },
    );
    let acceptedMs: number | undefined;
    let liveMs: number | undefined;
    if (outcome.kind === 'accepted') {
      record.acceptedAt = Date.now();
      record.acceptedAttemptAt = outcome.attemptStartedAt;
      acceptedMs = record.acceptedAt - record.firstSentAt;
      const until = Date.now() + 30_000;
      while (ledger.liveDeliveredAt(record) === undefined && Date.now() < until) await sleep(20);
      const at = ledger.liveDeliveredAt(record);
      liveMs = at === undefined ? undefined : Math.max(0, at - record.acceptedAt);
    } else if (outcome.kind === 'refused') {
      record.refused = { status: outcome.reply.status, body: outcome.reply.body.slice(0, 300) };
    }
    const probe = await probeAssignment(probeDeps, probeDeadline(), PROBE_WAIT_MS).then(resolvedAfter);
    const assignedMs = probe.assignedAt === undefined ? undefined : probe.assignedAt - probe.startedAt;
    if (acceptedMs === undefined || acceptedMs > NEXT_ACCEPTED_BOUND_MS) failed.push(`after the load: a new message accepted in ${acceptedMs ?? 'never'} ms (bound ${NEXT_ACCEPTED_BOUND_MS})`);
    if (liveMs === undefined || liveMs > CAUGHT_UP_BOUND_MS) failed.push(`after the load: the new message on its agent's socket and SSE in ${liveMs ?? 'never'} ms (bound ${CAUGHT_UP_BOUND_MS})`);
    if (assignedMs === undefined || assignedMs > ASSIGNED_BOUND_MS) failed.push(`after the load: a new conversation assigned in ${assignedMs ?? 'never'} ms (bound ${ASSIGNED_BOUND_MS}) ${probe.error ?? ''}`);
    return { acceptedMs, liveMs, assignedMs, failed };
  }
}
