import { Channel } from '@contactcenter/proto/conversation/v1';
import { IllegalStateError, ValidationError } from '@contactcenter/infra/errors';
import type { QueueConversation, StartConversation } from './commands';
import { eventFrom, occurredAt } from './commandGuards';
import { checkQueueing, decideQueue } from './decideRouting';
import type { ConversationEvent } from './events';
import { evolve } from './evolve';
import type { ConversationState } from './state';
import {
  limits,
  optionalId,
  optionalLine,
  requireChannel,
  requireLanguageTag,
  requireReference,
} from './validation';

/**
 * Starts a conversation, and with `queue` puts it in that queue in the same
 * append. A retry with the same id and the same data returns no events (the
 * caller answers with the current revision), or only the queueing when a
 * start without a queue came first and it is still open; the same id with
 * different data is a conflict.
 */
export function decideStart(command: StartConversation, state: ConversationState): ConversationEvent[] {
  const queueing = queueingOf(command);
  const started = decideStartOnly(command, state);
  if (!queueing) return started;
  if (started.length === 0) {
    // A retry: queued since (and perhaps assigned, or resolved) is where the first start left it.
    return state.status === 'open' ? decideQueue(queueing, state) : [];
  }
  return [...started, ...decideQueue(queueing, started.reduce(evolve, state))];
}

/** The QueueConversation a start into a queue carries, its input checked before anything else is. */
function queueingOf(command: StartConversation): QueueConversation | undefined {
  const { queue, conversationId } = command.data;
  if (!queue) return undefined;
  if (queue.conversationId && queue.conversationId !== conversationId) {
    throw new ValidationError('queue.conversation_id', `must be empty or the started conversation's id "${conversationId}"`);
  }
  if (queue.expectedRevision !== undefined) throw new ValidationError('queue.expected_revision', 'must be unset: a start has no earlier revision');
  const queueing: QueueConversation = {
    type: 'QueueConversation',
    data: { conversationId, queueId: queue.queueId, teamId: queue.teamId ?? '', firstReplyDueAt: queue.firstReplyDueAt },
    metadata: command.metadata,
  };
  checkQueueing(queueing.data, 'queue.');
  return queueing;
}

function decideStartOnly(command: StartConversation, state: ConversationState): ConversationEvent[] {
  const { data, metadata } = command;
  requireChannel('channel', data.channel);
  requireReference('customer_id', data.customerId);
  requireLanguageTag('language', data.language);
  optionalId('region', data.region);
  optionalLine('subject', data.subject, limits.subjectChars);
  const invitationId = optionalId('invitation_id', data.invitationId ?? '');
  const channelProvider = requireProvider(data.channel, data.channelProvider ?? '');

  if (state.status !== 'initial') {
    const started = state.details;
    const sameStart =
      started.tenantId === metadata.tenantId &&
      started.conversationId === data.conversationId &&
      started.channel === data.channel &&
      started.customerId === data.customerId &&
      started.language === data.language &&
      started.region === data.region &&
      started.subject === data.subject &&
      (started.invitationId ?? '') === invitationId &&
      (started.channelProvider ?? '') === channelProvider;
    if (sameStart) return [];
    throw new IllegalStateError(`conversation "${data.conversationId}" was already started with other data`);
  }

  return [
    eventFrom(command, 'ConversationStarted', {
      conversationId: data.conversationId,
      tenantId: metadata.tenantId,
      channel: data.channel,
      customerId: data.customerId,
      language: data.language,
      region: data.region,
      subject: data.subject,
      occurredAt: occurredAt(command),
      invitationId,
      ...(channelProvider ? { channelProvider } : {}),
    }),
  ];
}

/** The providers each channel knows; their reply rules are in replyWindow.ts. */
const providersByChannel: Partial<Record<Channel, readonly string[]>> = {
  [Channel.CHANNEL_EMAIL]: ['email'],
  [Channel.CHANNEL_SOCIAL]: ['whatsapp', 'messenger', 'instagram'],
};

function requireProvider(channel: Channel, provider: string): string {
  if (provider === '') return '';
  const known = providersByChannel[channel] ?? [];
  if (!known.includes(provider)) {
    throw new ValidationError(
      'channel_provider',
      known.length ? `must be one of ${known.join(', ')} on this channel` : 'must be empty on this channel',
    );
  }
  return provider;
}
