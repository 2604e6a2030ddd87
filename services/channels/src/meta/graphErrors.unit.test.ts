import { failureOfGraphAnswer, failureOfNetwork, parseRetryAfter } from './graphErrors';

const now = new Date('2025-03-10T12:00:00.000Z');
const graph = (code: number, extra: Record<string, unknown> = {}) => ({
  error: { message: `error ${code}`, type: 'OAuthException', code, fbtrace_id: 'AbC123', ...extra },
});

describe('failureOfGraphAnswer', () => {
  it.each([
    [400, 130429, 'rate_limited'],
    [400, 131056, 'rate_limited'],
    [400, 4, 'rate_limited'],
    [400, 613, 'rate_limited'],
    [500, 2, 'provider_unavailable'],
    [400, 131000, 'provider_unavailable'],
  ])('HTTP %i code %i is retryable (%s)', (status, code, expected) => {
    expect(failureOfGraphAnswer(status, graph(code), null, now)).toMatchObject({ ok: false, retryable: true, code: expected });
  });

  it('HTTP 429 and 5xx without a Graph body are retryable too', () => {
    expect(failureOfGraphAnswer(429, undefined, null, now)).toMatchObject({ retryable: true, code: 'rate_limited' });
    expect(failureOfGraphAnswer(502, '<html>bad gateway</html>', null, now)).toMatchObject({ retryable: true, code: 'provider_unavailable' });
  });

  it('honours Retry-After in seconds or as a date', () => {
    expect(failureOfGraphAnswer(429, undefined, '7', now)).toMatchObject({ retryAfterMs: 7000 });
    expect(failureOfGraphAnswer(503, undefined, new Date(now.getTime() + 90_000).toUTCString(), now)).toMatchObject({ retryAfterMs: 90_000 });
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(new Date(now.getTime() - 5000).toUTCString(), now)).toBe(0);
  });

  it('the closed service window is not retryable and says so', () => {
    const whatsapp = failureOfGraphAnswer(400, graph(131047, { error_data: { details: 'more than 24 hours have passed' } }), null, now);
    expect(whatsapp).toEqual({
      ok: false,
      retryable: false,
      code: 'outside_window',
      detail: 'error 131047: more than 24 hours have passed (code 131047, fbtrace_id AbC123)',
    });
    expect(failureOfGraphAnswer(400, graph(10, { error_subcode: 2018278 }), null, now)).toMatchObject({ retryable: false, code: 'outside_window' });
  });

  it('a bad token and other client errors are not retryable', () => {
    expect(failureOfGraphAnswer(401, graph(190), null, now)).toMatchObject({ retryable: false, code: 'invalid_token' });
    expect(failureOfGraphAnswer(400, graph(100), null, now)).toMatchObject({ retryable: false, code: 'graph_100' });
    expect(failureOfGraphAnswer(404, 'not json', null, now)).toMatchObject({ retryable: false, code: 'http_404', detail: 'HTTP 404' });
  });
});

describe('failureOfNetwork', () => {
  it('is retryable and names the cause', () => {
    expect(failureOfNetwork(new Error('connect ECONNREFUSED 127.0.0.1:1'))).toMatchObject({ retryable: true, code: 'network_error' });
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(failureOfNetwork(timeout).detail).toBe('Graph API unreachable: timed out');
  });
});
