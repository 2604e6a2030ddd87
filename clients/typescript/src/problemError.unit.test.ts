import { ProblemError, retryAfterSeconds } from './problemError';

const answer = (status: number, headers: Record<string, string> = {}, statusText = '') => ({ status, statusText, headers: new Headers(headers) });

describe('ProblemError', () => {
  it('carries the problem JSON\'s status, code, detail and field, and Retry-After in seconds', () => {
    const err = ProblemError.of(answer(429, { 'retry-after': '7' }), { type: 'https://contactcenter.dev/problems/rate_limited', title: 'Too many requests', status: 429, code: 'rate_limited', detail: 'slow down' });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'ProblemError', status: 429, code: 'rate_limited', title: 'Too many requests', detail: 'slow down', retryAfter: 7, field: undefined });
    expect(err.message).toBe('429 rate_limited: slow down');
    expect(ProblemError.of(answer(400), { status: 400, code: 'validation', title: 'Invalid request', detail: 'asOf: is in the future', field: 'asOf' }).field).toBe('asOf');
  });

  it('makes a problem of an answer that is no problem JSON (a proxy\'s page), with a code from the status', async () => {
    const err = await ProblemError.fromResponse(new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(err).toMatchObject({ status: 502, code: 'http_502', title: 'Bad Gateway', detail: '<html>Bad gateway</html>' });
    expect((await ProblemError.fromResponse(new Response(null, { status: 404 }))).code).toBe('http_404');
  });

  it('says when no answer came at all', () => {
    const err = ProblemError.unreachable(new TypeError('fetch failed'));
    expect(err).toMatchObject({ status: 0, code: 'unreachable', detail: 'the gateway could not be reached: fetch failed' });
    expect(err.cause).toBeInstanceOf(TypeError);
  });
});

describe('retryAfterSeconds', () => {
  it('reads seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('2025-03-04T05:06:07Z');
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds('Tue, 04 Mar 2025 05:06:37 GMT', now)).toBe(30);
    expect(retryAfterSeconds('Tue, 04 Mar 2025 05:00:00 GMT', now)).toBe(0);
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(retryAfterSeconds(null, now)).toBeUndefined();
  });
});
