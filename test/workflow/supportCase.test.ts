import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseView } from '../../src/domain/case';
import { SlaBreached } from '../../src/temporal/search-attributes';
import { supportCase } from '../../src/workflows';
import * as m from '../../src/workflows/supportCase.messages';
import {
  caseInput,
  HOUR,
  MINUTE,
  nextLocalTime,
  recordingNotifier,
  untilCase,
} from '../support/case-fixtures';
import { startTimeSkipping, testWorker } from '../support/time-skipping';

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

type Handle = WorkflowHandle<typeof supportCase>;

async function open(input = caseInput()): Promise<Handle> {
  const handle = await env.client.workflow.start(supportCase, {
    workflowId: m.caseWorkflowId(input.id),
    taskQueue,
    args: [input],
  });
  await until(handle, (c) => c.classification !== null);
  return handle;
}

const until = untilCase;

/** Server time keeps ticking between time skips, so instants are compared to the second. */
function expectNear(actual: string | number | null | undefined, expectedMs: number): void {
  const ms = typeof actual === 'number' ? actual : Date.parse(actual ?? '');
  expect(
    Math.abs(ms - expectedMs),
    `${new Date(ms).toISOString()} vs ${new Date(expectedMs).toISOString()}`,
  ).toBeLessThan(1_000);
}

const noticesFor = (caseId: string) => notifier.sent.filter((n) => n.caseId === caseId);
const logTypes = (c: CaseView) => c.log.map((e) => e.type);

describe('classification and triage', () => {
  it('triages a confident classification and routes it to the provider', async () => {
    const handle = await open();
    const c = await handle.query(m.getCase);
    expect(c).toMatchObject({ status: 'triaged', category: 'microsoft-apps', tier: 'tier-1' });
    expect(c.route).toMatchObject({ handledBy: 'support-provider', target: null });
    expect(c.classification?.rules.length).toBeGreaterThan(0);
  });

  it('leaves an unsure case in triage until an agent overrides the category, recording why', async () => {
    const handle = await open(caseInput({ title: 'Hjälp', description: 'Det funkar inte.' }));
    expect(await handle.query(m.getCase)).toMatchObject({ status: 'new', category: 'unclassified' });
    const after = await handle.executeUpdate(m.overrideCategory, {
      args: [
        {
          actor: 'agent-7',
          category: 'hardware',
          subCategory: null,
          reason: 'Screen is cracked per phone call',
        },
      ],
    });
    expect(after).toMatchObject({ status: 'triaged', category: 'hardware' });
    expect(after.route).toMatchObject({ handledBy: 'escalation', target: 'vendor' });
    // Update results are stored in the history: they carry the case without its log.
    expect(after).not.toHaveProperty('log');
    expect((await handle.query(m.getCase)).log.at(-1)).toMatchObject({
      type: 'category-overridden',
      actor: 'agent-7',
      reason: 'Screen is cracked per phone call',
    });
  });
});

describe('tiers and assignment', () => {
  it('assigns, moves up and down a tier, each with actor and reason', async () => {
    const handle = await open();
    await handle.executeUpdate(m.assign, {
      args: [{ actor: 'lead', tier: 'tier-1', assignee: 'kim', reason: 'queue' }],
    });
    await handle.executeUpdate(m.assign, {
      args: [{ actor: 'kim', tier: 'tier-2', assignee: 'ola', reason: 'needs tier 2' }],
    });
    const c = await handle.executeUpdate(m.assign, {
      args: [{ actor: 'ola', tier: 'tier-1', assignee: 'kim', reason: 'routine follow-up' }],
    });
    expect(c).toMatchObject({ status: 'in-progress', tier: 'tier-1', assignee: 'kim' });
    const moves = (await handle.query(m.getCase)).log
      .filter((e) => e.type === 'assigned')
      .map((e) => [e.actor, e.reason, e.text]);
    expect(moves).toEqual([
      ['lead', 'queue', expect.stringContaining('reassigned within tier-1')],
      ['kim', 'needs tier 2', expect.stringContaining('moved up from tier-1 to tier-2')],
      ['ola', 'routine follow-up', expect.stringContaining('moved down from tier-2 to tier-1')],
    ]);
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(SlaBreached)).toBe(false);
  });

  it('rejects a command the state does not allow, with the reason', async () => {
    const handle = await open();
    const refused = handle.executeUpdate(m.reopen, { args: [{ actor: 'kim', reason: 'try' }] });
    await expect(refused).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(refused).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/Only a resolved case/) },
    });
  });
});

