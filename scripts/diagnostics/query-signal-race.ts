import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startTestDevServer } from '../../test/support/dev-server';
import { repoRoot } from '../tools';
import { poke, pokes } from './clock-probe.workflow';

/*
 * `npm run diagnose:query-race`: does the worker ever run workflow code with a stale clock, or
 * write a history that does not replay, when queries race with signals? Runs the clock probe with
 * and without a stream of queries (interleaved rounds, each on its own dev server), then checks
 * every history: a recorded workflow time earlier than its workflow task's start is a stale
 * clock; a history that fails to replay is nondeterminism the workflow code did not cause.
 * Bounded (rounds x workflows x signals), loopback only; writes chaos-results/query-race-<date>.json.
 *
 *   options: --rounds=2 --workflows=30 --signals=40 --cache=2
 */

interface ArmResult {
  queries: boolean;
  records: number;
  staleClock: number;
  worstStaleMs: number;
  replayFailures: number;
  stuck: number;
}

function eventMs(e: temporal.api.history.v1.IHistoryEvent): number {
  return Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
}

async function runArm(opts: {
  queries: boolean;
  workflows: number;
  signals: number;
  cache: number;
}): Promise<ArmResult> {
  const server = await startTestDevServer();
  const native = await NativeConnection.connect({ address: server.address });
  const worker = await Worker.create({
    connection: native,
    taskQueue: 'clock-probe',
    workflowsPath: require.resolve('./clock-probe.workflow'),
    activities: { record: () => Promise.resolve() },
    maxCachedWorkflows: opts.cache,
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const stamp = Date.now().toString(36);
  try {
    const handles: WorkflowHandle[] = await Promise.all(
      Array.from({ length: opts.workflows }, (_, i) =>
        client.workflow.start('clockProbe', {
          taskQueue: 'clock-probe',
          workflowId: `clock-probe-${stamp}-${i}`,
          args: [opts.signals],
        }),
      ),
    );
    let stop = false;
    const readers = opts.queries
      ? handles.map(async (h) => {
          while (!stop) await h.query(pokes).catch(() => undefined);
        })
      : [];
    await Promise.all(
      handles.map(async (h) => {
        for (let k = 0; k < opts.signals; k++) {
          await new Promise((r) => setTimeout(r, 50 + Math.random() * 300));
          await h.signal(poke, k);
        }
      }),
    );
    // A run that cannot replay its own history never finishes: bounded wait, then counted stuck.
    let stuck = 0;
    await Promise.all(
      handles.map((h) =>
        Promise.race([
          h.result(),
          new Promise((_, reject) => setTimeout(() => reject(new Error('stuck')), 60_000)),
        ]).catch(() => stuck++),
      ),
    );
    stop = true;
    await Promise.all(readers);
    let records = 0;
    let staleClock = 0;
    let worstStaleMs = 0;
    const histories = [];
    for (const h of handles) {
      const history = await h.fetchHistory();
      histories.push({ workflowId: h.workflowId, history });
      let taskStartedMs = 0;
      for (const e of history.events ?? []) {
        if (e.workflowTaskStartedEventAttributes) taskStartedMs = eventMs(e);
        const scheduled = e.activityTaskScheduledEventAttributes;
        if (!scheduled) continue;
        const payload = scheduled.input?.payloads?.[0]?.data;
        const seen = JSON.parse(Buffer.from(payload ?? []).toString()) as { nowMs: number };
        records++;
        if (seen.nowMs < taskStartedMs) {
          staleClock++;
          worstStaleMs = Math.max(worstStaleMs, taskStartedMs - seen.nowMs);
        }
      }
    }
    let replayFailures = 0;
    for await (const r of Worker.runReplayHistories(
      { workflowsPath: require.resolve('./clock-probe.workflow') },
      histories,
    )) {
      if (r.error) replayFailures++;
    }
    return { queries: opts.queries, records, staleClock, worstStaleMs, replayFailures, stuck };
  } finally {
    worker.shutdown();
    await running.catch(() => undefined);
    await connection.close();
    await native.close();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '2' },
      workflows: { type: 'string', default: '30' },
      signals: { type: 'string', default: '40' },
      cache: { type: 'string', default: '2' },
    },
  });
  const opts = {
    workflows: Number(values.workflows),
    signals: Number(values.signals),
    cache: Number(values.cache),
  };
  const arms: ArmResult[] = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const queries of round % 2 === 0 ? [true, false] : [false, true]) {
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
