import { unary, type Logger } from '@contactcenter/infra';
import { isDomainError } from '@contactcenter/infra/errors';
import { eventFilter, startWorkConsumer } from '@contactcenter/infra/events';
import { ConversationResolved, ConversationStatus, type ConversationServiceClient } from '@contactcenter/proto/conversation/v1';
import type { NatsConnection } from '@nats-io/transport-node';
import { sendsOnResolve, surveyRequest } from './surveyDefinition';
import type { SurveyStore } from './surveyStore';

export interface ResolutionTriggerDeps {
  nc: NatsConnection;
  store: SurveyStore;
  /** The conversation service (the caller owns and closes the client). */
  conversation: ConversationServiceClient;
  logger: Logger;
  now?: () => number;
  /** Durable consumer shared by every survey replica. */
  durable?: string;
}

const ACTOR = 'survey';
const RETRY_MS = [1_000, 5_000, 30_000, 120_000];

/**
 * Sends the tenant's surveys when a conversation is resolved, on the
 * channels each survey names and after its delay. One durable JetStream
 * consumer shared by the replicas; a resolution is acknowledged only when
 * every due survey is recorded on the conversation, and a delay is a
 * negative acknowledgement with that delay, so a restart loses nothing.
 * Sending is idempotent per survey, so a redelivery sends nothing twice.
 */
export class ResolutionTrigger {
  private consumer: { stop(): void } | undefined;
  private readonly conversation: ConversationServiceClient;
  private readonly now: () => number;

  constructor(private readonly deps: ResolutionTriggerDeps) {
    this.conversation = deps.conversation;
    this.now = deps.now ?? Date.now;
  }

  async start(): Promise<void> {
    this.consumer = await startWorkConsumer(
      this.deps.nc,
      {
        durable: this.deps.durable ?? 'survey-resolution-trigger',
        filterSubject: eventFilter({ context: 'conversation', eventType: 'ConversationResolved' }),
        ackWaitMs: 30_000,
        maxDeliver: -1,
        retryDelaysMs: RETRY_MS,
        logger: this.deps.logger,
        pending: 'survey not sent',
      },
      async ({ tenantId, data }) => {
        const waitMs = await this.sendDue(tenantId, ConversationResolved.fromJSON(data));
        return waitMs > 0 ? { retryInMs: waitMs } : 'done';
      },
    );
  }

  async stop(): Promise<void> {
    this.consumer?.stop();
  }

  /** Sends the surveys that are due; returns how long until the next one is (0: none left). */
  private async sendDue(tenantId: string, resolved: ConversationResolved): Promise<number> {
    const as = { tenantId, actorId: ACTOR };
    const c = this.conversation;
    const { conversation } = await unary(c, c.getConversation, { conversationId: resolved.conversationId, includeNotes: false }, as);
    // Reopened since (or gone): the resolution that would have sent it no longer stands.
    if (!conversation || conversation.status !== ConversationStatus.CONVERSATION_STATUS_RESOLVED) return 0;
    const resolvedAt = resolved.occurredAt ?? new Date(this.now());
    const already = new Set(conversation.surveys.map((s) => s.surveyId));
    let nextMs = 0;
    for (const survey of await this.deps.store.list(tenantId)) {
      if (already.has(survey.surveyId)) continue;
      const at = sendsOnResolve(survey, conversation.channel, resolvedAt);
      if (!at) continue;
      const wait = at.getTime() - this.now();
      if (wait > 0) {
        nextMs = nextMs === 0 ? wait : Math.min(nextMs, wait);
        continue;
      }
      try {
        await unary(c, c.requestSurvey, surveyRequest(survey, conversation, 'resolved'), as);
        this.deps.logger.info({ tenant_id: tenantId, conversation_id: conversation.conversationId, survey_id: survey.surveyId }, 'survey sent');
      } catch (err) {
        // Reopened between the read and the send: nothing to send any more.
        if (isDomainError(err) && err.code === 'illegal_state') return 0;
        throw err;
      }
    }
    return nextMs;
  }
}