describe('SLA clocks', () => {
  it('breaches a Sev B first response across a weekend, counting business hours only', async () => {
    const friday = nextLocalTime('America/Los_Angeles', 5, '15:00', await env.currentTimeMs());
    await env.sleep(friday - (await env.currentTimeMs()));
    const handle = await open(caseInput({ severity: 'B' }));
    const c = await handle.query(m.getCase);
    const opened = Date.parse(c.createdAt);
    // 2 business hours on Friday (15:00-17:00) and 2 on Monday (09:00-11:00).
    const mondayDue = nextLocalTime('America/Los_Angeles', 1, '11:00', opened) + (opened - friday);
    expect(Date.parse(c.sla.firstResponseDue ?? '')).toBe(mondayDue);

    await env.sleep(mondayDue - opened - 2 * HOUR); // Monday ~09:00: the weekend did not count
    expect((await handle.query(m.getCase)).sla.breaches).toEqual([]);

    await env.sleep(2 * HOUR + MINUTE);
    const breached = await until(handle, (x) => x.sla.breaches.length > 0);
    expect(breached.sla.breaches).toEqual([
      expect.objectContaining({
        target: 'firstResponse',
        severity: 'B',
        dueAt: new Date(mondayDue).toISOString(),
      }),
    ]);
    expect(noticesFor(c.id).map((n) => n.type)).toEqual(['sla-at-risk', 'sla-breach']);
    expect((await handle.describe()).typedSearchAttributes.get(SlaBreached)).toBe(true);
  });

  it('does not count time paused on the requester, and keeps it per cause', async () => {
    const handle = await open(caseInput({ severity: 'B', twentyFourSeven: true }));
    const opened = Date.parse((await handle.query(m.getCase)).createdAt);
    await env.sleep(30 * MINUTE);
    const asked = await handle.executeUpdate(m.requestInfo, {
      args: [{ actor: 'kim', question: 'Vilken version?' }],
    });
    expect(asked).toMatchObject({
      status: 'waiting-on-requester',
      sla: { paused: 'requester', resolutionDue: null },
    });

    await env.sleep(30 * HOUR); // longer than the whole 24 h resolution target
    await handle.signal(m.requesterReplied, { actor: 'helpdesk', message: 'Version 2408' });
    const c = await until(handle, (x) => x.status === 'in-progress');
    expect(c.sla.breaches).toEqual([]);
    expect(c.sla.pausedSeconds.requester).toBe(30 * 3600);
    expectNear(c.sla.resolutionDue, opened + 24 * HOUR + 30 * HOUR);
    expect(logTypes(c)).toEqual(
      expect.arrayContaining(['sla-paused', 'info-reminder', 'requester-replied', 'sla-resumed']),
    );
    expect(noticesFor(c.id).map((n) => n.type)).toContain('info-request-reminder');
  });

  it('recomputes deadlines on a severity change mid-case without losing paused time', async () => {
    const handle = await open(caseInput({ severity: 'B', twentyFourSeven: true }));
    const opened = Date.parse((await handle.query(m.getCase)).createdAt);
    await env.sleep(30 * MINUTE);
    await handle.executeUpdate(m.requestInfo, { args: [{ actor: 'kim', question: 'När började det?' }] });
    await env.sleep(HOUR);
    await handle.signal(m.requesterReplied, { actor: 'helpdesk', message: 'I morse' });
    await until(handle, (x) => x.status === 'in-progress');
    const c = await handle.executeUpdate(m.changeSeverity, {
      args: [{ actor: 'kim', severity: 'A', reason: 'Whole department affected' }],
    });
    expect(c.severity).toBe('A');
    expect(c.sla.pausedSeconds.requester).toBe(3600);
    // Sev A: resolution 8 h around the clock, plus the hour paused on the requester.
    expectNear(c.sla.resolutionDue, opened + 9 * HOUR);
    // Last update was the question at +30 min; 60 min cadence; the paused hour extends it.
    expectNear(c.sla.nextUpdateDue, opened + 30 * MINUTE + 2 * HOUR);
    expect((await handle.query(m.getCase)).log.at(-1)).toMatchObject({
      type: 'severity-changed',
      actor: 'kim',
      reason: 'Whole department affected',
    });
  });
});

describe('customer unresponsive', () => {
  it('reminds, then closes the case 48 h after the last unanswered request', async () => {
    const handle = await open(caseInput({ severity: 'C' }));
    await handle.executeUpdate(m.requestInfo, {
      args: [{ actor: 'kim', question: 'Kan du skicka en skärmbild?' }],
    });
    await env.sleep(10 * HOUR);
    await handle.executeUpdate(m.requestInfo, {
      args: [{ actor: 'kim', question: 'Påminnelse: skärmbild?' }],
    });
    const asked = Date.parse((await handle.query(m.getCase)).pendingQuestion?.askedAt ?? '');
    const result = await handle.result();
    expect(result.status).toBe('closed-unresponsive');
    const c = await handle.query(m.getCase);
    expectNear(c.closedAt, asked + 48 * HOUR);
    expect(c.closeReason).toMatch(/48 h/);
    const types = noticesFor(c.id).map((n) => n.type);
    expect(types).toEqual(expect.arrayContaining(['info-request-reminder', 'case-closed']));
  });

  it('downgrades a Sev A case whose requester does not keep up the engagement, never below C', async () => {
    const handle = await open(caseInput({ severity: 'A' }));
    await handle.executeUpdate(m.requestInfo, { args: [{ actor: 'kim', question: 'Är du kvar?' }] });
    await env.sleep(2 * HOUR + MINUTE);
    const c = await until(handle, (x) => x.severity === 'B');
    expect(c.log.find((e) => e.type === 'severity-downgraded')).toMatchObject({
      actor: 'caseflow',
      reason: expect.stringMatching(/24x7 engagement/),
      text: 'Severity downgraded from A to B.',
    });
    await env.sleep(3 * HOUR);
    expect((await handle.query(m.getCase)).severity).toBe('B');
  });
});

