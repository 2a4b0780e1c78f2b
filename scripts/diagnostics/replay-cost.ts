/**
 * What caseflow's workflow code costs a worker, without a server: replays the current golden
 * histories of cases (test/fixtures/histories/case-*.json) many times over through one replay
 * worker, and prints the process's CPU per replayed history and per history event. Replay runs
 * the same activations as a live worker (the SDK's promise hooks, the sandbox's calls in and out),
 * so a change to workflow code or to the bundle can be measured here in seconds, on a quiet or a
 * busy machine alike (CPU, not wall time).
 *
 *   tsx scripts/diagnostics/replay-cost.ts [--copies=40] [--rounds=3] [--bundle=replay|live]
 *
 * `--bundle=live` replays with the live worker's bundle (a sandbox without stack traces) instead of
 * the replayers' (the default).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { historyFromJSON } from '../../src/temporal/proto';
import { bundleWorkflows, LIVE_SINKS } from '../../src/temporal/workflow-bundle';
import { repoRoot } from '../tools';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const copies = Number(args.get('copies') ?? 40);
const rounds = Number(args.get('rounds') ?? 3);
const live = args.get('bundle') === 'live';

const HISTORIES_DIR = join(repoRoot, 'test', 'fixtures', 'histories');

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const files = readdirSync(HISTORIES_DIR).filter((f) => /^case-.*\.json$/.test(f));
  const histories = files.map((f) =>
    historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, f), 'utf8'))),
  );
  const events = histories.reduce((sum, h) => sum + (h.events?.length ?? 0), 0);
  const workflowBundle = await bundleWorkflows({ live });
  console.log(
    `${files.length} histories, ${events} events; ${copies} copies each per round; ${live ? 'live' : 'replay'} bundle`,
  );
  for (let round = 1; round <= rounds; round++) {
    const batch = Array.from({ length: copies }, (_, copy) =>
      histories.map((history, i) => ({ workflowId: `replay-${round}-${copy}-${i}`, history })),
    ).flat();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let failed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle, sinks: LIVE_SINKS }, batch)) {
      if (result.error) failed++;
    }
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    console.log(
      `round ${round}: ${batch.length} histories in ${((performance.now() - t0) / 1000).toFixed(1)} s, ` +
        `CPU ${(cpuMs / batch.length).toFixed(2)} ms per history, ` +
        `${((cpuMs * 1000) / (events * copies)).toFixed(0)} µs per event` +
        (failed ? `, ${failed} failed to replay` : ''),
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
