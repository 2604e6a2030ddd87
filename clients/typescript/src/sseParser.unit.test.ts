import { SseParser } from './sseParser';

describe('SseParser', () => {
  it('parses the gateway\'s stream: retry, the starting id without data, then events with id, type and data', () => {
    const parser = new SseParser();
    const messages = parser.push('retry: 2000\nid: 41\n\nid: 42\nevent: contactcenter.conversation.v1.MessagePosted\ndata: {"position":42}\n\n: keepalive\n\n');
    expect(parser.retryMs).toBe(2000);
    expect(messages).toEqual([{ lastEventId: '42', event: 'contactcenter.conversation.v1.MessagePosted', data: '{"position":42}' }]);
    expect(parser.lastEventId).toBe('42');
  });

  it('keeps the last id of an id line that no event follows', () => {
    const parser = new SseParser();
    expect(parser.push('retry: 2000\nid: 7\n\n')).toEqual([]);
    expect(parser.lastEventId).toBe('7');
  });

  it('joins chunks split anywhere, also between CR and LF', () => {
    const parser = new SseParser();
    const text = 'id: 1\r\ndata: a\r\ndata: b\r\n\r\nid: 2\rdata: c\r\r';
    const out = [...text].flatMap((ch) => parser.push(ch));
    expect(out).toEqual([
      { lastEventId: '1', event: 'message', data: 'a\nb' },
      { lastEventId: '2', event: 'message', data: 'c' },
    ]);
  });

  it('ignores comments, unknown fields and a retry that is not a number', () => {
    const parser = new SseParser();
    expect(parser.push(': hi\nfoo: bar\nretry: soon\ndata\n\n')).toEqual([{ lastEventId: '', event: 'message', data: '' }]);
    expect(parser.retryMs).toBeUndefined();
  });
});
