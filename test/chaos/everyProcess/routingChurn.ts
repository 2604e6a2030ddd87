/**
 * Routing kept busy at its agents' capacity: visitors keep starting
 * conversations in the queue (`inFlight` at a time, more than the free
 * places), and the agent each is assigned to resolves it a moment later
 * through the gateway, freeing the place for the next. So the replicas of
 * routing assign all through the run with agents full and conversations
 * waiting, which is what the double-assignment and capacity checks
 * (assignmentSafety.ts) need to mean something.
 */
import { sleep } from '../../bench/e2e/clock';
import type { AssignmentWatch } from '../../bench/e2e/assignmentWatch';
import type { GatewayHttp } from '../../bench/e2e/gatewayHttp';
import { probeAssignment } from './assignmentProbe';
import type { GatewayAnswers } from './gatewayAnswers';
import { requestUntilAnswered, type RetryPolicy } from './retryingRequest';

export interface ChurnDeps {
  http: GatewayHttp;
  answers: GatewayAnswers;
  assignments: AssignmentWatch;
  widgetKey: string;
  queue: string;
  /** A staff token for each agent, to resolve as them. */
  agentToken: (agentId: string) => string;
}

const ASSIGN_WAIT_MS = 120_000;

/** Resolves an assigned conversation as its agent, retrying with one key; undefined when done, else what went wrong. */
export async function resolveAsAgent(deps: ChurnDeps, conversationId: string, policy: RetryPolicy): Promise<string | undefined> {
  const agentId = await deps.assignments.agentOf(conversationId, 1);
  const outcome = await requestUntilAnswered(
    deps.http,
    deps.answers,
    'POST resolve',
    { method: 'POST', path: `/v1/conversations/${conversationId}/resolve`, token: deps.agentToken(agentId), idempotencyKey: `resolve-${conversationId}` },
    policy,
  );
  if (outcome.kind === 'accepted') return undefined;
  return outcome.kind === 'refused' ? `resolve ${conversationId}: HTTP ${outcome.reply.status} ${outcome.reply.body.slice(0, 200)}` : undefined;
}

export class RoutingChurn {
  started = 0;
  resolved = 0;
  readonly problems: string[] = [];
  private stopped = false;
  private workers: Promise<void>[] = [];

  constructor(
    private readonly deps: ChurnDeps,
    private readonly policy: RetryPolicy,
    private readonly opts: { inFlight: number; holdMs: [number, number] },
  ) {}

  start(): void {
    this.workers = Array.from({ length: this.opts.inFlight }, () => this.worker());
  }

  /** Stops starting conversations; resolves when every started one is resolved (or given up). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers);
  }

  private async worker(): Promise<void> {
    while (!this.stopped && !this.policy.stopped()) {
      this.started++;
      const probe = await probeAssignment(this.deps, this.policy, ASSIGN_WAIT_MS);
      if (probe.assignedAt === undefined) {
        if (!this.policy.stopped()) this.problems.push(`a churn conversation ${probe.conversationId ?? '(not started)'}: ${probe.error ?? 'not assigned'}`);
        continue;
      }
      const [min, max] = this.opts.holdMs;
      await sleep(min + Math.random() * (max - min));
      const problem = await resolveAsAgent(this.deps, probe.conversationId!, this.policy);
      if (problem) this.problems.push(problem);
      else this.resolved++;
    }
  }
}
