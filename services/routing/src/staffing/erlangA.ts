import type { StaffingTarget } from './erlang';

/**
 * Erlang A (M/M/n+M, Palm's model): visitors arrive at `arrivalsPerSecond`,
 * are served in `handleSeconds` on average by `n` servers, and leave a wait
 * after `patienceSeconds` on average (exponentially distributed).
 */
export interface ErlangAInput {
  n: number;
  arrivalsPerSecond: number;
  handleSeconds: number;
  patienceSeconds: number;
}

export interface ErlangAFigures {
  waitProbability: number;
  /** Share of arrivals who leave before being answered. */
  abandonment: number;
  /** Share of all arrivals answered within the target (leavers count as not answered). */
  serviceLevel: number;
  /** Busy share of the servers. */
  occupancy: number;
}

/** The stationary distribution of the number in system, truncated where it no longer matters. */
function stationary({ n, arrivalsPerSecond: lambda, handleSeconds, patienceSeconds }: ErlangAInput): number[] {
  const mu = 1 / handleSeconds;
  const theta = 1 / patienceSeconds;
  // Log weights: a^k/k! overflows a double for a few hundred Erlangs.
  const logs = [0];
  let peak = 0;
  for (let k = 1; ; k++) {
    const out = Math.min(k, n) * mu + Math.max(0, k - n) * theta;
    const lw = logs[k - 1]! + Math.log(lambda) - Math.log(out);
    logs.push(lw);
    peak = Math.max(peak, lw);
    if (k > n && lw < peak - 40) break;
  }
  const w = logs.map((l) => Math.exp(l - peak));
  const total = w.reduce((s, x) => s + x, 0);
  return w.map((x) => x / total);
}

export function erlangAFigures(input: ErlangAInput, targetSeconds: number): ErlangAFigures {
  const { n, arrivalsPerSecond: lambda, handleSeconds, patienceSeconds } = input;
  if (lambda <= 0) return { waitProbability: 0, abandonment: 0, serviceLevel: 1, occupancy: 0 };
  const mu = 1 / handleSeconds;
  const theta = 1 / patienceSeconds;
  const pi = stationary(input);
  let waitProbability = 0;
  let queued = 0;
  let busy = 0;
  for (let k = 0; k < pi.length; k++) {
    if (k >= n) waitProbability += pi[k]!;
    queued += Math.max(0, k - n) * pi[k]!;
    busy += Math.min(k, n) * pi[k]!;
  }
  const answeredAtOnce = 1 - waitProbability;
  return {
    waitProbability,
    abandonment: (theta * queued) / lambda,
    serviceLevel: answeredAtOnce + servedWithin(significant(pi.slice(n)), n * mu, theta, targetSeconds),
    occupancy: n > 0 ? busy / n : 1,
  };
}

/** Drops the far tail of the line whose mass cannot change a figure (it only costs integration steps). */
function significant(ahead: number[]): number[] {
  let last = ahead.length;
  for (let rest = 0; last > 0 && rest + ahead[last - 1]! < 1e-12; last--) rest += ahead[last - 1]!;
  return ahead.slice(0, last);
}

/**
 * Probability mass answered within `t` among arrivals who find `m` ahead
 * (`ahead[m]`): they move up as anyone ahead is served or leaves (rate
 * nμ + jθ with j ahead), are served from the head at rate nμ, and leave
 * themselves at rate θ. Integrated with classical Runge-Kutta.
 */
function servedWithin(ahead: number[], serviceRate: number, theta: number, t: number): number {
  if (t <= 0 || ahead.length === 0) return 0;
  const rate = (j: number) => serviceRate + j * theta;
  const maxRate = rate(ahead.length) + theta;
  const steps = Math.max(200, Math.ceil((t * maxRate) / 0.1));
  const dt = t / steps;
  const m = ahead.length;
  // State: p[0..m-1] by places ahead, p[m] the answered mass. Buffers are reused: this runs for every staffing level tried.
  const derive = (p: Float64Array, d: Float64Array) => {
    for (let j = 0; j < m; j++) d[j] = -(rate(j) + theta) * p[j]! + (j + 1 < m ? rate(j + 1) * p[j + 1]! : 0);
    d[m] = serviceRate * p[0]!;
  };
  const p = Float64Array.from([...ahead, 0]);
  const [k1, k2, k3, k4, x] = Array.from({ length: 5 }, () => new Float64Array(m + 1));
  const along = (k: Float64Array, h: number) => {
    for (let i = 0; i <= m; i++) x![i] = p[i]! + h * k[i]!;
    return x!;
  };
  for (let s = 0; s < steps; s++) {
    derive(p, k1!);
    derive(along(k1!, dt / 2), k2!);
    derive(along(k2!, dt / 2), k3!);
    derive(along(k3!, dt), k4!);
    for (let i = 0; i <= m; i++) p[i] = p[i]! + (dt / 6) * (k1![i]! + 2 * k2![i]! + 2 * k3![i]! + k4![i]!);
  }
  return p[m]!;
}

/** Fewest servers whose Erlang A service level meets the target (0 without traffic). */
export function erlangAServers(input: Omit<ErlangAInput, 'n'>, target: StaffingTarget): number {
  if (input.arrivalsPerSecond <= 0) return 0;
  const a = input.arrivalsPerSecond * input.handleSeconds;
  for (let n = Math.max(1, Math.floor(a - 3 * Math.sqrt(a))); ; n++) {
    if (erlangAFigures({ ...input, n }, target.targetSeconds).serviceLevel >= target.serviceLevel) return n;
  }
}
