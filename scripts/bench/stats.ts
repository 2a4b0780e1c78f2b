/*
 * The benchmark's arithmetic, kept pure so it can be unit tested: percentiles, summaries, and the
 * ratios of caseflow's figures to bare Temporal's with the targets they are held to.
 */

/** The p-th percentile (0-100) by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  const n = samples.length;
  return {
    n,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
    max: n ? Math.max(...samples) : Number.NaN,
    mean: n ? samples.reduce((a, b) => a + b, 0) / n : Number.NaN,
  };
}

/**
 * How a caseflow figure compares with bare Temporal's: `higher` figures (throughput) must reach
 * `target` × bare; `lower` figures (latency, CPU, memory) must stay within `target` × bare.
 */
export interface RatioRow {
  name: string;
  unit: string;
  bare: number;
  caseflow: number;
  better: 'higher' | 'lower';
  /** The ratio caseflow / bare must reach (higher) or stay within (lower); null: reported only. */
  target: number | null;
}

export const ratioOf = (row: Pick<RatioRow, 'bare' | 'caseflow'>): number =>
  row.bare === 0 ? Number.NaN : row.caseflow / row.bare;

/** Whether the row meets its target; null when it has none or a figure is missing. */
export function meets(row: RatioRow): boolean | null {
  const ratio = ratioOf(row);
  if (row.target === null || !Number.isFinite(ratio)) return null;
  return row.better === 'higher' ? ratio >= row.target : ratio <= row.target;
}

/** An absolute limit (not a ratio): e.g. RSS at 10,000 open cases, p99 timer lateness. */
export interface LimitRow {
  name: string;
  unit: string;
  value: number;
  limit: number;
}

const fmt = (x: number): string =>
  !Number.isFinite(x)
    ? 'n/a'
    : Math.abs(x) >= 100
      ? x.toFixed(0)
      : Math.abs(x) >= 10
        ? x.toFixed(1)
        : x.toFixed(2);

const verdict = (ok: boolean | null): string => (ok === null ? '' : ok ? 'met' : '**not met**');

export function markdownTable(rows: readonly RatioRow[], limits: readonly LimitRow[]): string {
  const lines = [
    '| | bare Temporal | caseflow | ratio | target | |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => {
      const target = r.target === null ? '' : `${r.better === 'higher' ? '≥' : '≤'} ${r.target}`;
      return `| ${r.name} (${r.unit}) | ${fmt(r.bare)} | ${fmt(r.caseflow)} | ${fmt(ratioOf(r))} | ${target} | ${verdict(meets(r))} |`;
    }),
  ];
  if (limits.length) {
    lines.push('', '| | caseflow | limit | |', '| --- | --- | --- | --- |');
    for (const l of limits) {
      lines.push(
        // A phase that did not run (no timers asked for) has no figure and no verdict.
        `| ${l.name} (${l.unit}) | ${fmt(l.value)} | ≤ ${fmt(l.limit)} | ${verdict(Number.isFinite(l.value) ? l.value <= l.limit : null)} |`,
      );
    }
  }
  return lines.join('\n');
}
