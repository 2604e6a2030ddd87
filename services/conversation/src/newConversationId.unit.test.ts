import { ValidationError } from '@contactcenter/infra/errors';
import { newConversationId } from './grpc';

describe('newConversationId', () => {
  const multi = { region: 'eu', regions: ['eu', 'us'] };

  it('with one region, keeps a given id and makes a plain uuid otherwise', () => {
    expect(newConversationId('abc')).toBe('abc');
    expect(newConversationId('us_abc', { region: 'eu', regions: ['eu'] })).toBe('us_abc');
    expect(newConversationId('')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('with several, every id carries this region', () => {
    expect(newConversationId('', multi)).toMatch(/^eu_[0-9a-f-]{36}$/);
    expect(newConversationId('abc', multi)).toBe('eu_abc');
    expect(newConversationId('ap_abc', multi)).toBe('eu_ap_abc'); // ap is no region of this deployment
    expect(newConversationId('eu_abc', multi)).toBe('eu_abc');
  });

  it("refuses another region's id, naming conversation_id", () => {
    expect(() => newConversationId('us_abc', multi)).toThrow(ValidationError);
    expect(() => newConversationId('us_abc', multi)).toThrow(/^conversation_id: /);
  });
});
