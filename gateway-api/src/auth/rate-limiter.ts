import type { AuthenticatedClient } from '../common/client';
import type { RateLimitConfig } from '../config/config';

/** Outcome of taking a token. */
export type RateDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/** Buckets kept before full ones (forgotten at no loss) are swept. */
const SWEEP_ABOVE = 10_000;

/**
 * Token bucket per client: `perSecond` sustained, `burst` at most. In memory, per process: each
 * organisation's gateway limits its own clients. `perSecond` 0 lets everything through. A bucket
 * that has refilled is the same as no bucket, so the map is swept of those when it grows: many
 * distinct clients (addresses) cost memory only while they are actually limited.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  take(clientId: string): RateDecision {
    if (this.perSecond === 0) return { allowed: true };
    const now = this.now();
    const bucket = this.#buckets.get(clientId) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    if (!this.#buckets.has(clientId)) {
      if (this.#buckets.size >= SWEEP_ABOVE) this.#sweep(now);
      this.#buckets.set(clientId, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond)),
    };
  }

  /** Buckets held (for tests). */
  get size(): number {
    return this.#buckets.size;
  }

  #sweep(now: number): void {
    for (const [id, b] of this.#buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.burst) this.#buckets.delete(id);
    }
  }
}

/**
 * Every limit a request passes: per client address while it shows no valid key (checked before
 * any work is done for it), then per key, per Fabric identity (all its keys) and per organisation
 * (all keys of the gateway), so neither more keys nor more identities buy more throughput than
 * the organisation's share.
 */
export class RateLimits {
  readonly #key: RateLimiter;
  readonly #identity: RateLimiter;
  readonly #organization: RateLimiter;
  readonly #anonymous: RateLimiter;

  constructor(config: RateLimitConfig, now?: () => number) {
    this.#key = new RateLimiter(config.perSecond, config.burst, now);
    this.#identity = new RateLimiter(config.identityPerSecond, config.identityBurst, now);
    this.#organization = new RateLimiter(config.organizationPerSecond, config.organizationBurst, now);
    this.#anonymous = new RateLimiter(config.anonymousPerSecond, config.anonymousBurst, now);
  }

  /** A request with a valid key: its key's, identity's and organisation's buckets. */
  takeClient(client: Pick<AuthenticatedClient, 'keyId' | 'identityId'>): RateDecision {
    for (const [limiter, id] of [
      [this.#key, client.keyId],
      [this.#identity, client.identityId],
      [this.#organization, 'organization'],
    ] as const) {
      const decision = limiter.take(id);
      if (!decision.allowed) return decision;
    }
    return { allowed: true };
  }

  /** A request without a valid key, by the address it comes from. */
  takeAnonymous(address: string): RateDecision {
    return this.#anonymous.take(address);
  }
}
