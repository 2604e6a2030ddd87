import { TicketStatus } from '@contactcenter/proto/conversation/v1';
import { IllegalStateError, NotFoundError } from '@contactcenter/infra/errors';
import { conversationDecider } from './conversationDecider';
import { assigned, command, event, queued, reopened, resolved, started, ticket } from './conversationFixtures';
import { DeciderSpecification } from './deciderSpec';

const spec = DeciderSpecification.for(conversationDecider);

describe('ResolveConversation', () => {
  const resolve = (actorId = 'agent-7') => command('ResolveConversation', {}, { actorId });

  it.each([
    ['open', [started()]],
    ['queued', [started(), queued()]],
    ['assigned', [started(), queued(), assigned()]],
    ['reopened', [started(), resolved(), reopened()]],
  ])('resolves a conversation that is %s, recording who did', (_status, given) => {
    spec.given(given).when(resolve('agent-9')).then([{ ...resolved('agent-9'), metadata: { tenantId: 'acme', actorId: 'agent-9' } }]);
  });

  it('refuses to resolve twice', () => {
    spec.given([started(), resolved()]).when(resolve()).thenThrows(IllegalStateError, 'already resolved');
  });

  it('needs a started conversation', () => {
    spec.given([]).when(resolve()).thenThrows(NotFoundError);
  });
});

describe('ReopenConversation', () => {
  const reopen = (reason = 'customer called back') => command('ReopenConversation', { reason });

  it('reopens a resolved conversation', () => {
    spec.given([started(), assigned(), resolved()]).when(reopen()).then([reopened('customer called back')]);
  });

  it.each([
    ['open', [started()]],
    ['queued', [started(), queued()]],
    ['assigned', [started(), assigned()]],
  ])('refuses a conversation that is %s', (_status, given) => {
    spec.given(given).when(reopen()).thenThrows(IllegalStateError, 'is not resolved');
  });

  it('limits the reason to 1000 characters', () => {
    spec.given([started(), resolved()]).when(reopen('r'.repeat(1001))).thenRejectsField('reason');
  });

  it('needs a started conversation', () => {
    spec.given([]).when(reopen()).thenThrows(NotFoundError);
  });
});

describe('ConvertToTicket', () => {
  const convert = (ticketStatus: TicketStatus) => command('ConvertToTicket', { ticketStatus });

  it.each([TicketStatus.TICKET_STATUS_OPEN, TicketStatus.TICKET_STATUS_PENDING, TicketStatus.TICKET_STATUS_SOLVED])(
    'converts with status %i',
    (status) => {
      spec.given([started(), assigned()]).when(convert(status)).then([ticket(status)]);
    },
  );

  it('converts a resolved conversation (a follow-up ticket)', () => {
    spec.given([started(), resolved()]).when(convert(TicketStatus.TICKET_STATUS_PENDING)).then([
      ticket(TicketStatus.TICKET_STATUS_PENDING),
    ]);
  });

  it('refuses to convert twice', () => {
    spec.given([started(), ticket()]).when(convert(TicketStatus.TICKET_STATUS_OPEN)).thenThrows(IllegalStateError, 'already a ticket');
  });

  it.each([TicketStatus.TICKET_STATUS_UNSPECIFIED, TicketStatus.UNRECOGNIZED, 8])('rejects ticket_status %i', (status) => {
    spec.given([started()]).when(convert(status)).thenRejectsField('ticket_status');
  });

  it('needs a started conversation', () => {
    spec.given([]).when(convert(TicketStatus.TICKET_STATUS_OPEN)).thenThrows(NotFoundError);
  });
});

describe('SetTicketStatus', () => {
  const setStatus = (ticketStatus: TicketStatus) => command('SetTicketStatus', { ticketStatus });

  it('changes the status, recording the previous one', () => {
    spec.given([started(), ticket(TicketStatus.TICKET_STATUS_OPEN)]).when(setStatus(TicketStatus.TICKET_STATUS_SOLVED)).then([
      event('TicketStatusChanged', {
        ticketStatus: TicketStatus.TICKET_STATUS_SOLVED,
        previous: TicketStatus.TICKET_STATUS_OPEN,
        changedBy: 'agent-7',
      }),
    ]);
  });

  it('uses the latest status as previous', () => {
    spec
      .given([
        started(),
        ticket(TicketStatus.TICKET_STATUS_OPEN),
        event('TicketStatusChanged', { ticketStatus: TicketStatus.TICKET_STATUS_PENDING, previous: TicketStatus.TICKET_STATUS_OPEN, changedBy: 'agent-7' }),
      ])
      .when(setStatus(TicketStatus.TICKET_STATUS_OPEN))
      .then([
        event('TicketStatusChanged', { ticketStatus: TicketStatus.TICKET_STATUS_OPEN, previous: TicketStatus.TICKET_STATUS_PENDING, changedBy: 'agent-7' }),
      ]);
  });

  it('is a no-op for the status the ticket already has', () => {
    spec.given([started(), ticket(TicketStatus.TICKET_STATUS_PENDING)]).when(setStatus(TicketStatus.TICKET_STATUS_PENDING)).thenNothingHappens();
  });

  it('refuses a conversation that is not a ticket', () => {
    spec.given([started()]).when(setStatus(TicketStatus.TICKET_STATUS_SOLVED)).thenThrows(IllegalStateError, 'is not a ticket');
  });

  it('rejects an unknown status', () => {
    spec.given([started(), ticket()]).when(setStatus(TicketStatus.TICKET_STATUS_UNSPECIFIED)).thenRejectsField('ticket_status');
  });

  it('needs a started conversation', () => {
    spec.given([]).when(setStatus(TicketStatus.TICKET_STATUS_OPEN)).thenThrows(NotFoundError);
  });
});
