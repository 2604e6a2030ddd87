import { eventFilter, eventSubject, NO_AGGREGATE, parseEventSubject } from './eventSubject';

describe('event subjects', () => {
  it('builds and reads back cc.<tenant>.<context>.<EventType>.<aggregate>', () => {
    const subject = eventSubject('acme', 'conversation', 'MessagePosted', 'c-42');
    expect(subject).toBe('cc.acme.conversation.MessagePosted.c-42');
    expect(parseEventSubject(subject)).toEqual({ tenantId: 'acme', context: 'conversation', eventType: 'MessagePosted', aggregateId: 'c-42' });
  });

  it('reads an event about no one thing, and the four-token subjects of events published before the aggregate was added', () => {
    expect(parseEventSubject(eventSubject('acme', 'engagement', 'Noted', NO_AGGREGATE))).toEqual({ tenantId: 'acme', context: 'engagement', eventType: 'Noted' });
    expect(parseEventSubject('cc.acme.conversation.MessagePosted')).toEqual({ tenantId: 'acme', context: 'conversation', eventType: 'MessagePosted' });
  });

  it.each(['cc.acme.conversation', 'cc.acme.conversation.MessagePosted.c1.extra', 'ccx.acme.typing.c1', 'cc..conversation.X', 'cc.acme.conversation.X.', 'other'])('reads %s as no event subject', (s) => {
    expect(parseEventSubject(s)).toBeUndefined();
  });

  it.each([
    ['a.b', 'conversation', 'X', 'c1', 'tenant_id'],
    ['acme', 'conv*', 'X', 'c1', 'context'],
    ['acme', 'conversation', '>', 'c1', 'type'],
    ['acme', 'conversation', 'X', 'c.1', 'aggregate_id'],
    ['acme', 'conversation', 'X', '>', 'aggregate_id'],
  ])('refuses a part that would change the subject (%s, %s, %s, %s)', (tenant, context, type, aggregate, field) => {
    expect(() => eventSubject(tenant, context, type, aggregate)).toThrow(expect.objectContaining({ field }));
  });

  it('filters by tenant, by context across tenants, by one type, or by one aggregate', () => {
    expect(eventFilter({ tenantId: 'acme' })).toBe('cc.acme.>');
    expect(eventFilter({ context: 'conversation' })).toBe('cc.*.conversation.>');
    expect(eventFilter({ context: 'conversation', eventType: 'ConversationResolved' })).toBe('cc.*.conversation.ConversationResolved.>');
    expect(eventFilter({ tenantId: 'acme', aggregateId: 'c-42' })).toBe('cc.acme.*.*.c-42');
    expect(eventFilter({ tenantId: 'acme', context: 'conversation', aggregateId: 'c-42' })).toBe('cc.acme.conversation.*.c-42');
    expect(() => eventFilter({ tenantId: 'a.>' })).toThrow();
    expect(() => eventFilter({ tenantId: 'acme', aggregateId: 'c.*' })).toThrow();
  });
});
