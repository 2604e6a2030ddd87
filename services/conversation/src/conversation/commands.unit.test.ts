import {
  AddInternalNoteRequest,
  AssignAgentRequest,
  AuthorKind,
  Channel,
  ConvertToTicketRequest,
  LinkCustomerIdentityRequest,
  PostMessageRequest,
  Priority,
  QueueConversationRequest,
  ReopenConversationRequest,
  ResolveConversationRequest,
  SetPriorityRequest,
  SetTicketStatusRequest,
  StartConversationRequest,
  TagConversationRequest,
  TicketStatus,
  TransferConversationRequest,
} from '@contactcenter/proto/conversation/v1';
import type { ConversationCommand } from './commands';
import { conversationDecider } from './conversationDecider';
import { metadata } from './conversationFixtures';
import type { ConversationEvent } from './events';

// The gRPC edge passes each decoded request as the command's data, unchanged:
// this compiles only while the command shapes stay compatible with the contract.
describe('commands accept the generated gRPC requests as data', () => {
  it('runs a whole conversation from requests', () => {
    const conversationId = 'conv-grpc';
    const commands: ConversationCommand[] = [
      { type: 'StartConversation', data: StartConversationRequest.fromPartial({ conversationId, channel: Channel.CHANNEL_CHAT, customerId: 'c1', language: 'en' }), metadata: metadata() },
      { type: 'PostMessage', data: PostMessageRequest.fromPartial({ conversationId, authorKind: AuthorKind.AUTHOR_KIND_CUSTOMER, text: 'hi', clientMessageId: 'k1', expectedRevision: 0 }), metadata: metadata({ newId: 'm1' }) },
      { type: 'QueueConversation', data: QueueConversationRequest.fromPartial({ conversationId, queueId: 'q1' }), metadata: metadata() },
      { type: 'AssignAgent', data: AssignAgentRequest.fromPartial({ conversationId, agentId: 'a1' }), metadata: metadata() },
      { type: 'TransferConversation', data: TransferConversationRequest.fromPartial({ conversationId, target: { $case: 'toAgentId', value: 'a2' } }), metadata: metadata() },
      { type: 'AddInternalNote', data: AddInternalNoteRequest.fromPartial({ conversationId, text: 'note' }), metadata: metadata({ newId: 'n1' }) },
      { type: 'TagConversation', data: TagConversationRequest.fromPartial({ conversationId, add: ['vip'] }), metadata: metadata() },
      { type: 'SetPriority', data: SetPriorityRequest.fromPartial({ conversationId, priority: Priority.PRIORITY_HIGH }), metadata: metadata() },
      { type: 'ConvertToTicket', data: ConvertToTicketRequest.fromPartial({ conversationId, ticketStatus: TicketStatus.TICKET_STATUS_OPEN }), metadata: metadata() },
      { type: 'SetTicketStatus', data: SetTicketStatusRequest.fromPartial({ conversationId, ticketStatus: TicketStatus.TICKET_STATUS_SOLVED }), metadata: metadata() },
      { type: 'LinkCustomerIdentity', data: LinkCustomerIdentityRequest.fromPartial({ conversationId, linkedCustomerId: 'c2' }), metadata: metadata() },
      { type: 'ResolveConversation', data: ResolveConversationRequest.fromPartial({ conversationId }), metadata: metadata() },
      { type: 'ReopenConversation', data: ReopenConversationRequest.fromPartial({ conversationId }), metadata: metadata() },
    ];
    let state = conversationDecider.initialState();
    const written: ConversationEvent[] = [];
    for (const command of commands) {
      const events = conversationDecider.decide(command, state);
      written.push(...events);
      state = events.reduce(conversationDecider.evolve, state);
    }
    expect(written.map((e) => e.type)).toEqual([
      'ConversationStarted',
      'MessagePosted',
      'ConversationQueued',
      'AgentAssigned',
      'ConversationTransferred',
      'InternalNoteAdded',
      'ConversationTagged',
      'PriorityChanged',
      'ConvertedToTicket',
      'TicketStatusChanged',
      'CustomerIdentityLinked',
      'ConversationResolved',
      'ConversationReopened',
    ]);
    expect(state).toMatchObject({ status: 'open', revision: 12 });
  });
});
