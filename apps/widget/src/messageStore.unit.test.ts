import { describe, expect, it } from '@jest/globals';
import { MessageStore } from './messageStore';

const agent = (messageId: string, revision: number, text = 'Hello') => ({ messageId, authorKind: 'AUTHOR_KIND_AGENT', text, language: 'en', revision });

describe('MessageStore', () => {
  it('shows a replayed message once', () => {
    const store = new MessageStore();
    store.posted(agent('m-1', 2));
    store.posted(agent('m-1', 2));
    store.posted({ ...agent('m-1', 2), authorKind: 'agent' });
    expect(store.list().map((m) => m.id)).toEqual(['m-1']);
  });

  it('orders by revision, whatever the arrival order', () => {
    const store = new MessageStore();
    store.posted(agent('m-3', 5));
    store.posted(agent('m-1', 2));
    store.posted(agent('m-2', '3' as unknown as number));
    expect(store.list().map((m) => m.id)).toEqual(['m-1', 'm-2', 'm-3']);
  });

  it('keeps a pending message after every recorded one, then merges it with its recorded self by client message id', () => {
    const store = new MessageStore();
    store.posted(agent('m-1', 2));
    store.addPending('cm-1', 'Hola', 'es');
    expect(store.list().map((m) => [m.id, m.delivery])).toEqual([['m-1', 'sent'], ['cm-1', 'pending']]);
    store.posted({ messageId: 'm-2', clientMessageId: 'cm-1', authorKind: 'AUTHOR_KIND_CUSTOMER', text: 'Hola', language: 'es', revision: 3 });
    store.accepted('cm-1', 'm-2', 3);
    expect(store.list().map((m) => [m.id, m.author, m.delivery])).toEqual([['m-1', 'agent', 'sent'], ['m-2', 'visitor', 'sent']]);
  });

  it('takes the answer to the post before or after the event, the same', () => {
    const store = new MessageStore();
    store.addPending('cm-1', 'Hola', 'es');
    store.accepted('cm-1', 'm-2', 3);
    store.posted({ messageId: 'm-2', clientMessageId: 'cm-1', authorKind: 'customer', text: 'Hola', revision: 3 });
    expect(store.list()).toHaveLength(1);
    expect(store.get('cm-1')?.id).toBe('m-2');
  });

  it('adds a translation, also one that came before its message', () => {
    const store = new MessageStore();
    store.translated('m-1', 'es-ES', 'Hola');
    store.posted(agent('m-1', 2));
    expect(store.get('m-1')?.translations).toEqual({ es: 'Hola' });
    store.posted({ ...agent('m-4', 6), translations: [{ language: 'fr', text: 'Bonjour' }] });
    expect(store.get('m-4')?.translations).toEqual({ fr: 'Bonjour' });
  });

  it('marks a refused message failed', () => {
    const store = new MessageStore();
    store.addPending('cm-1', 'x', 'en');
    store.failed('cm-1');
    expect(store.get('cm-1')?.delivery).toBe('failed');
  });
});
