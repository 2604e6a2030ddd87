/**
 * End-to-end message latency and throughput: a visitor POSTs a message to the
 * gateway's REST API (`POST /v1/visitor/conversations/:id/messages`) and the
 * assigned agent's WebSocket (`/v1/realtime`) receives the MessagePosted frame.
 * The seven services run as separate processes on a fresh NATS server and a
 * fresh PostgreSQL database (test/support/stack.ts); everything the bench
 * does to set a tenant up goes through the gateway too (agents, queue, widget
 * key, visitor sessions, conversations assigned by routing).
 *
 * 1. Steady rate, open loop: BENCH_E2E_RATE messages/s for BENCH_E2E_SECONDS,
 *    sent on a schedule whatever the answers, round robin over the phase's
 *    conversations (each its own visitor session), spread by routing over
 *    BENCH_E2E_AGENTS agents. Latency runs from just before the POST to the
 *    frame's arrival on the assigned agent's socket.
 * 2. Throughput ceiling: the offered rate rises by BENCH_E2E_STEP_FACTOR per
 *    step of BENCH_E2E_STEP_SECONDS until a step fails (a POST error, a
 *    message not on the agent's socket within the drain time, a duplicate,
 *    p99 over BENCH_E2E_P99_LIMIT_MS, or fewer than 95% of the offered
 *    messages accepted); then one step halfway between the last pass and the
 *    failure. The ceiling is the highest accepted messages/s of a passing step.
 * 3. Baselines on the same servers, before and after: NATS request/reply
 *    (a responder on the same server; one at a time for p50/p99, 64 in flight
 *    for the rate) and raw single-row PostgreSQL INSERTs into a fresh table
 *    of the event store's shape (one writer for p50/p99, 8 for the rate).
 * Every phase uses fresh conversations (so conversations stay chat-sized),
 * starts once the stack is idle again, and resolves them afterwards. For each
 * phase the CPU of every part (services, nats-server, the PostgreSQL backends
 * of the database, the bench client, other processes) is read from /proc, to
 * show where the time goes. Every accepted message must reach its agent
 * exactly once over the run: lost and duplicate counts are printed, and any
 * non-zero one, or a failed POST at the steady rate, fails the run (exit
 * code 1, after the JSON line). Visitor rate limits are set far
 * above the offered load (BENCH_E2E_RATE_LIMIT per minute) so that the bench
 * measures the pipeline, not the limiter; the output says so.
 * Prints progress on stderr, tables, then as its very last line one JSON object.
 * This file runs the phases in order; the parts live in test/bench/e2e/.
 *   npm run bench:e2e
 *   BENCH_E2E_SECONDS=5 BENCH_E2E_RATE=20 BENCH_E2E_MAX_STEPS=2 npm run bench:e2e
 */
import { startTestStack } from '../support/stack';
import { AgentDesk, SocketHealth } from './e2e/agentDesk';
import { AssignmentWatch } from './e2e/assignmentWatch';
import { baselines, type Baselines } from './e2e/baselines';
import { searchCeiling } from './e2e/ceilingSearch';
import { startRunClock } from './e2e/clock';
import { CpuMeter } from './e2e/cpuMeter';
import { DeliveryLedger } from './e2e/deliveryLedger';
import { createGatewayHttp } from './e2e/gatewayHttp';
import { runOpenLoopPhase } from './e2e/openLoopPhase';
import { log } from './e2e/progressLog';
import { openIdleSockets, type IdleSockets } from './e2e/idleSockets';
import { writeReport } from './e2e/report';
import { round } from './e2e/round';
import { ServiceWarnings } from './e2e/serviceWarnings';
import { settings } from './e2e/settings';
import { setUpTenant } from './e2e/tenantSetup';
import { resolveConversations, startConversations } from './e2e/visitorConversations';

const elapsedS = startRunClock();

