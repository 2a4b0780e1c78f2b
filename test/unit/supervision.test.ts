import { describe, expect, it } from 'vitest';
import { afterCrash, DEFAULT_SUPERVISION, type SupervisionPolicy } from '../../scripts/lib/supervision';

const policy: SupervisionPolicy = {
  maxCrashes: 5,
  windowMs: 60_000,
  initialBackoffMs: 1_000,
  maxBackoffMs: 5_000,
};

describe('supervision policy of npm start', () => {
  it('restarts after a first crash with the shortest backoff', () => {
    expect(afterCrash([], 100_000, policy)).toEqual({
      action: 'restart',
      afterMs: 1_000,
      recentCrashes: [100_000],
    });
  });

  it('doubles the backoff with each recent crash, up to the cap', () => {
    const waits: number[] = [];
    let crashes: number[] = [];
    for (const at of [0, 2_000, 5_000, 10_000]) {
      const verdict = afterCrash(crashes, at, policy);
      if (verdict.action !== 'restart') throw new Error('gave up too early');
      waits.push(verdict.afterMs);
      crashes = verdict.recentCrashes;
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 5_000]);
  });

  it('gives up on the fifth crash within a minute', () => {
    expect(afterCrash([0, 10_000, 20_000, 30_000], 59_999, policy)).toMatchObject({ action: 'give-up' });
  });

  it('forgets crashes older than the window: an occasional crash never stops the system', () => {
    let crashes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const verdict = afterCrash(crashes, i * 61_000, policy);
      expect(verdict).toMatchObject({ action: 'restart', afterMs: 1_000 });
      crashes = verdict.recentCrashes;
    }
    expect(afterCrash([0, 10_000, 20_000, 30_000], 60_000, policy)).toMatchObject({
      action: 'restart',
      recentCrashes: [10_000, 20_000, 30_000, 60_000],
    });
  });

  it('defaults to five crashes within a minute', () => {
    expect(DEFAULT_SUPERVISION).toMatchObject({ maxCrashes: 5, windowMs: 60_000 });
  });
});
