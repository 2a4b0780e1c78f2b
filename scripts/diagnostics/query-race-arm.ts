import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startTestDevServer } from '../../test/support/dev-server';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../src/temporal/workflow-bundle';
import { STALE_CLOCK_REFUSED } from '../../src/workflows/stale-clock-guard';
import { type ProbeActivities, poke, pokes } from './clock-probe.workflow';

/*
 * One arm of the query-race diagnostic, on its own dev server: the clock probe gets its signals,
 * with or without a stream of queries, on a worker with a small cache (so runs go cold) and with
 * or without the workflow interceptors every caseflow worker runs (the stale-clock guard); then every history is checked and replayed.
 */

type ProbeRecord = Parameters<ProbeActivities['record']>[0];

/** A record written by code that ran at a history position other than its task's start. */
interface OffTaskSample {
  workflowId: string;
  activityScheduledEventId: number;
  ranAtHistoryLength: number;
  eventTypeThere: string;
  taskStartedEventId: number;
  clockBehindMs: number;
}

export interface ArmResult {
  queries: boolean;
  /** Whether the worker ran caseflow's stale-clock guard (src/workflows/stale-clock-guard.ts). */
  guard: boolean;
  records: number;
  staleClock: number;
  worstStaleMs: number;
  replayFailures: number;
  stuck: number;
  /** Records made by code whose history ended elsewhere than its workflow task's start. */
  offTask: number;
  offTaskSamples: OffTaskSample[];
  /** Queries the guard refused (their stale activation was dropped instead of kept). */
  refusedQueries: number;
  /** Workflow tasks that failed (a refusal outside a query would show here). */
  failedTasks: number;
}

const EventType = temporal.api.enums.v1.EventType;

function eventMs(e: temporal.api.history.v1.IHistoryEvent): number {
  return Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
}

export async function runArm(opts: {
  queries: boolean;
  guard: boolean;
  workflows: number;
  signals: number;
  cache: number;
}): Promise<ArmResult> {
  const server = await startTestDevServer();
  const native = await NativeConnection.connect({ address: server.address });
  const worker = await Worker.create({
    connection: native,
    taskQueue: 'clock-probe',
    workflowsPath: join(__dirname, 'clock-probe.workflow.ts'),
    activities: { record: () => Promise.resolve() },
    maxCachedWorkflows: opts.cache,
    ...(opts.guard ? { interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES } } : {}),
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const stamp = Date.now().toString(36);
  let stuck = 0;
  let refusedQueries = 0;
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
          while (!stop) {
            await h.query(pokes).catch((err: unknown) => {
              if (String((err as Error).message).includes(STALE_CLOCK_REFUSED)) refusedQueries++;
            });
          }
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
    let offTask = 0;
    let failedTasks = 0;
    const offTaskSamples: OffTaskSample[] = [];
    let staleClock = 0;
    let worstStaleMs = 0;
    const histories = [];
    for (const h of handles) {
      const history = await h.fetchHistory();
      histories.push({ workflowId: h.workflowId, history });
      let taskStartedMs = 0;
      let lastStartedId = 0;
      for (const e of history.events ?? []) {
        if (e.workflowTaskFailedEventAttributes) failedTasks++;
        if (e.workflowTaskStartedEventAttributes) {
          taskStartedMs = eventMs(e);
          lastStartedId = Number(e.eventId);
        }
        const scheduled = e.activityTaskScheduledEventAttributes;
        if (!scheduled) continue;
        const payload = scheduled.input?.payloads?.[0]?.data;
        const seen = JSON.parse(Buffer.from(payload ?? []).toString()) as ProbeRecord;
        records++;
        // Where in the history the code believed it was: a real workflow task runs at its own
        // WorkflowTaskStarted event; anything else means it ran without one (a query's replay).
        if (seen.historyLength !== lastStartedId) {
          offTask++;
          const at = history.events?.find((x) => Number(x.eventId) === seen.historyLength);
          offTaskSamples.push({
            workflowId: h.workflowId,
            activityScheduledEventId: Number(e.eventId),
            ranAtHistoryLength: seen.historyLength,
            eventTypeThere: EventType[at?.eventType ?? 0] ?? 'unknown',
            taskStartedEventId: lastStartedId,
            clockBehindMs: Math.max(0, taskStartedMs - seen.nowMs),
          });
        }
        if (seen.nowMs < taskStartedMs) {
          staleClock++;
          worstStaleMs = Math.max(worstStaleMs, taskStartedMs - seen.nowMs);
        }
      }
    }
    let replayFailures = 0;
    for await (const r of Worker.runReplayHistories(
      { workflowsPath: join(__dirname, 'clock-probe.workflow.ts') },
      histories,
    )) {
      if (r.error) replayFailures++;
    }
    return {
      queries: opts.queries,
      guard: opts.guard,
      records,
      staleClock,
      worstStaleMs,
      replayFailures,
      stuck,
      offTask,
      offTaskSamples: offTaskSamples.slice(0, 5),
      refusedQueries,
      failedTasks,
    };
  } finally {
    worker.shutdown();
    await running.catch(() => undefined);
    // A stuck run's result long poll retries inside the client and throws once its channel is
    // closed, so after a stuck arm the connection is left to the process's exit.
    if (stuck === 0) await connection.close();
    await native.close();
    await server.stop();
  }
}
