import { parseClientFrame } from './frames';

describe('parseClientFrame', () => {
  it('accepts typing and ping frames', () => {
    expect(parseClientFrame('{"type":"typing","conversationId":"c-1","typing":true}')).toEqual({ ok: true, frame: { type: 'typing', conversationId: 'c-1', typing: true } });
    expect(parseClientFrame('{"type":"ping","extra":1}')).toEqual({ ok: true, frame: { type: 'ping' } });
  });

  it.each([
    ['', 'malformed_frame'],
    ['null', 'malformed_frame'],
    ['"typing"', 'malformed_frame'],
    ['[]', 'malformed_frame'],
    ['{"type":"subscribe"}', 'unknown_type'],
    ['{"type":"typing","conversationId":"cc.>","typing":true}', 'invalid_frame'],
    ['{"type":"typing","conversationId":"","typing":true}', 'invalid_frame'],
    ['{"type":"typing","conversationId":"c-1"}', 'invalid_frame'],
  ])('refuses %j with %s', (text, code) => {
    expect(parseClientFrame(text)).toEqual({ ok: false, error: { type: 'error', code, message: expect.any(String) } });
  });
});
