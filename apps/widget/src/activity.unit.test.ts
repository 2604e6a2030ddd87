import { describe, expect, it } from '@jest/globals';
import { countThisPageView } from './activity';

/** A tab's sessionStorage, as far as the count needs it. */
const tabStorage = () => {
  const items = new Map<string, string>();
  return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
};

describe('pages viewed in the visit', () => {
  it('counts each page that loads the widget once, in the same tab', () => {
    const storage = tabStorage();
    expect([countThisPageView(storage), countThisPageView(storage), countThisPageView(storage)]).toEqual([1, 2, 3]);
  });

  it('counts this page alone when storage is refused or holds nonsense', () => {
    const refusing = { getItem: () => { throw new Error('denied'); }, setItem: () => undefined };
    expect(countThisPageView(refusing)).toBe(1);
    const storage = tabStorage();
    storage.setItem('cc-widget:pages-viewed', 'lots');
    expect(countThisPageView(storage)).toBe(1);
  });
});
