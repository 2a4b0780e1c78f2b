import { describe, expect, it } from 'vitest';
import {
  markdownTable,
  meets,
  percentile,
  ratioOf,
  summarize,
  type RatioRow,
} from '../../scripts/bench/stats';
import { parseMachineTicks, stolenShare } from '../../scripts/bench/proc';

/* The benchmark's arithmetic only: benchmark figures themselves are never asserted. */

describe('benchmark statistics', () => {
  it('takes percentiles by nearest rank', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 95)).toBe(95);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(summarize([1, 2, 3, 4])).toMatchObject({ n: 4, p50: 2, max: 4, mean: 2.5 });
  });

  it('holds throughput to at least, and latency to at most, its target times bare', () => {
    const throughput: RatioRow = {
      name: 't',
      unit: '/s',
      bare: 100,
      caseflow: 91,
      better: 'higher',
      target: 0.9,
    };
    expect(ratioOf(throughput)).toBeCloseTo(0.91);
    expect(meets(throughput)).toBe(true);
    expect(meets({ ...throughput, caseflow: 89 })).toBe(false);
    const latency: RatioRow = { name: 'l', unit: 'ms', bare: 10, caseflow: 12, better: 'lower', target: 1.2 };
    expect(meets(latency)).toBe(true);
    expect(meets({ ...latency, caseflow: 12.5 })).toBe(false);
    expect(meets({ ...latency, target: null })).toBeNull();
    expect(meets({ ...latency, bare: 0 })).toBeNull();
  });

  it('writes the ratios and limits as a Markdown table with their verdicts', () => {
    const md = markdownTable(
      [
        {
          name: 'intake at 16 clients',
          unit: 'per s',
          bare: 70,
          caseflow: 35,
          better: 'higher',
          target: 0.9,
        },
      ],
      [
        { name: 'RSS with 10000 open cases', unit: 'MiB', value: 800, limit: 1024 },
        { name: 'timer lateness p99', unit: 'ms', value: Number.NaN, limit: 2000 },
      ],
    );
    expect(md).toContain('| intake at 16 clients (per s) | 70.0 | 35.0 | 0.50 | ≥ 0.9 | **not met** |');
    expect(md).toContain('| RSS with 10000 open cases (MiB) | 800 | ≤ 1024 | met |');
    // Not measured: no figure, no verdict.
    expect(md).toContain('| timer lateness p99 (ms) | n/a | ≤ 2000 |  |');
  });
});

describe('CPU the hypervisor took', () => {
  const stat = (user: number, idle: number, steal: number) =>
    `cpu  ${user} 0 10 ${idle} 0 0 0 ${steal} 5 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n`;

  it('reads the machine line of /proc/stat, leaving out guest time already inside user', () => {
    expect(parseMachineTicks(stat(100, 880, 10))).toEqual({ total: 1000, steal: 10 });
  });

  it('gives the stolen share of the ticks between two readings', () => {
    const before = parseMachineTicks(stat(100, 880, 10));
    const after = parseMachineTicks(stat(400, 1480, 110));
    expect(stolenShare(before, after)).toBeCloseTo(100 / 1000);
    expect(stolenShare(before, before)).toBe(0);
  });
});
