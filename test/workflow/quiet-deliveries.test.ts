import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_SINKS, WORKFLOWS_PATH } from '../../src/temporal/workflow-bundle';
import { supportCase } from '../../src/workflows';
import * as m from '../../src/workflows/supportCase.messages';
import type { SupportCaseInput } from '../../src/workflows/supportCase.messages';
import { caseInput, eventTypeName, MINUTE, recordingNotifier, untilCase } from '../support/case-fixtures';
import { startTimeSkipping, testWorker } from '../support/time-skipping';

/*
 * A notification's delivery lands in the record without waking the case's loop, so the loop's
 * timer is neither cancelled nor started again for it, and the next SLA event still fires on time.
 * Cases opened before their input said so wake on every delivery, as their histories recorded.
 */

let env: TestWorkflowEnvironment;
let worker: Worker;
let taskQueue: string;
let running: Promise<void>;
const notifier = recordingNotifier();

beforeAll(async () => {
  env = await startTimeSkipping();
  ({ worker, taskQueue } = await testWorker(env, notifier.activities));
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

/** A Sev A case (24x7) whose first response is due 20 minutes after it opens: at risk at 15. */
function sevACase(quietDeliveries: boolean | undefined): SupportCaseInput {
  const base = caseInput(
    { severity: 'A', twentyFourSeven: true },
    {
      sla: {
        ...caseInput().policy.sla,
        A: { ...caseInput().policy.sla.A, firstResponseMinutes: 20 },
      },
    },
  );
  return quietDeliveries === undefined ? base : { ...base, quietDeliveries };
}

/** Opens the case, lets its at-risk notice go out and be delivered, and returns its history. */
async function throughAtRiskDelivery(input: SupportCaseInput) {
  const handle = await env.client.workflow.start(supportCase, {
    workflowId: m.caseWorkflowId(input.id),
    taskQueue,
    args: [input],
  });
  const opened = await untilCase(handle, (c) => c.classification !== null);
  expect(Date.parse(opened.sla.firstResponseDue ?? '') - Date.parse(opened.createdAt)).toBe(20 * MINUTE);
  await env.sleep(16 * MINUTE);
  await untilCase(handle, () => notifier.sent.some((n) => n.caseId === input.id && n.type === 'sla-at-risk'));
  // The delivery is recorded once the task after the activity's completion has completed.
  for (let i = 0; i < 200; i++) {
    const events = (await handle.fetchHistory()).events ?? [];
    const names = events.map((e) => eventTypeName(e.eventType));
    const completed = names.lastIndexOf('EVENT_TYPE_ACTIVITY_TASK_COMPLETED');
    if (completed > 0 && names.slice(completed).includes('EVENT_TYPE_WORKFLOW_TASK_COMPLETED'))
      return { handle, names };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the at-risk notice was not delivered');
}

/** The case's history replays against the current workflow code. */
async function replays(handle: WorkflowHandle<typeof supportCase>): Promise<void> {
  await Worker.runReplayHistory(
    { workflowsPath: WORKFLOWS_PATH, sinks: LIVE_SINKS },
    await handle.fetchHistory(),
    handle.workflowId,
  );
}

/** Event names after the at-risk notice's activity completed. */
function afterDelivery(names: string[]): string[] {
  const completed = names.lastIndexOf('EVENT_TYPE_ACTIVITY_TASK_COMPLETED');
  expect(completed).toBeGreaterThan(0);
  return names.slice(completed + 1);
}

describe('notification deliveries', () => {
  it('leave the loop asleep on a quiet case: no timer cancelled or restarted, and the breach fires on time', async () => {
    const input = sevACase(true);
    const { handle, names } = await throughAtRiskDelivery(input);
    const tail = afterDelivery(names);
    expect(tail).toContain('EVENT_TYPE_WORKFLOW_TASK_COMPLETED');
    expect(tail.filter((n) => /TIMER_(CANCELED|STARTED)/.test(n))).toEqual([]);
    expect(names.filter((n) => n === 'EVENT_TYPE_TIMER_CANCELED')).toEqual([]);

    // The timer set when the at-risk event fired still wakes the case for the breach.
    await env.sleep(5 * MINUTE);
    const breached = await untilCase(handle, (c) => c.sla.breaches.length > 0);
    expect(breached.sla.breaches).toEqual([
      expect.objectContaining({ target: 'firstResponse', severity: 'A' }),
    ]);
    expect(notifier.sent.filter((n) => n.caseId === input.id).map((n) => n.type)).toEqual([
      'sla-at-risk',
      'sla-breach',
    ]);
    await replays(handle);
  });

  it('wake the loop of a case opened before its input said so, as its history recorded', async () => {
    const input = sevACase(undefined);
    const { handle, names } = await throughAtRiskDelivery(input);
    expect(afterDelivery(names).filter((n) => /TIMER_(CANCELED|STARTED)/.test(n))).toEqual([
      'EVENT_TYPE_TIMER_CANCELED',
      'EVENT_TYPE_TIMER_STARTED',
    ]);
    await replays(handle);
  });
});
