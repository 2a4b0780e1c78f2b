/**
 * Token buckets keyed by who is asking, held in memory by one API process: each process limits
 * on its own, so N processes behind a load balancer allow up to N times the rate. Buckets that
 * would be full again are forgotten, and at most `maxKeys` are kept (the least recently used go
 * first), so a flood of distinct keys cannot grow memory without bound.
 */
export interface BucketSpec {
  /** Requests allowed at once after a quiet spell. */
  burst: number;
  /** Sustained requests per minute. */
  perMinute: number;
}

export type Take = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  atMs: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly spec: BucketSpec,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {
    if (!(spec.burst >= 1) || !(spec.perMinute > 0))
      throw new RangeError('a bucket needs burst >= 1 and perMinute > 0');
    this.perMs = spec.perMinute / 60_000;
  }

  /** Takes one token for `key`, or says how many seconds until one is there. */
  take(key: string): Take {
    const nowMs = this.now();
    const previous = this.buckets.get(key);
    const tokens = previous
      ? Math.min(this.spec.burst, previous.tokens + (nowMs - previous.atMs) * this.perMs)
      : this.spec.burst;
    // Re-inserted on every take, so Map order is least recently used first.
    this.buckets.delete(key);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, atMs: nowMs });
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000)) };
    }
    this.buckets.set(key, { tokens: tokens - 1, atMs: nowMs });
    this.evict();
    return { ok: true };
  }

  /** How many keys are held (for tests of the memory bound). */
  get size(): number {
    return this.buckets.size;
  }

  private evict(): void {
    while (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest === undefined) return;
      this.buckets.delete(oldest);
    }
  }
}
