import { parseClientFrame } from './frames';

describe('parseClientFrame', () => {
  it('accepts typing and ping frames', () => {
    expect(parseClientFrame('{"type":"typing","conversationId":"c-1","typing":true}')).toEqual({ ok: true, frame: { type: 'typing', conversationId: 'c-1', typing: true } });
    expect(parseClientFrame('{"type":"ping","extra":1}')).toEqual({ ok: true, frame: { type: 'ping' } });
  });

  it('accepts subscribe and unsubscribe frames naming conversations, queues, teams or the tenant', () => {
    expect(parseClientFrame('{"type":"subscribe","conversations":["c-1"],"queues":["billing"]}')).toEqual({ ok: true, frame: { type: 'subscribe', conversations: ['c-1'], queues: ['billing'] } });
    expect(parseClientFrame('{"type":"unsubscribe","tenant":true}')).toEqual({ ok: true, frame: { type: 'unsubscribe', tenant: true } });
    expect(parseClientFrame('{"type":"subscribe","teams":["tier-2"],"tenant":false}')).toEqual({ ok: true, frame: { type: 'subscribe', teams: ['tier-2'], tenant: false } });
  });

  it.each([
    ['', 'malformed_frame'],
    ['null', 'malformed_frame'],
    ['"typing"', 'malformed_frame'],
    ['[]', 'malformed_frame'],
    ['{"type":"watch"}', 'unknown_type'],
    ['{"type":"typing","conversationId":"cc.>","typing":true}', 'invalid_frame'],
    ['{"type":"typing","conversationId":"","typing":true}', 'invalid_frame'],
    ['{"type":"typing","conversationId":"c-1"}', 'invalid_frame'],
    ['{"type":"subscribe"}', 'invalid_frame'],
    ['{"type":"subscribe","conversations":[]}', 'invalid_frame'],
    ['{"type":"subscribe","conversations":"c-1"}', 'invalid_frame'],
    ['{"type":"subscribe","conversations":["c.*"]}', 'invalid_frame'],
    ['{"type":"subscribe","queues":[1]}', 'invalid_frame'],
    ['{"type":"subscribe","tenant":"yes"}', 'invalid_frame'],
    [JSON.stringify({ type: 'subscribe', conversations: Array.from({ length: 101 }, (_, i) => `c-${i}`) }), 'invalid_frame'],
  ])('refuses %j with %s', (text, code) => {
    expect(parseClientFrame(text)).toEqual({ ok: false, error: { type: 'error', code, message: expect.any(String) } });
  });
});
