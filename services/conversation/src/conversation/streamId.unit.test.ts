import { ValidationError } from '@contactcenter/infra/errors';
import { conversationStreamId, parseConversationStreamId } from './streamId';

describe('conversationStreamId', () => {
  it('puts tenant and conversation in the conversation category', () => {
    expect(conversationStreamId('acme', '01J9Z3-x_y')).toBe('conversation-acme:01J9Z3-x_y');
  });

  it('never maps two (tenant, id) pairs to one stream, even when both contain "-"', () => {
    expect(conversationStreamId('a-b', 'c')).not.toBe(conversationStreamId('a', 'b-c'));
  });

  it.each([
    ['', 'c1', 'tenant_id'],
    ['ac:me', 'c1', 'tenant_id'],
    ['acme.eu', 'c1', 'tenant_id'],
    ['acme', '', 'conversation_id'],
    ['acme', 'c:1', 'conversation_id'],
    ['acme', 'c 1', 'conversation_id'],
    ['acme', '../c1', 'conversation_id'],
    ['acme', 'x'.repeat(129), 'conversation_id'],
  ])('rejects tenant %j / conversation %j naming %s', (tenant, id, field) => {
    expect(() => conversationStreamId(tenant, id)).toThrow(ValidationError);
    expect(() => conversationStreamId(tenant, id)).toThrow(new RegExp(`^${field}:`));
  });

  it('parses back what it builds', () => {
    expect(parseConversationStreamId(conversationStreamId('a-b', 'c-d'))).toEqual({ tenantId: 'a-b', conversationId: 'c-d' });
  });

  it.each(['conversation-acme', 'ticket-acme:c1', 'conversation-acme:c1:x', 'conversation-:c1'])(
    'refuses to parse %j',
    (streamId) => {
      expect(() => parseConversationStreamId(streamId)).toThrow(ValidationError);
    },
  );
});
