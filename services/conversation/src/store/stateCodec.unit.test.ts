import { stateFromJSON, stateToJSON } from './stateCodec';

describe('snapshot state codec', () => {
  it('round-trips dates, maps, arrays and nested objects through JSON text', () => {
    const state = {
      status: 'assigned',
      revision: 41,
      details: {
        startedAt: new Date('2026-03-29T00:59:59.123Z'),
        lastMessageAt: undefined,
        tags: ['vip', 'billing'],
        messageIdsByClientMessageId: new Map([['c-1', 'm-1'], ['c-2', 'm-2']]),
        nested: { at: new Date(0), n: null },
      },
    };
    const back = stateFromJSON<typeof state>(JSON.parse(JSON.stringify(stateToJSON(state))));
    expect(back.details.startedAt).toBeInstanceOf(Date);
    expect(back.details.startedAt.toISOString()).toBe('2026-03-29T00:59:59.123Z');
    expect(back.details.messageIdsByClientMessageId).toBeInstanceOf(Map);
    expect([...back.details.messageIdsByClientMessageId]).toEqual([['c-1', 'm-1'], ['c-2', 'm-2']]);
    expect(back).toEqual({ ...state, details: { ...state.details, lastMessageAt: undefined } });
  });

  it('leaves objects that merely have a $date key among others alone', () => {
    expect(stateFromJSON({ $date: 'x', other: 1 })).toEqual({ $date: 'x', other: 1 });
  });
});
