import { eventFilter, eventSubject, parseEventSubject } from './eventSubject';

describe('event subjects', () => {
  it('builds and reads back cc.<tenant>.<context>.<EventType>', () => {
    const subject = eventSubject('acme', 'conversation', 'MessagePosted');
    expect(subject).toBe('cc.acme.conversation.MessagePosted');
    expect(parseEventSubject(subject)).toEqual({ tenantId: 'acme', context: 'conversation', eventType: 'MessagePosted' });
  });

  it.each(['cc.acme.conversation', 'cc.acme.conversation.MessagePosted.extra', 'ccx.acme.typing.c1', 'cc..conversation.X', 'other'])('reads %s as no event subject', (s) => {
    expect(parseEventSubject(s)).toBeUndefined();
  });

  it.each([
    ['a.b', 'conversation', 'X', 'tenant_id'],
    ['acme', 'conv*', 'X', 'context'],
    ['acme', 'conversation', '>', 'type'],
  ])('refuses a part that would change the subject (%s, %s, %s)', (tenant, context, type, field) => {
    expect(() => eventSubject(tenant, context, type)).toThrow(expect.objectContaining({ field }));
  });

  it('filters by tenant, by context across tenants, or by one type', () => {
    expect(eventFilter({ tenantId: 'acme' })).toBe('cc.acme.>');
    expect(eventFilter({ context: 'conversation' })).toBe('cc.*.conversation.>');
    expect(eventFilter({ context: 'conversation', eventType: 'ConversationResolved' })).toBe('cc.*.conversation.ConversationResolved');
    expect(() => eventFilter({ tenantId: 'a.>' })).toThrow();
  });
});
