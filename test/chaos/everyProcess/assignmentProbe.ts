/**
 * "New conversations are assigned": a visitor starts a conversation in the
 * queue (session, then conversation, each retried with its own
 * Idempotency-Key) and the clock runs until AgentAssigned for it is on an
 * agent's socket.
 */
import type { AssignmentWatch } from '../../bench/e2e/assignmentWatch';
import type { GatewayHttp } from '../../bench/e2e/gatewayHttp';
import type { GatewayAnswers } from './gatewayAnswers';
import { requestUntilAnswered, type RetryPolicy } from './retryingRequest';

export interface ProbeResult {
  startedAt: number;
  conversationId?: string;
  /** Started: the conversation's POST answered 2xx. */
  startedConversationAt?: number;
  assignedAt?: number;
  error?: string;
}

export async function probeAssignment(
  deps: { http: GatewayHttp; answers: GatewayAnswers; assignments: AssignmentWatch; widgetKey: string; queue: string },
  policy: RetryPolicy,
  waitMs: number,
): Promise<ProbeResult> {
  const result: ProbeResult = { startedAt: Date.now() };
  const id = Math.random().toString(36).slice(2, 10);
  const session = await requestUntilAnswered(deps.http, deps.answers, 'POST visitor session', { method: 'POST', path: '/v1/visitor/sessions', body: { widgetKey: deps.widgetKey }, idempotencyKey: `probe-s-${id}` }, policy);
  if (session.kind !== 'accepted') return { ...result, error: `visitor session ${session.kind}${'reply' in session ? `: HTTP ${session.reply.status}` : ''}` };
  const { token } = JSON.parse(session.reply.body) as { token: string };
  const started = await requestUntilAnswered(
    deps.http,
    deps.answers,
    'POST visitor conversation',
    { method: 'POST', path: '/v1/visitor/conversations', token, body: { language: 'en', queueId: deps.queue, subject: 'chaos probe' }, idempotencyKey: `probe-c-${id}` },
    policy,
  );
  if (started.kind !== 'accepted') return { ...result, error: `conversation start ${started.kind}${'reply' in started ? `: HTTP ${started.reply.status} ${started.reply.body.slice(0, 200)}` : ''}` };
  result.startedConversationAt = Date.now();
  result.conversationId = (JSON.parse(started.reply.body) as { conversationId: string }).conversationId;
  try {
    // `waitMs` bounds the whole probe, the starting requests included.
    await deps.assignments.agentOf(result.conversationId, Math.max(1, waitMs - (Date.now() - result.startedAt)));
    result.assignedAt = Date.now();
  } catch (err) {
    result.error = (err as Error).message;
  }
  return result;
}
