import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows a burst, then the sustained rate, per client', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 3, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([
      { allowed: true },
      { allowed: true },
      { allowed: true },
      { allowed: false, retryAfterSeconds: 1 },
    ]);
    expect(limiter.take('b')).toEqual({ allowed: true });
    now = 500; // one token back at 2/s
    expect(limiter.take('a')).toEqual({ allowed: true });
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('lets everything through when the rate is 0', () => {
    const limiter = new RateLimiter(0, 1);
    expect(Array.from({ length: 100 }, () => limiter.take('a').allowed).every(Boolean)).toBe(true);
  });
});
