import { describe, expect, it } from '@jest/globals';
import { fromList, markRead, onMessage, unreadOf, type UnreadBook } from './unread';

describe('unread counts', () => {
  it('counts every message of a conversation never opened', () => {
    expect(unreadOf(fromList({}, 'c', 3, 2), 'c')).toBe(2);
  });

  it('counts messages that arrive after the agent last opened it', () => {
    let book: UnreadBook = markRead(fromList({}, 'c', 3, 2), 'c');
    book = onMessage(book, 'c', 4, { mine: false, open: false });
    book = onMessage(book, 'c', 6, { mine: false, open: false });
    expect(unreadOf(book, 'c')).toBe(2);
    expect(unreadOf(markRead(book, 'c'), 'c')).toBe(0);
  });

  it('counts a message once, whether the list or the socket said so first', () => {
    let book = markRead(fromList({}, 'c', 3, 2), 'c');
    book = onMessage(book, 'c', 5, { mine: false, open: false });
    book = onMessage(book, 'c', 5, { mine: false, open: false }); // the same event, resumed
    book = fromList(book, 'c', 5, 3); // the list, already with it
    expect(unreadOf(book, 'c')).toBe(1);
    book = onMessage(markRead(fromList({}, 'd', 7, 4), 'd'), 'd', 7, { mine: false, open: false }); // an event older than the list
    expect(unreadOf(book, 'd')).toBe(0);
  });

  it("never counts the agent's own messages, nor those read as they arrive", () => {
    let book = markRead(fromList({}, 'c', 1, 1), 'c');
    book = onMessage(book, 'c', 2, { mine: true, open: false });
    book = onMessage(book, 'c', 3, { mine: false, open: true });
    expect(unreadOf(book, 'c')).toBe(0);
  });

  it('is not lowered by a stale list', () => {
    let book = onMessage(markRead(fromList({}, 'c', 3, 2), 'c'), 'c', 4, { mine: false, open: false });
    book = fromList(book, 'c', 3, 2);
    expect(unreadOf(book, 'c')).toBe(1);
  });
});
