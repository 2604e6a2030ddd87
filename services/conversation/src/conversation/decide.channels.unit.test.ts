import { AuthorKind, Channel, DeliveryStatus } from '@contactcenter/proto/conversation/v1';
import { IllegalStateError } from '@contactcenter/infra/errors';
import { conversationDecider } from './conversationDecider';
import { conversationView } from './conversationView';
import { actorId, command, customerId, customerMessage, event, linked, now, started, startData, tenantId } from './conversationFixtures';
import { DeciderSpecification } from './deciderSpec';

const spec = DeciderSpecification.for(conversationDecider);
const HOUR = 3_600_000;
const at = (ms: number) => new Date(now.getTime() + ms);

const startedOn = (channel: Channel, channelProvider: string) =>
  event('ConversationStarted', { tenantId, ...startData, channel, channelProvider });
const whatsapp = () => startedOn(Channel.CHANNEL_SOCIAL, 'whatsapp');
const messenger = () => startedOn(Channel.CHANNEL_SOCIAL, 'messenger');

const agentPost = (text: string, template?: { name: string; language: string; parameters: string[] }, nowAt = now) =>
  command(
    'PostMessage',
    { authorKind: AuthorKind.AUTHOR_KIND_AGENT, authorId: '', text, attachments: [], clientMessageId: '', language: '', template },
    { now: nowAt },
  );

describe('StartConversation on a provider', () => {
  it('records the provider the customer wrote through', () => {
    spec
      .given([])
      .when(command('StartConversation', { ...startData, channel: Channel.CHANNEL_SOCIAL, channelProvider: 'whatsapp' }))
      .then([startedOn(Channel.CHANNEL_SOCIAL, 'whatsapp')]);
  });

  it('refuses a provider the channel does not have', () => {
    spec.given([]).when(command('StartConversation', { ...startData, channel: Channel.CHANNEL_EMAIL, channelProvider: 'whatsapp' })).thenRejectsField('channel_provider', 'email');
    spec.given([]).when(command('StartConversation', { ...startData, channel: Channel.CHANNEL_CHAT, channelProvider: 'email' })).thenRejectsField('channel_provider', 'empty');
  });
});

describe('the customer-service window of messaging apps', () => {
  it('lets an agent write freely for 24 hours after the customer last wrote on WhatsApp', () => {
    const events = spec.given([whatsapp(), customerMessage('m1', '', 1)]).when(agentPost('Hello Ken', undefined, at(23 * HOUR)));
    events.then([expect.objectContaining({ type: 'MessagePosted' }) as never]);
  });

  it('refuses free text after 24 hours on WhatsApp, and takes an approved template instead', () => {
    spec.given([whatsapp(), customerMessage('m1', '', 1)]).when(agentPost('Hello again', undefined, at(25 * HOUR))).thenThrows(IllegalStateError, 'only a message template');
    const template = { name: 'order_update', language: 'en_US', parameters: ['Ken', '#1234'] };
    const [posted] = conversationDecider.decide(agentPost('', template, at(25 * HOUR)), fold([whatsapp(), customerMessage('m1', '', 1)]));
    expect(posted?.type === 'MessagePosted' && posted.data.message?.template).toEqual(template);
  });

  it('counts the window from the customer\'s latest message, not the agent\'s', () => {
    const later = { ...customerMessage('m2', '', 2), data: { ...customerMessage('m2', '', 2).data, occurredAt: at(20 * HOUR) } };
    later.data.message = { ...later.data.message!, postedAt: at(20 * HOUR) };
    expect(() => conversationDecider.decide(agentPost('ok', undefined, at(43 * HOUR)), fold([whatsapp(), customerMessage('m1', '', 1), later]))).not.toThrow();
  });

  it('on Messenger allows 7 days (the human-agent tag) and then nothing, not even a template', () => {
    const given = [messenger(), customerMessage('m1', '', 1)];
    expect(() => conversationDecider.decide(agentPost('ok', undefined, at(6 * 24 * HOUR)), fold(given))).not.toThrow();
    spec.given(given).when(agentPost('late', undefined, at(8 * 24 * HOUR))).thenThrows(IllegalStateError, 'nothing may be sent');
    spec.given(given).when(agentPost('', { name: 'x', language: 'en', parameters: [] })).thenRejectsField('template', 'WhatsApp');
  });

  it('a WhatsApp conversation the business started takes only templates until the customer writes', () => {
    spec.given([whatsapp()]).when(agentPost('Hi!')).thenThrows(IllegalStateError, 'template');
  });

  it('refuses malformed templates, naming the field', () => {
    const given = [whatsapp(), customerMessage('m1', '', 1)];
    spec.given(given).when(agentPost('', { name: 'Bad Name', language: 'en', parameters: [] })).thenRejectsField('template.name');
    spec.given(given).when(agentPost('', { name: 'ok', language: 'english', parameters: [] })).thenRejectsField('template.language');
    spec.given(given).when(agentPost('', { name: 'ok', language: 'en', parameters: [''] })).thenRejectsField('template.parameters[0]');
  });

  it('shows the desk when the window closes', () => {
    const view = conversationView(fold([whatsapp(), customerMessage('m1', '', 1)]));
    expect(view?.replyWindowClosesAt).toEqual(at(24 * HOUR));
    expect(view?.channelProvider).toBe('whatsapp');
    expect(conversationView(fold([started(), customerMessage('m1', '', 1)]))?.replyWindowClosesAt).toBeUndefined();
  });
});

