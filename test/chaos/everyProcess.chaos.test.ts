/**
 * Chaos over every process (issue 19), one process per service: see
 * everyProcess/chaosRun.ts for what the run does and what fails it.
 *   npm run test:chaos -- test/chaos/everyProcess.chaos.test.ts
 *   CHAOS_BUSY_CORES=1 npm run test:chaos -- test/chaos/everyProcess.chaos.test.ts
 */
import { runChaos } from './everyProcess/chaosRun';
import { chaosSettings } from './everyProcess/chaosSettings';
import { Cleanups } from './everyProcess/cleanups';

jest.setTimeout(15 * 60_000);

const cleanup = new Cleanups();
afterAll(() => cleanup.runAll());

it('every process killed in turn under steady load: nothing lost or repeated, recovery within the bounds', async () => {
  expect(await runChaos(cleanup, { replicas: 1, agentCapacity: chaosSettings.agentCapacity })).toEqual([]);
});
