import { Channel, ConversationStatus, Priority, TicketStatus } from '@contactcenter/proto/conversation/v1';
import {
  assigned,
  customerMessage,
  event,
  linked,
  now,
  priorityChanged,
  queued,
  reopened,
  resolved,
  started,
  tagged,
  ticket,
  transferredToTeam,
} from './conversationFixtures';
import { conversationView } from './conversationView';
import type { ConversationEvent } from './events';
import { evolve } from './evolve';
import { findMessageIdByClientMessageId, initialState, type ConversationState } from './state';

const fold = (events: ConversationEvent[]): ConversationState => events.reduce(evolve, initialState());
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);
const later = <E extends ConversationEvent>(e: E, seconds: number): E => ({ ...e, data: { ...e.data, occurredAt: at(seconds) } });

describe('evolve and conversationView', () => {
  it('has no view before the conversation starts', () => {
    expect(conversationView(initialState())).toBeUndefined();
    expect(initialState()).toEqual({ status: 'initial', revision: -1 });
  });

  it('shows a started conversation as open, normal priority, no ticket', () => {
    expect(conversationView(fold([started()]))).toEqual({
      conversationId: 'conv-1',
      tenantId: 'acme',
      channel: Channel.CHANNEL_CHAT,
      customerId: 'cust-42',
      language: 'pt-BR',
      region: 'eu-west',
      subject: 'Where is my order?',
      surveys: [],
      status: ConversationStatus.CONVERSATION_STATUS_OPEN,
      queueId: '',
      assignedAgentId: '',
      teamId: '',
      priority: Priority.PRIORITY_NORMAL,
      tags: [],
      ticketStatus: TicketStatus.TICKET_STATUS_UNSPECIFIED,
      startedAt: now,
      updatedAt: now,
      resolvedAt: undefined,
      revision: 0,
      messageCount: 0,
      lastMessageAt: undefined,
    });
  });

  it('follows a whole life: queue, assign, messages, tags, priority, ticket, resolve', () => {
    const view = conversationView(
      fold([
        started(),
        later(queued('support-pt'), 1),
        later(customerMessage('m1', 'c1', 2), 2),
        later(assigned('agent-7'), 3),
        later(tagged(['vip', 'spam']), 4),
        later(tagged(['sale'], ['spam']), 5),
        later(priorityChanged(Priority.PRIORITY_HIGH), 6),
        later(ticket(TicketStatus.TICKET_STATUS_PENDING), 7),
        later(resolved(), 8),
      ]),
    );
    expect(view).toMatchObject({
      status: ConversationStatus.CONVERSATION_STATUS_RESOLVED,
      queueId: 'support-pt',
      assignedAgentId: 'agent-7',
      tags: ['vip', 'sale'],
      priority: Priority.PRIORITY_HIGH,
      ticketStatus: TicketStatus.TICKET_STATUS_PENDING,
      messageCount: 1,
      lastMessageAt: now,
      updatedAt: at(8),
      resolvedAt: at(8),
      revision: 8,
    });
  });

  it('comes back open and unassigned after a reopen, without resolved_at', () => {
    const view = conversationView(fold([started(), assigned(), resolved(), later(reopened(), 9)]));
    expect(view).toMatchObject({
      status: ConversationStatus.CONVERSATION_STATUS_OPEN,
      assignedAgentId: '',
      resolvedAt: undefined,
      updatedAt: at(9),
    });
  });

  it('waits for the team after a transfer to a team, and is held by the agent after a transfer to an agent', () => {
    const toTeam = fold([started(), queued('support-pt'), assigned('agent-7'), transferredToTeam('billing', 'agent-7')]);
    expect(toTeam).toMatchObject({ status: 'queued', details: { teamId: 'billing', queueId: '' } });
    expect(conversationView(toTeam)).toMatchObject({ status: ConversationStatus.CONVERSATION_STATUS_QUEUED, assignedAgentId: '' });

    const toAgent = fold([
      started(),
      assigned('agent-7'),
      event('ConversationTransferred', { fromAgentId: 'agent-7', toAgentId: 'agent-8', toTeamId: '', reason: '', transferredBy: 'agent-7' }),
    ]);
    expect(toAgent).toMatchObject({ status: 'assigned', agentId: 'agent-8' });
  });

  it('shows when the first reply is due, and an overflow without a promise keeps it', () => {
    const dueAt = at(4 * 3_600);
    expect(conversationView(fold([started()]))).not.toHaveProperty('firstReplyDueAt');
    const emailQueued = event('ConversationQueued', { queueId: 'email-de', teamId: '', firstReplyDueAt: dueAt });
    expect(conversationView(fold([started(), emailQueued]))).toMatchObject({ firstReplyDueAt: dueAt });
    expect(conversationView(fold([started(), emailQueued, later(queued('email-overflow'), 60)]))).toMatchObject({ queueId: 'email-overflow', firstReplyDueAt: dueAt });
  });

  it('keeps linked identities once each, in order', () => {
    const state = fold([started(), linked('a@example.com'), linked('b@example.com'), linked('a@example.com')]);
    expect(state).toMatchObject({ details: { linkedCustomerIds: ['a@example.com', 'b@example.com'] }, revision: 3 });
  });

  it('never changes the state it is given', () => {
    const before = fold([started(), customerMessage('m1', 'c1', 1), tagged(['vip'])]);
    // What a reader can observe: the client message index as its entries (its versions share storage by design).
    const observable = (state: ConversationState) =>
      state.status === 'initial' ? state : { ...state, details: { ...state.details, messageIdsByClientMessageId: [...state.details.messageIdsByClientMessageId], messageLanguages: [...state.details.messageLanguages], translations: [...state.details.translations] } };
    const snapshot = structuredClone(observable(before));
    const after = evolve(before, customerMessage('m2', 'c2', 3));
    evolve(before, tagged([], ['vip']));
    evolve(before, resolved());
    expect(observable(before)).toEqual(snapshot);
    expect(findMessageIdByClientMessageId(before, 'c2')).toBeUndefined();
    expect(findMessageIdByClientMessageId(after, 'c2')).toBe('m2');
    // A second branch from the same state sees its own message, not the first branch's.
    const branch = evolve(before, customerMessage('m9', 'c9', 3));
    expect(findMessageIdByClientMessageId(branch, 'c2')).toBeUndefined();
    expect(findMessageIdByClientMessageId(after, 'c9')).toBeUndefined();
  });

  it('ignores events before the start but still counts their stream positions', () => {
    const state = fold([queued(), started()]);
    expect(state).toMatchObject({ status: 'open', revision: 1 });
    expect(fold([started(), started()])).toMatchObject({ status: 'open', revision: 1 });
  });
});