describe('RecordMessageDelivery', () => {
  const given = [startedOn(Channel.CHANNEL_EMAIL, 'email'), customerMessage('m1', '', 1)];
  const receipt = (status: DeliveryStatus, willRetry = false, detail = '') =>
    command('RecordMessageDelivery', { messageId: 'm1', status, providerMessageId: '<m1@shop.example>', detail, willRetry });
  const updated = (status: DeliveryStatus, willRetry = false, detail = '') =>
    event('MessageDeliveryUpdated', { messageId: 'm1', status, providerMessageId: '<m1@shop.example>', detail, willRetry });

  it('records sent, delivered and read once each, in order', () => {
    spec.given(given).when(receipt(DeliveryStatus.DELIVERY_STATUS_SENT)).then([updated(DeliveryStatus.DELIVERY_STATUS_SENT)]);
    spec.given([...given, updated(DeliveryStatus.DELIVERY_STATUS_SENT)]).when(receipt(DeliveryStatus.DELIVERY_STATUS_SENT)).thenNothingHappens();
    spec.given([...given, updated(DeliveryStatus.DELIVERY_STATUS_READ)]).when(receipt(DeliveryStatus.DELIVERY_STATUS_DELIVERED)).thenNothingHappens();
  });

  it('records a bounce once, and a retried failure per attempt', () => {
    spec.given(given).when(receipt(DeliveryStatus.DELIVERY_STATUS_BOUNCED, false, '5.1.1 no such user')).then([updated(DeliveryStatus.DELIVERY_STATUS_BOUNCED, false, '5.1.1 no such user')]);
    spec.given([...given, updated(DeliveryStatus.DELIVERY_STATUS_BOUNCED)]).when(receipt(DeliveryStatus.DELIVERY_STATUS_BOUNCED)).thenNothingHappens();
    spec
      .given([...given, updated(DeliveryStatus.DELIVERY_STATUS_FAILED, true, '451')])
      .when(receipt(DeliveryStatus.DELIVERY_STATUS_FAILED, true, '451'))
      .then([updated(DeliveryStatus.DELIVERY_STATUS_FAILED, true, '451')]);
    spec.given([...given, updated(DeliveryStatus.DELIVERY_STATUS_FAILED, true)]).when(receipt(DeliveryStatus.DELIVERY_STATUS_SENT)).then([updated(DeliveryStatus.DELIVERY_STATUS_SENT)]);
  });

  it('refuses an unknown message and an unknown status', () => {
    spec.given(given).when(command('RecordMessageDelivery', { messageId: 'nope', status: DeliveryStatus.DELIVERY_STATUS_SENT, providerMessageId: '', detail: '', willRetry: false })).thenThrows(IllegalStateError, 'no message');
    spec.given(given).when(receipt(DeliveryStatus.DELIVERY_STATUS_UNSPECIFIED)).thenRejectsField('status');
  });
});

describe('UnlinkCustomerIdentity', () => {
  const unlink = (linkedCustomerId: string, reason: string) => command('UnlinkCustomerIdentity', { linkedCustomerId, reason });

  it('undoes a link with the reason, so it can be linked again', () => {
    spec
      .given([started(), linked('email:ken@example.com')])
      .when(unlink('email:ken@example.com', 'shared family mailbox'))
      .then([event('CustomerIdentityUnlinked', { customerId, linkedCustomerId: 'email:ken@example.com', reason: 'shared family mailbox', unlinkedBy: actorId })]);
    const after = [started(), linked('email:ken@example.com'), event('CustomerIdentityUnlinked', { customerId, linkedCustomerId: 'email:ken@example.com', reason: 'x', unlinkedBy: actorId })];
    spec.given(after).when(command('LinkCustomerIdentity', { linkedCustomerId: 'email:ken@example.com', method: 'agent', reason: 'confirmed by phone' })).then([
      event('CustomerIdentityLinked', { customerId, linkedCustomerId: 'email:ken@example.com', method: 'agent', linkedBy: actorId, reason: 'confirmed by phone' }),
    ]);
  });

  it('needs a reason and an identity that is linked', () => {
    spec.given([started(), linked('email:ken@example.com')]).when(unlink('email:ken@example.com', ' ')).thenRejectsField('reason');
    spec.given([started()]).when(unlink('email:ken@example.com', 'wrong')).thenThrows(IllegalStateError, 'not linked');
  });
});

function fold(events: Parameters<typeof conversationDecider.evolve>[1][]) {
  return events.reduce(conversationDecider.evolve, conversationDecider.initialState());
}
