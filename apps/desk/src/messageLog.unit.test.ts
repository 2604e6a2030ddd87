import { describe, expect, it } from '@jest/globals';
import { messageOf, translationFor, withMessage, withTranslation, type DeskMessage } from './messageLog';

const msg = (messageId: string, revision: number, extra: Partial<DeskMessage> = {}): DeskMessage => ({
  messageId,
  author: 'customer',
  authorId: 'c-1',
  text: `text ${messageId}`,
  language: 'es',
  revision,
  postedAt: undefined,
  translations: {},
  ...extra,
});

describe('the message log', () => {
  it('keeps each message once, in revision order, whatever order they come in', () => {
    let log: DeskMessage[] = [];
    for (const m of [msg('b', 3), msg('a', 1), msg('b', 3), msg('c', 5), msg('a', 1)]) log = withMessage(log, m);
    expect(log.map((m) => m.messageId)).toEqual(['a', 'b', 'c']);
  });

  it('lets the gateway copy replace the optimistic one, keeping translations', () => {
    let log = withMessage([], msg('a', 2, { text: 'preview', translations: { en: 'hello' } }));
    log = withMessage(log, msg('a', 2, { text: 'Hola Ken' }));
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ text: 'Hola Ken', translations: { en: 'hello' } });
  });

  it('adds a translation to the message it is about only', () => {
    const log = withTranslation([msg('a', 1), msg('b', 2)], 'b', 'en', 'hello');
    expect(log[0]!.translations).toEqual({});
    expect(log[1]!.translations).toEqual({ en: 'hello' });
  });

  it('reads REST and proto author kinds alike', () => {
    expect(messageOf({ messageId: 'x', authorKind: 'AUTHOR_KIND_AGENT', revision: '4' })).toMatchObject({ author: 'agent', revision: 4 });
    expect(messageOf({ messageId: 'x', authorKind: 'customer' })?.author).toBe('customer');
    expect(messageOf({ messageId: 'x', authorKind: 'unspecified' })?.author).toBe('system');
    expect(messageOf({ text: 'no id' })).toBeUndefined();
  });
});

describe('the translation shown beside a message', () => {
  it("is the one into the agent's language, matched on the primary subtag", () => {
    expect(translationFor(msg('a', 1, { translations: { fr: 'bonjour', en: 'hello' } }), ['en-GB'])).toEqual({ language: 'en', text: 'hello' });
  });

  it("is otherwise one into a language that is neither the message's nor the customer's", () => {
    expect(translationFor(msg('a', 1, { translations: { de: 'hallo' } }), ['en-US'], 'es')).toEqual({ language: 'de', text: 'hallo' });
    expect(translationFor(msg('a', 1, { translations: { es: 'hola' } }), ['es'], 'es')).toBeUndefined();
  });

  it('is none before a translation arrives', () => {
    expect(translationFor(msg('a', 1), ['en'])).toBeUndefined();
  });
});
