import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../src/api/token-bucket';

describe('TokenBuckets', () => {
  it('allows a burst, then refuses with the seconds until the next token', () => {
    let now = 0;
    const buckets = new TokenBuckets({ burst: 3, perMinute: 6 }, () => now);
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([
      { ok: true },
      { ok: true },
      { ok: true },
    ]);
    // 6 a minute: one token every 10 s.
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterSeconds: 10 });
    now = 4_000;
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterSeconds: 6 });
    now = 10_000;
    expect(buckets.take('a')).toEqual({ ok: true });
    expect(buckets.take('a').ok).toBe(false);
  });

  it('keeps keys apart', () => {
    const buckets = new TokenBuckets({ burst: 1, perMinute: 1 }, () => 0);
    expect(buckets.take('a').ok).toBe(true);
    expect(buckets.take('a').ok).toBe(false);
    expect(buckets.take('b').ok).toBe(true);
  });

  it('refills to the burst and no further', () => {
    let now = 0;
    const buckets = new TokenBuckets({ burst: 2, perMinute: 60 }, () => now);
    buckets.take('a');
    now = 3_600_000;
    expect(buckets.take('a').ok).toBe(true);
    expect(buckets.take('a').ok).toBe(true);
    expect(buckets.take('a').ok).toBe(false);
  });

  it('holds at most maxKeys keys, forgetting the least recently used', () => {
    const buckets = new TokenBuckets({ burst: 1, perMinute: 1 }, () => 0, 3);
    for (const key of ['a', 'b', 'c']) buckets.take(key);
    buckets.take('a');
    buckets.take('d');
    expect(buckets.size).toBe(3);
    // 'b' was the least recently used: forgotten, so it starts full again; 'a' is still empty.
    expect(buckets.take('b').ok).toBe(true);
    expect(buckets.take('a').ok).toBe(false);
  });

  it('refuses a spec that could never allow a request', () => {
    expect(() => new TokenBuckets({ burst: 0, perMinute: 10 })).toThrow(RangeError);
    expect(() => new TokenBuckets({ burst: 1, perMinute: 0 })).toThrow(RangeError);
  });
});
