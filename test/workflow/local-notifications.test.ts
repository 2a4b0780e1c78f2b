import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entriesOf } from '../../src/audit/timeline';
import { decodePayloads, parseHistory } from '../../src/audit/history-json';
import { historyToJSON } from '../../src/temporal/proto';
import { LIVE_SINKS, WORKFLOWS_PATH } from '../../src/temporal/workflow-bundle';
import { supportCase } from '../../src/workflows';
import * as m from '../../src/workflows/supportCase.messages';
import type { SupportCaseInput } from '../../src/workflows/supportCase.messages';
import type { CaseNotice } from '../../src/domain/case-record';
import type { ActivityDeps } from '../../src/activities';
import { caseInput, eventTypeName, MINUTE, recordingNotifier, untilCase } from '../support/case-fixtures';
import { startTimeSkipping, testWorker } from '../support/time-skipping';

/*
 * A case opened with `localNotifications` sends each notice from the workflow task that raised it
 * (a local activity): no activity task and no second workflow task on the server. A notice the
 * local attempt cannot deliver goes to the `notify` activity, which retries it. Either way the
 * timeline shows the notice once, and the history replays.
 */

let env: TestWorkflowEnvironment;
const running: Promise<void>[] = [];
const workers: Worker[] = [];

/** A worker whose notifier records what it sends; `failLocally` makes every local attempt fail. */
async function startWorker(failLocally: boolean, deps: ActivityDeps = {}) {
  const notifier = recordingNotifier();
  const localAttempts: CaseNotice[] = [];
  const activities = failLocally
    ? {
        ...notifier.activities,
        // eslint-disable-next-line @typescript-eslint/require-await
        notifyNow: async (notice: CaseNotice) => {
          localAttempts.push(notice);
          throw new Error('receiver unavailable');
        },
      }
    : notifier.activities;
  const { worker, taskQueue } = await testWorker(env, activities, deps);
  workers.push(worker);
  running.push(worker.run());
  return { taskQueue, sent: notifier.sent, localAttempts };
}

beforeAll(async () => {
  env = await startTimeSkipping();
});
afterAll(async () => {
  for (const worker of workers) worker.shutdown();
  await Promise.all(running);
  await env?.teardown();
});

/** A Sev A case (24x7) whose first response is due 20 minutes after it opens: at risk at 15. */
function sevACase(localNotifications: boolean): SupportCaseInput {
  const base = caseInput(
    { severity: 'A', twentyFourSeven: true },
    {
      sla: {
        ...caseInput().policy.sla,
        A: { ...caseInput().policy.sla.A, firstResponseMinutes: 20 },
      },
    },
  );
  return { ...base, quietDeliveries: true, indexesParticipants: true, localNotifications };
}

/** Opens the case and runs its clock past the at-risk point until that notice is recorded. */
async function atRisk(taskQueue: string, input: SupportCaseInput) {
  const handle = await env.client.workflow.start(supportCase, {
    workflowId: m.caseWorkflowId(input.id),
    taskQueue,
    args: [input],
  });
  await untilCase(handle, (c) => c.classification !== null);
  await env.sleep(16 * MINUTE);
  const recorded = await untilCase(handle, (c) =>
    c.log.some((e) => e.type === 'notification-delivered' && e.text.includes('sla-at-risk')),
  );
  return { handle, recorded };
}

async function historyOf(handle: WorkflowHandle<typeof supportCase>) {
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  return {
    history,
    names: events.map((e) => eventTypeName(e.eventType)),
    notifyActivities: events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'notify',
    ).length,
    timeline: entriesOf(handle.workflowId, parseHistory(historyToJSON(history))),
  };
}

/** The ids of the patches a history's markers record. */
function patchesOf(history: Awaited<ReturnType<typeof historyOf>>['history']): string[] {
  return parseHistory(historyToJSON(history))
    .events.map(
      (e) =>
        e.markerRecordedEventAttributes as
          { markerName?: string; details?: Record<string, never> } | undefined,
    )
    .filter((a) => a?.markerName === 'core_patch')
    .map((a) => String((decodePayloads(a?.details?.['patch-data']) as { id?: string }[])[0]?.id));
}

async function replays(handle: WorkflowHandle<typeof supportCase>): Promise<void> {
  await Worker.runReplayHistory(
    { workflowsPath: WORKFLOWS_PATH, sinks: LIVE_SINKS },
    await handle.fetchHistory(),
    handle.workflowId,
  );
}

