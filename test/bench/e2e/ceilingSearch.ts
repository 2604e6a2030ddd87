/**
 * The throughput ceiling: the offered rate rises by `stepFactor` per step
 * until a step fails (see phaseResult.ts for what fails one), then one step
 * halfway between the last pass and the failure. The ceiling is the highest
 * accepted messages/s of a passing phase, the steady one included.
 */
import type { PhaseResult } from './phaseResult';
import { log } from './progressLog';
import { settings } from './settings';

export interface Ceiling {
  steps: PhaseResult[];
  /** The passing phase with the highest accepted rate; undefined if none passed. */
  ceiling: PhaseResult | undefined;
  /** The first failing step above the ceiling; undefined when none failed (the ceiling is then a lower bound). */
  ceilingBound: PhaseResult | undefined;
}

/** Runs the steps through `runStep(name, rate)`; no step starts once `elapsedS()` is past the time budget. */
export async function searchCeiling(steady: PhaseResult, runStep: (name: string, rate: number) => Promise<PhaseResult>, elapsedS: () => number): Promise<Ceiling> {
  const { ceilingStart, stepFactor, maxSteps, budgetSeconds } = settings;
  const steps: PhaseResult[] = [];
  let pass: PhaseResult | undefined;
  let fail: PhaseResult | undefined;
  for (let rate = ceilingStart, k = 1; k <= maxSteps; rate *= stepFactor, k++) {
    if (elapsedS() > budgetSeconds) {
      log(`time budget (${budgetSeconds} s) reached: no further steps`);
      break;
    }
    const r = await runStep(`step${k}`, rate);
    steps.push(r);
    if (!r.passed) {
      fail = r;
      break;
    }
    pass = r;
  }
  if (fail && elapsedS() <= budgetSeconds) {
    const between = pass ? (pass.offeredRate + fail.offeredRate) / 2 : fail.offeredRate / 2;
    steps.push(await runStep(`step${steps.length + 1}`, between));
  }
  const ceiling = [steady, ...steps].filter((r) => r.passed).reduce<PhaseResult | undefined>((best, r) => (!best || r.acceptedPerSecond > best.acceptedPerSecond ? r : best), undefined);
  const ceilingBound = steps.find((r) => !r.passed && (!ceiling || r.offeredRate > ceiling.offeredRate));
  return { steps, ceiling, ceilingBound };
}