describe('resolution and closure', () => {
  it('closes when the requester confirms', async () => {
    const handle = await open();
    const resolved = await handle.executeUpdate(m.resolve, {
      args: [{ actor: 'kim', resolution: 'Reparerade Office.' }],
    });
    expect(resolved).toMatchObject({
      status: 'resolved',
      resolution: { note: 'Reparerade Office.', by: 'kim' },
    });
    await handle.signal(m.requesterConfirmed, { actor: 'helpdesk', accepted: true, comment: 'Tack!' });
    expect(await handle.result()).toMatchObject({ status: 'closed' });
    const types = noticesFor(resolved.id).map((n) => n.type);
    expect(types).toEqual(['case-resolved', 'case-closed']);
  });

  it('auto-closes a resolution nobody answers after 5 days', async () => {
    const handle = await open();
    const resolved = await handle.executeUpdate(m.resolve, {
      args: [{ actor: 'kim', resolution: 'Fixed.' }],
    });
    const result = await handle.result();
    expect(result.status).toBe('closed');
    const c = await handle.query(m.getCase);
    expectNear(c.closedAt, Date.parse(resolved.resolution?.at ?? '') + 120 * HOUR);
    expect(c.closeReason).toMatch(/did not answer the resolution/);
  });

  it('reopens when the requester rejects, counts it, and lets the SLA continue', async () => {
    const handle = await open(caseInput({ severity: 'B', twentyFourSeven: true }));
    const opened = Date.parse((await handle.query(m.getCase)).createdAt);
    await env.sleep(HOUR);
    await handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'Restarted the service.' }] });
    await env.sleep(2 * HOUR);
    await handle.signal(m.requesterConfirmed, {
      actor: 'helpdesk',
      accepted: false,
      comment: 'Still broken',
    });
    const c = await until(handle, (x) => x.status === 'in-progress');
    expect(c.reopenCount).toBe(1);
    expect(c.log.at(-1)).toMatchObject({ type: 'rejected', reason: 'Still broken' });
    // The two hours awaiting the verdict were the requester's, so the 24 h target moves by them.
    expectNear(c.sla.resolutionDue, opened + 26 * HOUR);

    await handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'Replaced the profile.' }] });
    const again = await handle.executeUpdate(m.reopen, {
      args: [{ actor: 'lead', reason: 'Same fault reported by phone' }],
    });
    expect(again).toMatchObject({ status: 'in-progress', reopenCount: 2 });
  });
});

describe('long cases', () => {
  it('continues as new past the history threshold, carrying state and SLA clocks exactly', async () => {
    const input = caseInput({ severity: 'B', twentyFourSeven: true }, { continueAsNewAfterEvents: 100 });
    const handle = await open(input);
    const firstRun = (await handle.describe()).runId;
    await env.sleep(20 * MINUTE);
    await handle.executeUpdate(m.requestInfo, { args: [{ actor: 'kim', question: 'Fråga?' }] });
    await env.sleep(10 * MINUTE);
    await handle.signal(m.requesterReplied, { actor: 'helpdesk', message: 'Svar' });
    let before: Omit<CaseView, 'log'> | undefined;
    for (let i = 0; i < 40; i++) {
      before = await handle.executeUpdate(m.addNote, {
        args: [{ actor: 'kim', text: `note ${i}`, visibleToRequester: false }],
      });
    }
    const latest = env.client.workflow.getHandle(handle.workflowId);
    const after = await until(latest as Handle, (x) => x.log.some((e) => e.type === 'continued-as-new'));
    expect((await latest.describe()).runId).not.toBe(firstRun);
    expect(after.sla).toEqual({ ...before?.sla, pausedSeconds: after.sla.pausedSeconds });
    expect(after.sla.pausedSeconds.requester).toBe(600);
    // The hand-over carries a bounded tail of the log, not the log: the history is the record.
    const handedOver = after.log.findIndex((e) => e.type === 'continued-as-new');
    expect(handedOver).toBeGreaterThanOrEqual(0);
    expect(handedOver).toBeLessThan(20);
    expect(after.log.filter((e) => e.type === 'note-added').at(-1)?.text).toContain('note 39');
    const page = await latest.query(m.getLog, { cursor: 0, limit: 100 });
    expect(page).toMatchObject({ earlierRuns: true, nextCursor: null });
    const c = await latest.executeUpdate(m.assign, {
      args: [{ actor: 'kim', tier: 'tier-2', assignee: 'ola', reason: 'next' }],
    });
    expect(c.assignee).toBe('ola');
  });
});