async function main() {
  const { rateLimitPerMinute, tenant, agents, queue, agentCapacity, rate } = settings;
  const limit = String(rateLimitPerMinute);
  const gatewayEnv = {
    RATE_LIMIT_PER_KEY_PER_MINUTE: limit,
    RATE_LIMIT_PER_IP_PER_MINUTE: limit,
    // Every visitor session and socket of the bench comes from one address, far beyond what one browser opens.
    VISITOR_SESSIONS_PER_MINUTE_PER_ADDRESS: limit,
    VISITOR_SESSIONS_PER_MINUTE_PER_WIDGET_KEY: limit,
    REALTIME_MAX_CONNECTIONS_PER_TENANT: String(Math.max(10_000, 2 * (settings.idleVisitorSockets + settings.idleStaffSockets))),
  };
  log(`starting the stack (seven services as processes, fresh NATS and PostgreSQL); gateway rate limits set to ${rateLimitPerMinute}/min per key and per IP`);
  const stack = await startTestStack({ extraEnv: { gateway: gatewayEnv } });
  const http = createGatewayHttp(stack.gatewayUrl);
  const ledger = new DeliveryLedger();
  const assignments = new AssignmentWatch();
  const health = new SocketHealth();
  const warnings = new ServiceWarnings();
  const desks: AgentDesk[] = [];
  let base: Baselines | undefined;
  let idleSockets: IdleSockets | undefined;
  let tornDown = false;
  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    await idleSockets?.close();
    for (const d of desks) await d.close().catch(() => undefined);
    await base?.close();
    http.close();
    await stack.teardown();
  };
  process.once('SIGINT', () => void teardown().finally(() => process.exit(130)));
  try {
    log(`stack up in ${round(elapsedS(), 1)} s; gateway ${stack.gatewayUrl}`);
    const benchTenant = await setUpTenant(stack, http, { ledger, assignments, health });
    desks.push(...benchTenant.desks);
    log(`tenant ${tenant}: ${agents} agents online with sockets open, queue ${queue}, widget key`);
    const meter = new CpuMeter(stack);
    base = await baselines(stack.nats.url, stack.eventStoreUrl, tenant, 1_000 / rate);
    log('baselines (before)');
    await base.run();

    const conversationsFor = (offered: number) => Math.min(agents * agentCapacity, Math.max(settings.conversations, Math.ceil(offered / settings.perConversationRate)));
    // Every phase: fresh conversations, a quiet stack, the load, then the conversations resolved.
    const phase = async (name: string, offered: number, seconds: number) => {
      const conversations = await startConversations(http, assignments, conversationsFor(offered), benchTenant.widgetKey);
      await meter.settle(); // the previous phase's background work (translation, survey, routing) done
      const result = await runOpenLoopPhase({ http, ledger, meter }, name, offered, seconds, conversations);
      await resolveConversations(http, conversations, desks);
      warnings.count(stack);
      return result;
    };

    log(`warm-up: ${settings.warmupSeconds} s at ${rate}/s`);
    const warmup = await phase('warmup', rate, settings.warmupSeconds);
    log(`steady: ${settings.steadySeconds} s at ${rate}/s`);
    const steady = await phase('steady', rate, settings.steadySeconds);
    const ceiling = await searchCeiling(steady, (name, offered) => phase(name, offered, settings.stepSeconds), elapsedS);

    // The steady load again, with thousands of idle sockets on the same gateway.
    log(`idle sockets: ${settings.idleVisitorSockets} visitors and ${settings.idleStaffSockets} staff`);
    const idle = await openIdleSockets(stack, http, { tenant, widgetKey: benchTenant.widgetKey, visitors: settings.idleVisitorSockets, staff: settings.idleStaffSockets });
    idleSockets = idle;
    log(`steady with idle sockets: ${settings.steadySeconds} s at ${rate}/s`);
    const withIdle = await phase('steady-idle', rate, settings.steadySeconds);
    await idle.close();

    log('baselines (after)');
    await base.run();

    // Whole run: every accepted message on its agent's socket exactly once (late ones had until now).
    await ledger.drain(settings.drainMs);
    const delivery = ledger.wholeRun();
    warnings.count(stack);
    await teardown();

    const failures = writeReport({ warmup, steady, ceiling, idle: { sockets: idle, steady: withIdle }, base, delivery, ledger, health, warnings, elapsedS });
    if (failures.length) throw new Error(failures.join('; '));
  } finally {
    await teardown().catch((err: Error) => log(`teardown: ${err.message}`));
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`e2e benchmark failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
