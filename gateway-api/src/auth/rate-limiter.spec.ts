import { RateLimiter, RateLimits } from './rate-limiter';

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

describe('RateLimiter memory', () => {
  it('forgets refilled buckets when many clients came by', () => {
    let now = 0;
    const limiter = new RateLimiter(10, 1, () => now);
    for (let i = 0; i < 10_000; i++) limiter.take(`addr-${i}`);
    expect(limiter.size).toBe(10_000);
    now = 1_000; // every bucket is full again
    limiter.take('one more');
    expect(limiter.size).toBe(1);
  });
});

describe('RateLimits', () => {
  const config = {
    perSecond: 100,
    burst: 3,
    identityPerSecond: 100,
    identityBurst: 4,
    organizationPerSecond: 100,
    organizationBurst: 6,
    anonymousPerSecond: 1,
    anonymousBurst: 2,
  };

  it('limits per key, then per identity over its keys, then per organisation over all', () => {
    const limits = new RateLimits(config, () => 0);
    const take = (keyId: string, identityId: string) => limits.takeClient({ keyId, identityId }).allowed;
    expect([1, 2, 3, 4].map(() => take('k1', 'alice'))).toEqual([true, true, true, false]);
    // A second key of the same identity gets only what is left of the identity's bucket.
    expect([1, 2].map(() => take('k2', 'alice'))).toEqual([true, false]);
    // Another identity: what the organisation's bucket (6) has left after alice's 4.
    expect([1, 2, 3].map(() => take('k3', 'bob'))).toEqual([true, true, false]);
  });

  it('limits requests without a valid key per address', () => {
    const limits = new RateLimits(config, () => 0);
    expect([1, 2, 3].map(() => limits.takeAnonymous('10.0.0.1').allowed)).toEqual([true, true, false]);
    expect(limits.takeAnonymous('10.0.0.2').allowed).toBe(true);
  });
});
