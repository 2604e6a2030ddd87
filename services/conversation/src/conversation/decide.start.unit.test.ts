import { Channel } from '@contactcenter/proto/conversation/v1';
import { IllegalStateError } from '@contactcenter/infra/errors';
import { conversationDecider } from './conversationDecider';
import { assigned, command, conversationId, event, now, queued, resolved, startData, started, tenantId } from './conversationFixtures';
import { DeciderSpecification } from './deciderSpec';

const spec = DeciderSpecification.for(conversationDecider);
const start = (data: Partial<typeof startData> = {}, meta = {}) =>
  command('StartConversation', { ...startData, ...data }, meta);
type Placement = { conversationId?: string; expectedRevision?: number; queueId: string; teamId?: string; firstReplyDueAt?: Date };
const startIn = (queue: Placement, meta = {}) => command('StartConversation', { ...startData, queue }, meta);

describe('StartConversation', () => {
  it('starts a conversation for the tenant, at the command time', () => {
    spec.given([]).when(start()).then([started()]);
  });

  it('records the tenant from the metadata and optional fields as given', () => {
    spec
      .given([])
      .when(start({ region: '', subject: '', channel: Channel.CHANNEL_EMAIL }, { tenantId: 'globex' }))
      .then([
        event(
          'ConversationStarted',
          { tenantId: 'globex', ...startData, channel: Channel.CHANNEL_EMAIL, region: '', subject: '' },
          { tenantId: 'globex' },
        ),
      ]);
  });

  it('records the proactive invitation the visitor accepted, as part of the conversation', () => {
    spec.given([]).when(start({ invitationId: 'inv-7' })).then([event('ConversationStarted', { tenantId, ...startData, invitationId: 'inv-7' })]);
    spec.given([]).when(start({ invitationId: 'inv 7' })).thenRejectsField('invitation_id');
    spec.given([started()]).when(start({ invitationId: 'inv-7' })).thenThrows(IllegalStateError, 'already started with other data');
  });

  it('is idempotent: a retry with the same id and data writes nothing, even later on', () => {
    spec.given([started()]).when(start()).thenNothingHappens();
    spec.given([started(), queued()]).when(start({}, { now: new Date(now.getTime() + 5000) })).thenNothingHappens();
  });

  it.each([
    ['channel', { channel: Channel.CHANNEL_PHONE }],
    ['customer', { customerId: 'someone-else' }],
    ['language', { language: 'es' }],
    ['region', { region: 'us-east' }],
    ['subject', { subject: 'Other' }],
  ])('refuses a second start with a different %s', (_what, change) => {
    spec.given([started()]).when(start(change)).thenThrows(IllegalStateError, `"${conversationId}" was already started`);
  });

  describe('validation', () => {
    it.each([Channel.CHANNEL_UNSPECIFIED, Channel.UNRECOGNIZED, 9])('rejects channel %i', (channel) => {
      spec.given([]).when(start({ channel })).thenRejectsField('channel');
    });

    it.each(['', 'english', 'e', 'en_US'])('rejects language %j', (language) => {
      spec.given([]).when(start({ language })).thenRejectsField('language');
    });

    it.each(['es', 'pt-BR', 'zh-Hant-TW'])('accepts language %j', (language) => {
      spec.given([]).when(start({ language })).then([event('ConversationStarted', { tenantId, ...startData, language })]);
    });

    it.each(['', 'has space', 'x'.repeat(129)])('rejects customer_id %j', (customerId) => {
      spec.given([]).when(start({ customerId })).thenRejectsField('customer_id');
    });

    it('accepts an e-mail address as customer_id', () => {
      spec
        .given([])
        .when(start({ customerId: 'jane.doe+shop@example.com' }))
        .then([event('ConversationStarted', { tenantId, ...startData, customerId: 'jane.doe+shop@example.com' })]);
    });

    it.each(['', 'a.b', 'a:b', 'a b'])('rejects tenant_id %j', (badTenant) => {
      spec.given([]).when(start({}, { tenantId: badTenant })).thenRejectsField('tenant_id');
    });

    it.each(['', 'c:1', 'c/1'])('rejects conversation_id %j', (id) => {
      spec.given([]).when(command('StartConversation', { ...startData, conversationId: id })).thenRejectsField('conversation_id');
    });

    it('rejects a region with unsafe characters, a long or multi-line subject', () => {
      spec.given([]).when(start({ region: 'eu west' })).thenRejectsField('region');
      spec.given([]).when(start({ subject: 's'.repeat(513) })).thenRejectsField('subject');
      spec.given([]).when(start({ subject: 'a\nb' })).thenRejectsField('subject');
    });

    it('rejects an invalid clock reading and a missing actor', () => {
      spec.given([]).when(start({}, { now: new Date(Number.NaN) })).thenRejectsField('now');
      spec.given([]).when(start({}, { actorId: '' })).thenRejectsField('actor_id');
    });

    it('checks input before state: a bad retry is a bad request, not a conflict', () => {
      spec.given([started()]).when(start({ language: 'english' })).thenRejectsField('language');
    });
  });

  describe('straight into a queue', () => {
    const due = new Date(now.getTime() + 20_000);

    it('starts and queues it in one append, with the queue\'s team and promise', () => {
      spec.given([]).when(startIn({ queueId: 'support-pt', teamId: 'team-pt', firstReplyDueAt: due })).then([
        started(),
        event('ConversationQueued', { queueId: 'support-pt', teamId: 'team-pt', firstReplyDueAt: due }),
      ]);
      spec.given([]).when(startIn({ conversationId, queueId: 'support-pt' })).then([started(), queued()]);
    });

    it('is idempotent: a retry writes nothing, wherever the conversation went since', () => {
      spec.given([started(), queued()]).when(startIn({ queueId: 'support-pt' })).thenNothingHappens();
      spec.given([started(), queued(), assigned()]).when(startIn({ queueId: 'support-pt' })).thenNothingHappens();
      spec.given([started(), queued(), assigned(), resolved()]).when(startIn({ queueId: 'support-pt' })).thenNothingHappens();
    });

    it('queues a conversation that an earlier start left open', () => {
      spec.given([started()]).when(startIn({ queueId: 'support-pt' })).then([queued()]);
    });

    it('refuses a retry with other start data, and queues nothing', () => {
      spec.given([started(), queued()]).when(command('StartConversation', { ...startData, language: 'es', queue: { queueId: 'support-pt' } })).thenThrows(IllegalStateError, 'already started with other data');
    });

    it.each([
      ['queue.queue_id', { queueId: '' }],
      ['queue.queue_id', { queueId: 'has space' }],
      ['queue.team_id', { queueId: 'support-pt', teamId: 'a b' }],
      ['queue.first_reply_due_at', { queueId: 'support-pt', firstReplyDueAt: new Date(Number.NaN) }],
      ['queue.conversation_id', { queueId: 'support-pt', conversationId: 'another' }],
      ['queue.expected_revision', { queueId: 'support-pt', expectedRevision: 0 }],
    ])('names %s when the placement is bad, and writes nothing', (field, queue) => {
      spec.given([]).when(startIn(queue)).thenRejectsField(field);
      // Input before state, on a retry too.
      spec.given([started()]).when(startIn(queue)).thenRejectsField(field);
    });
  });
});
