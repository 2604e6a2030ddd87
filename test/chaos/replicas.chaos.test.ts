/**
 * Every service at two replicas (issue 16): two processes of each service,
 * the two gateways behind a round-robin TCP balancer, peers dialled through
 * gRPC's static address list with round_robin. Under steady visitor load and
 * routing kept at the agents' capacity (conversations started and resolved
 * all through the run), one replica of each service is SIGKILLed in turn
 * (the relay's lease holder among the conversation replicas) and started
 * again, then the NATS server, then the database connections. Fails on any
 * accepted message lost, any duplicate delivered, any double assignment, any
 * agent over capacity, and the recovery bounds of the single-replica run;
 * reports the relay's fail-over time. See everyProcess/chaosRun.ts.
 *   npm run test:replicas
 */
import { join } from 'node:path';
import { runChaos } from './everyProcess/chaosRun';
import { Cleanups } from './everyProcess/cleanups';

jest.setTimeout(15 * 60_000);

const cleanup = new Cleanups();
afterAll(() => cleanup.runAll());

it('two replicas of every service, one of each killed in turn: nothing lost, repeated, assigned twice or over capacity', async () => {
  const failures = await runChaos(cleanup, {
    replicas: 2,
    // The 10 conversations of the message load take 5 places of each agent's 7; the churn fights over the rest.
    agentCapacity: 7,
    churn: { inFlight: 6, holdMs: [500, 1_500] },
    resultsPath: process.env.CHAOS_RESULTS_PATH || join(__dirname, 'results', 'recovery-replicas.json'),
  });
  expect(failures).toEqual([]);
});
