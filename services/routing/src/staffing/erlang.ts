/**
 * Queueing formulas for staffing: how many servers (agents, or chat slots)
 * a stream of contacts needs to be answered within a target time.
 *
 * - Erlang C (M/M/n): nobody hangs up while waiting. It overstaffs when
 *   visitors do leave, since every leaver would have been served.
 * - Erlang A (M/M/n+M): waiting visitors leave at rate `1 / patience`.
 *
 * Traffic `a` is in Erlangs: arrivals per second × mean handle seconds.
 */

/** Erlang B (blocking probability with n servers), by the stable recursion B(k) = a·B(k−1) / (k + a·B(k−1)). */
export function erlangB(n: number, a: number): number {
  let b = 1;
  for (let k = 1; k <= n; k++) b = (a * b) / (k + a * b);
  return b;
}

/** Erlang C: the probability that a contact waits at all; 1 when the servers cannot keep up (n ≤ a). */
export function erlangC(n: number, a: number): number {
  if (a <= 0) return 0;
  if (n <= a) return 1;
  const b = erlangB(n, a);
  return (n * b) / (n - a * (1 - b));
}

export interface ErlangCFigures {
  /** Probability of waiting at all. */
  waitProbability: number;
  /** Share answered within the target (Erlang C: every contact is answered eventually). */
  serviceLevel: number;
  /** Average speed of answer, seconds. */
  averageWaitSeconds: number;
  /** Busy share of the servers. */
  occupancy: number;
}

/** Erlang C figures for `n` servers, `a` Erlangs, mean handle `handleSeconds` and an answer target of `targetSeconds`. */
export function erlangCFigures(n: number, a: number, handleSeconds: number, targetSeconds: number): ErlangCFigures {
  const c = erlangC(n, a);
  if (n <= a) return { waitProbability: 1, serviceLevel: 0, averageWaitSeconds: Infinity, occupancy: 1 };
  return {
    waitProbability: c,
    serviceLevel: 1 - c * Math.exp((-(n - a) * targetSeconds) / handleSeconds),
    averageWaitSeconds: (c * handleSeconds) / (n - a),
    occupancy: a / n,
  };
}

export interface StaffingTarget {
  /** Share to answer within `targetSeconds`, e.g. 0.8. */
  serviceLevel: number;
  targetSeconds: number;
}

/** Fewest servers with an Erlang C service level at or above the target (0 without traffic). */
export function erlangCServers(a: number, handleSeconds: number, target: StaffingTarget): number {
  if (a <= 0) return 0;
  for (let n = Math.max(1, Math.floor(a) + 1); ; n++) {
    if (erlangCFigures(n, a, handleSeconds, target.targetSeconds).serviceLevel >= target.serviceLevel) return n;
  }
}