describe('notifications sent from the workflow task that raised them', () => {
  it('cost no activity task and no second workflow task, and show on the timeline', async () => {
    const { taskQueue, sent } = await startWorker(false);
    const input = sevACase(true);
    const { handle, recorded } = await atRisk(taskQueue, input);
    expect(sent.filter((n) => n.caseId === input.id).map((n) => n.type)).toEqual(['sla-at-risk']);
    expect(recorded.log.find((e) => e.text.includes('sla-at-risk'))?.text).toMatch(
      /delivered: http:\/\/receiver\.test\/hook\.$/,
    );

    const { history, names, notifyActivities, timeline } = await historyOf(handle);
    expect(notifyActivities).toBe(0);
    // The timer fires, one workflow task runs, and its completion carries the delivery's marker.
    const fired = names.lastIndexOf('EVENT_TYPE_TIMER_FIRED');
    const afterFired = names.slice(fired + 1);
    expect(afterFired.filter((n) => n === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED')).toHaveLength(1);
    expect(afterFired).toContain('EVENT_TYPE_MARKER_RECORDED');
    // No patch marker for the delivery's attempt count: the input says the case is new enough.
    expect(patchesOf(history)).toEqual([]);
    const notices = timeline.filter((e) => e.type === 'sla-at-risk');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ actor: 'caseflow', text: expect.stringMatching(/^SLA at risk/) });
    await replays(handle);
  });

  it('hand a notice the local attempt cannot deliver to the notify activity, recorded once with both attempts', async () => {
    const { taskQueue, sent, localAttempts } = await startWorker(true);
    const input = sevACase(true);
    const { handle, recorded } = await atRisk(taskQueue, input);
    expect(localAttempts.filter((n) => n.caseId === input.id).map((n) => n.type)).toEqual(['sla-at-risk']);
    expect(sent.filter((n) => n.caseId === input.id).map((n) => n.type)).toEqual(['sla-at-risk']);
    expect(recorded.log.filter((e) => e.text.includes('sla-at-risk'))).toEqual([
      expect.objectContaining({
        type: 'notification-delivered',
        text: expect.stringMatching(/on attempt 2, after 1 failed attempt\.$/),
      }),
    ]);
    const { history, notifyActivities, timeline } = await historyOf(handle);
    expect(notifyActivities).toBe(1);
    expect(timeline.filter((e) => e.type === 'sla-at-risk')).toHaveLength(1);
    expect(patchesOf(history)).toEqual([]);
    await replays(handle);
  });

  it('are scheduled as activities for a case opened before its input said so, as its history recorded', async () => {
    const { taskQueue } = await startWorker(false);
    const input = sevACase(false);
    const { handle } = await atRisk(taskQueue, input);
    const { notifyActivities, timeline, history } = await historyOf(handle);
    expect(notifyActivities).toBe(1);
    expect(timeline.filter((e) => e.type === 'sla-at-risk')).toHaveLength(1);
    expect(patchesOf(history)).toContain('delivery-attempts');
    await replays(handle);
  });

  // Last: once a case has closed and started its archive, the Java time-skipping server skips a
  // long sleep only after about a minute (with or without local notifications), which the other
  // tests' sleeps would wait out.
  it('close a case whose closing notice and archive go out in the same task, and the history replays', async () => {
    const archiveDir = mkdtempSync(join(tmpdir(), 'caseflow-archive-'));
    const { taskQueue } = await startWorker(false, { archive: { client: env.client, archiveDir } });
    const input = { ...sevACase(true), policy: { ...sevACase(true).policy, archiveOnClose: true } };
    const handle = await env.client.workflow.start(supportCase, {
      workflowId: m.caseWorkflowId(input.id),
      taskQueue,
      args: [input],
    });
    await untilCase(handle, (c) => c.classification !== null);
    await handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'Spooler fixed.' }] });
    await handle.signal(m.requesterConfirmed, {
      actor: input.intake.requester.id,
      accepted: true,
      comment: 'ok',
    });
    await handle.result();
    const { notifyActivities, history, names } = await historyOf(handle);
    expect(notifyActivities).toBe(0);
    // The archive starts, and the run records no patch marker at all: its input says it came after
    // every change a patch brought in, so no marker can follow a local activity's in one task.
    expect(names).toContain('EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED');
    expect(patchesOf(history)).toEqual([]);
    await replays(handle);
    // The archive is written once the case has ended.
    const archived = await env.client.workflow.getHandle(`${handle.workflowId}:archive`).result();
    expect(existsSync(String(archived.path))).toBe(true);
    rmSync(archiveDir, { recursive: true, force: true });
  });
});
