import { historyToJSON } from '../../src/temporal/proto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supportCase } from '../../src/workflows';
import * as m from '../../src/workflows/supportCase.messages';
import { caseInput, recordingNotifier } from '../support/case-fixtures';
import { startTimeSkipping, testWorker } from '../support/time-skipping';

/*
 * The history budget (DESIGN.md, "Bounded history"): a case with 500 actions stays under 1 MB of
 * history per run, and no single payload reaches 256 KB. Update results are stored in the
 * history, so a case whose updates returned its whole log grew quadratically.
 */

const RUN_BUDGET_BYTES = 1024 * 1024;
const EVENT_BUDGET_BYTES = 256 * 1024;
const ACTIONS = 500;

/** The largest payload anywhere in a history event (payload data are its byte arrays). */
function largestPayload(value: unknown): number {
  if (value instanceof Uint8Array) return value.length;
  if (value === null || typeof value !== 'object') return 0;
  return Math.max(0, ...Object.values(value).map(largestPayload));
}

let env: TestWorkflowEnvironment;
let worker: Worker;
let taskQueue: string;
let running: Promise<void>;

beforeAll(async () => {
  env = await startTimeSkipping();
  ({ worker, taskQueue } = await testWorker(env, recordingNotifier().activities));
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

describe('the history budget', () => {
  it(`keeps a case with ${ACTIONS} actions under 1 MB per run and every payload under 256 KB`, async () => {
    const input = caseInput({
      // A long description: it is part of the case every update returns.
      description: `Outlook stängs ner varje gång jag öppnar en PDF-bilaga. ${'Detaljer om felet. '.repeat(200)}`,
    });
    const handle = await env.client.workflow.start(supportCase, {
      workflowId: m.caseWorkflowId(input.id),
      taskQueue,
      args: [input],
    });
    const firstRunId = (await handle.describe()).runId;
    const latest = env.client.workflow.getHandle(handle.workflowId);
    for (let i = 0; i < ACTIONS; i++) {
      await latest.executeUpdate(m.addNote, {
        args: [
          {
            actor: i % 2 === 0 ? 'kim' : 'ola',
            text: `Anteckning ${i}: kontrollerade loggarna och testade igen med en annan bilaga.`,
            visibleToRequester: i % 10 === 0,
          },
        ],
      });
    }
    expect((await latest.query(m.getCase)).logEntries).toBeGreaterThan(0);

    // Follow the chain of runs from the first one.
    // Sizes as JSON (payloads in base64), which is larger than what the server stores.
    const runs: { runId: string; bytes: number; largestPayload: number; events: number }[] = [];
    let runId: string | null | undefined = firstRunId;
    while (runId) {
      const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await env.client.workflow
        .getHandle(handle.workflowId, runId)
        .fetchHistory();
      const events = history.events ?? [];
      runs.push({
        runId,
        bytes: Buffer.byteLength(historyToJSON(history)),
        largestPayload: largestPayload(events),
        events: events.length,
      });
      runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    }
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs) {
      expect(run.bytes, JSON.stringify(run)).toBeLessThan(RUN_BUDGET_BYTES);
      expect(run.largestPayload, JSON.stringify(run)).toBeLessThan(EVENT_BUDGET_BYTES);
    }
    const notes = runs.reduce((n, r) => n + r.events, 0);
    expect(notes).toBeGreaterThan(ACTIONS);
  }, 180_000);
});
