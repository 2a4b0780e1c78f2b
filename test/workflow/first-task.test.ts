import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCase } from '../../src/domain/case-lifecycle';
import { supportCase } from '../../src/workflows';
import { escalationChanged } from '../../src/workflows/escalation.messages';
import * as m from '../../src/workflows/supportCase.messages';
import { caseInput, elevationRequest, escalationRequest, recordingNotifier } from '../support/case-fixtures';
import { startTimeSkipping, testWorker } from '../support/time-skipping';

/*
 * A message can arrive before a run's first workflow task: right after the case is started, or
 * right after it continued as new. The workflow must handle it then as at any other time. The case
 * is started on a task queue no worker polls yet, every signal and update is sent, and only then
 * does a worker start: all of them reach the run's first task.
 */

let env: TestWorkflowEnvironment;
const notifier = recordingNotifier();

beforeAll(async () => {
  env = await startTimeSkipping();
});
afterAll(async () => {
  await env?.teardown();
});

type Settled = { name: string; outcome: 'done' | 'refused' | 'error'; detail?: string };

async function everyMessageBeforeTheFirstTask(input: m.SupportCaseInput): Promise<void> {
  const { worker, taskQueue } = await testWorker(env, notifier.activities);
  const handle = await env.client.workflow.start(supportCase, {
    workflowId: m.caseWorkflowId(input.id),
    taskQueue,
    args: [input],
  });
  const actor = 'agent-1';
  await handle.signal(m.linkIncident, { incidentId: 'inc-1', actor: 'admin-1' });
  await handle.signal(m.incidentResolved, { incidentId: 'inc-1', message: 'fixed upstream' });
  await handle.signal(m.requesterReplied, { actor: 'helpdesk', message: 'Det fungerar inte fortfarande.' });
  await handle.signal(m.requesterConfirmed, { actor: 'helpdesk', accepted: false, comment: null });
  await handle.signal(escalationChanged, {
    escalationId: `${input.id}.x9`,
    target: 'service-ops',
    status: 'filed',
    message: null,
    externalReference: null,
  });
  const serial = input.intake.device.serial;
  const updates: [string, () => Promise<unknown>][] = [
    [
      'assign',
      () =>
        handle.executeUpdate(m.assign, {
          args: [{ actor, tier: 'tier-2', assignee: 'ola', reason: 'skills' }],
        }),
    ],
    [
      'changeSeverity',
      () =>
        handle.executeUpdate(m.changeSeverity, { args: [{ actor, severity: 'B', reason: 'more users' }] }),
    ],
    [
      'overrideCategory',
      () =>
        handle.executeUpdate(m.overrideCategory, {
          args: [{ actor, category: 'hardware', subCategory: null, reason: 'disk' }],
        }),
    ],
    [
      'requestInfo',
      () => handle.executeUpdate(m.requestInfo, { args: [{ actor, question: 'Vilken modell?' }] }),
    ],
    [
      'addNote',
      () =>
        handle.executeUpdate(m.addNote, {
          args: [{ actor, text: 'Tittar på det', visibleToRequester: false }],
        }),
    ],
    [
      'requestElevation',
      () =>
        handle.executeUpdate(m.requestElevation, {
          args: [{ actor: 'esc-1', request: elevationRequest(`${serial}X`) }],
        }),
    ],
    [
      'reviewBreakGlass',
      () =>
        handle.executeUpdate(m.reviewBreakGlass, {
          args: [{ actor: 'admin-1', elevationId: `${input.id}.1`, findings: 'none' }],
        }),
    ],
    [
      'fileEscalation',
      () =>
        handle.executeUpdate(m.fileEscalation, {
          args: [
            { actor: 'esc-1', actorIsAdmin: false, request: escalationRequest({ category: 'security' }) },
          ],
        }),
    ],
    ['resolve', () => handle.executeUpdate(m.resolve, { args: [{ actor, resolution: 'Bytte disk.' }] })],
    ['reopen', () => handle.executeUpdate(m.reopen, { args: [{ actor, reason: 'Kom tillbaka' }] })],
  ];
  const settled = updates.map(([name, send]) =>
    send().then(
      (): Settled => ({ name, outcome: 'done' }),
      (err: unknown): Settled =>
        err instanceof WorkflowUpdateFailedError
          ? { name, outcome: 'refused', detail: err.cause?.message }
          : { name, outcome: 'error', detail: String(err) },
    ),
  );
  // Let the update requests reach the server before any worker can take the first task.
  await new Promise((r) => setTimeout(r, 500));
  const running = worker.run();
  try {
    const timeout = new Promise<Settled[]>((_, reject) =>
      setTimeout(() => reject(new Error('an update never settled: the workflow task is failing')), 20_000),
    );
    const outcomes = await Promise.race([Promise.all(settled), timeout]);
    expect(outcomes.filter((o) => o.outcome === 'error')).toEqual([]);
    // Every message was taken into account (validators ran, signals were recorded), and the case
    // answers queries.
    const c = await handle.query(m.getCase);
    expect(c.id).toBe(input.id);
    expect(outcomes.find((o) => o.name === 'assign')?.outcome).toBe('done');
    expect(outcomes.find((o) => o.name === 'addNote')?.outcome).toBe('done');
    expect(c.log.map((e) => e.type)).toEqual(
      expect.arrayContaining(['assigned', 'note-added', 'incident-linked']),
    );
    const history = await handle.fetchHistory();
    const failedTasks = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes);
    expect(failedTasks).toEqual([]);
    // The case goes on working afterwards.
    const after = await handle.executeUpdate(m.addNote, {
      args: [{ actor, text: 'Fortfarande frisk', visibleToRequester: true }],
    });
    expect(after.id).toBe(input.id);
  } finally {
    await handle.terminate('test over').catch(() => undefined);
    worker.shutdown();
    await running;
  }
}

describe('messages in the first workflow task of a run', () => {
  it('are all handled on a fresh case', async () => {
    await everyMessageBeforeTheFirstTask(caseInput());
  });

  it('are all handled on a run that continued as new', async () => {
    const input = caseInput();
    const previous = openCase(input, Date.now());
    await everyMessageBeforeTheFirstTask({
      ...input,
      resume: { ...previous, status: 'triaged', category: 'microsoft-apps' },
    });
  });
});
