import { describe, expect, it } from '@jest/globals';
import { failureKind, newClientId, retryDelayMs } from './retryPolicy';

describe('retryDelayMs', () => {
  it('waits what Retry-After says (429, 503)', () => {
    expect(retryDelayMs({ status: 429, retryAfter: 3 }, 0)).toBe(3000);
    expect(retryDelayMs({ status: 503, retryAfter: 1 }, 5)).toBe(1000);
  });

  it('backs off with jitter when the gateway says nothing', () => {
    expect(retryDelayMs({ status: 0 }, 0, { random: () => 0 })).toBe(500);
    expect(retryDelayMs({ status: 0 }, 0, { random: () => 1 })).toBe(1000);
    expect(retryDelayMs({ status: 502 }, 3, { random: () => 1 })).toBe(8000);
    expect(retryDelayMs({ status: 0 }, 30, { random: () => 1 })).toBe(30_000);
  });

  it('does not try again what cannot succeed', () => {
    expect(retryDelayMs({ status: 401 }, 0)).toBeUndefined();
    expect(retryDelayMs({ status: 403 }, 0)).toBeUndefined();
    expect(retryDelayMs({ status: 404 }, 0)).toBeUndefined();
    expect(retryDelayMs({ status: 422, code: 'validation' }, 0)).toBeUndefined();
    expect(retryDelayMs({ status: 409, code: 'illegal_state' }, 0)).toBeUndefined();
  });

  it('tries again a key still in progress', () => {
    expect(failureKind({ status: 409, code: 'idempotency_in_progress' })).toBe('unavailable');
  });
});

describe('newClientId', () => {
  it('is unique and usable as a client message id', () => {
    const a = newClientId('cm');
    expect(a).toMatch(/^[A-Za-z0-9_.:-]{1,128}$/);
    expect(newClientId('cm')).not.toBe(a);
  });
});
