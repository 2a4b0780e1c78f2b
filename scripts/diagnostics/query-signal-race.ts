import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../tools';
import { type ArmResult, runArm } from './query-race-arm';

/*
 * `npm run diagnose:query-race`: does the worker ever run workflow code with a stale clock, or
 * write a history that does not replay, when queries race with signals? Runs the clock probe with
 * and without a stream of queries (interleaved rounds, each on its own dev server), then checks
 * every history: a recorded workflow time earlier than its workflow task's start is a stale
 * clock; a history that fails to replay is nondeterminism the workflow code did not cause.
 * Bounded (rounds x workflows x signals), loopback only; writes chaos-results/query-race-<date>.json.
 *
 * With --guard the worker runs caseflow's stale-clock guard (src/workflows/stale-clock-guard.ts):
 * the stale activations are refused instead of kept, and the arm counts the queries it refused.
 *
 *   options: --rounds=2 --workflows=30 --signals=40 --cache=2 --arms=both|on|off --guard
 */

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '2' },
      workflows: { type: 'string', default: '30' },
      signals: { type: 'string', default: '40' },
      cache: { type: 'string', default: '2' },
      // `on` or `off` runs only that arm in each round (to look at one side closely).
      arms: { type: 'string', default: 'both' },
      guard: { type: 'boolean', default: false },
    },
  });
  const opts = {
    workflows: Number(values.workflows),
    signals: Number(values.signals),
    cache: Number(values.cache),
    guard: values.guard,
  };
  const arms: ArmResult[] = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    const order = round % 2 === 0 ? [true, false] : [false, true];
    for (const queries of order.filter((q) => values.arms === 'both' || (values.arms === 'on') === q)) {
      const result = await runArm({ ...opts, queries });
      console.log(
        `[query-race] round ${round + 1}, queries ${queries ? 'on' : 'off'}:`,
        JSON.stringify(result),
      );
      arms.push(result);
    }
  }
  const outDir = join(repoRoot, 'chaos-results');
  mkdirSync(outDir, { recursive: true });
  const file = join(
    outDir,
    `query-race-${new Date()
      .toISOString()
      .replace(/[:]/g, '-')
      .replace(/\.\d+Z$/, 'Z')}.json`,
  );
  writeFileSync(file, `${JSON.stringify({ options: opts, arms }, null, 2)}\n`);
  console.log(`[query-race] results in ${file}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
