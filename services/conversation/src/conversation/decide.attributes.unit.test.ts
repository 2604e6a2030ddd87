import { Priority } from '@contactcenter/proto/conversation/v1';
import { IllegalStateError, NotFoundError } from '@contactcenter/infra/errors';
import { conversationDecider } from './conversationDecider';
import { command, customerId, linked, priorityChanged, resolved, started, tagged } from './conversationFixtures';
import { DeciderSpecification } from './deciderSpec';

const spec = DeciderSpecification.for(conversationDecider);

describe('TagConversation', () => {
  const tag = (add: string[], remove: string[] = []) => command('TagConversation', { add, remove });
  const fiftyTags = Array.from({ length: 50 }, (_, i) => `t${i}`);

  it('adds and removes tags, recording only what changed', () => {
    spec.given([started()]).when(tag(['vip', 'refund-request'])).then([tagged(['vip', 'refund-request'])]);
    spec.given([started(), tagged(['vip', 'spam'])]).when(tag(['vip', 'sale'], ['spam', 'absent'])).then([tagged(['sale'], ['spam'])]);
  });

  it('collapses duplicates in one request', () => {
    spec.given([started()]).when(tag(['vip', 'vip'])).then([tagged(['vip'])]);
  });

  it('is a no-op when nothing would change (a retry)', () => {
    spec.given([started(), tagged(['vip'])]).when(tag(['vip'], ['absent'])).thenNothingHappens();
    spec.given([started()]).when(tag([], [])).thenNothingHappens();
  });

  it('tags a resolved conversation (outcomes are tagged after the chat)', () => {
    spec.given([started(), resolved()]).when(tag(['sale'])).then([tagged(['sale'])]);
  });

  it('allows 50 tags on a conversation, not 51', () => {
    spec.given([started()]).when(tag(fiftyTags)).then([tagged(fiftyTags)]);
    spec.given([started(), tagged(fiftyTags)]).when(tag(['one-more'])).thenThrows(IllegalStateError, 'at most 50');
    spec.given([started(), tagged(fiftyTags)]).when(tag(['one-more'], ['t0'])).then([tagged(['one-more'], ['t0'])]);
  });

  it.each(['', 'VIP', 'has space', 'under_score', 'x'.repeat(65)])('rejects tag %j, naming its position', (bad) => {
    spec.given([started()]).when(tag(['ok', bad])).thenRejectsField('add[1]');
    spec.given([started()]).when(tag([], [bad])).thenRejectsField('remove[0]');
  });

  it('rejects more than 50 tags in one request and a tag both added and removed', () => {
    spec.given([started()]).when(tag([...fiftyTags, 'x'])).thenRejectsField('add');
    spec.given([started()]).when(tag(['vip'], ['vip'])).thenRejectsField('remove', 'also in add');
  });

  it('needs a started conversation', () => {
    spec.given([]).when(tag(['vip'])).thenThrows(NotFoundError);
  });
});

describe('SetPriority', () => {
  const setPriority = (priority: Priority) => command('SetPriority', { priority });

  it('changes the priority from the default normal, recording the previous one', () => {
    spec.given([started()]).when(setPriority(Priority.PRIORITY_URGENT)).then([priorityChanged(Priority.PRIORITY_URGENT)]);
    spec
      .given([started(), priorityChanged(Priority.PRIORITY_URGENT)])
      .when(setPriority(Priority.PRIORITY_LOW))
      .then([priorityChanged(Priority.PRIORITY_LOW, Priority.PRIORITY_URGENT)]);
  });

  it('is a no-op for the current priority', () => {
    spec.given([started()]).when(setPriority(Priority.PRIORITY_NORMAL)).thenNothingHappens();
    spec.given([started(), priorityChanged(Priority.PRIORITY_HIGH)]).when(setPriority(Priority.PRIORITY_HIGH)).thenNothingHappens();
  });

  it.each([Priority.PRIORITY_UNSPECIFIED, Priority.UNRECOGNIZED, 5])('rejects priority %i', (priority) => {
    spec.given([started()]).when(setPriority(priority)).thenRejectsField('priority');
  });

  it('needs a started conversation', () => {
    spec.given([]).when(setPriority(Priority.PRIORITY_HIGH)).thenThrows(NotFoundError);
  });
});

describe('LinkCustomerIdentity', () => {
  const link = (linkedCustomerId: string, method = 'email-address') => command('LinkCustomerIdentity', { linkedCustomerId, method });

  it("links another identity to the conversation's customer", () => {
    spec.given([started()]).when(link('jane@example.com')).then([linked('jane@example.com')]);
    spec.given([started(), resolved()]).when(link('jane@example.com')).then([linked('jane@example.com')]);
  });

  it('is a no-op for an identity already linked', () => {
    spec.given([started(), linked('jane@example.com')]).when(link('jane@example.com')).thenNothingHappens();
  });

  it('rejects linking the customer to itself', () => {
    spec.given([started()]).when(link(customerId)).thenRejectsField('linked_customer_id', 'must differ');
  });

  it('validates linked_customer_id and method', () => {
    spec.given([started()]).when(link('')).thenRejectsField('linked_customer_id');
    spec.given([started()]).when(link('jane doe')).thenRejectsField('linked_customer_id');
    spec.given([started()]).when(link('jane@example.com', 'Widget HMAC')).thenRejectsField('method');
  });

  it('needs a started conversation', () => {
    spec.given([]).when(link('jane@example.com')).thenThrows(NotFoundError);
  });
});
