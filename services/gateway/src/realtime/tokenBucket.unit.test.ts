import { TokenBucket } from './tokenBucket';

describe('TokenBucket', () => {
  it('lets a burst of `capacity` through at once, then refuses until it refills', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 100; // one token at 10 per second
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
  });

  it('never refuses a client that keeps to the rate, and never saves more than its capacity', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 2, () => now);
    for (let i = 0; i < 100; i++) {
      now += 500;
      expect(bucket.take()).toBe(true);
    }
    now += 60_000; // a long pause does not bank a minute's worth of frames
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
  });

  it('refuses nonsense settings', () => {
    expect(() => new TokenBucket(0, 1)).toThrow(RangeError);
    expect(() => new TokenBucket(1, 0)).toThrow(RangeError);
  });
});
