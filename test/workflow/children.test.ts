import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EscalationDelivery } from '../../src/activities/escalation-delivery';
import type { CaseView } from '../../src/domain/case';
import type { CaseNotice } from '../../src/domain/case-lifecycle';
import { DEFAULT_CASE_POLICY } from '../../src/domain/case-policy';
import type { EscalationRequest, EscalationView } from '../../src/domain/escalation';
import { createFileVault } from '../../src/vault/credential-vault';
import { createRecordingDeviceAdapter } from '../../src/vault/device-adapters';
import { generateVaultKey, parseVaultKeys } from '../../src/vault/keyring';
import { supportCase } from '../../src/workflows';
import * as xm from '../../src/workflows/escalation.messages';
import * as m from '../../src/workflows/supportCase.messages';
import { caseInput, elevationRequest, escalationRequest, MINUTE } from '../support/case-fixtures';
import { startTimeSkipping, testWorker } from '../support/time-skipping';

/*
 * Children are explicit, durable state of their case: every way a child ends lands on the record,
 * a weeks-long escalation is handed over by continue-as-new, no child starts while the case hands
 * over, and no escalation closes silently.
 */

let env: TestWorkflowEnvironment;
let worker: Worker;
let taskQueue: string;
let running: Promise<void>;
const sent: CaseNotice[] = [];
const deliveries: EscalationDelivery[] = [];
/** Notices of these types take this long to deliver (real time), to hold a hand-over open. */
const slowNotices = new Set<string>();

beforeAll(async () => {
  env = await startTimeSkipping();
  const dir = mkdtempSync(join(tmpdir(), 'caseflow-children-'));
  const vault = createFileVault({
    path: join(dir, 'vault.json'),
    keyring: parseVaultKeys(generateVaultKey('t1')),
  });
  const device = createRecordingDeviceAdapter({ logPath: join(dir, 'device.jsonl') });
  ({ worker, taskQueue } = await testWorker(
    env,
    {
      notify: async (notice: CaseNotice) => {
        sent.push(notice);
        // Long enough for the test to ask for an elevation while the hand-over waits on the
        // notice, even on a busy machine.
        if (slowNotices.has(notice.type)) await new Promise((r) => setTimeout(r, 8_000));
        return { deliveredTo: ['http://receiver.test/hook'], attempt: 1 };
      },
      // eslint-disable-next-line @typescript-eslint/require-await
      deliverEscalation: async (d: EscalationDelivery) => {
        deliveries.push(d);
        return {
          deliveredTo: `https://${d.target}.test/escalations`,
          status: 201,
          externalReference: `T-${deliveries.length}`,
          attempt: 1,
        };
      },
    },
    { elevation: { vault, device, account: 'jit-admin' } },
  ));
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

const CONTACTS = { devices: 'it-devices@example.org', other: 'it@example.org' };
type CaseHandle = WorkflowHandle<typeof supportCase>;

async function openCase(
  intake: Parameters<typeof caseInput>[0] = {},
  policy: Parameters<typeof caseInput>[1] = {},
): Promise<{ handle: CaseHandle; input: m.SupportCaseInput }> {
  const input = caseInput(
    {
      title: 'Intune-policyn blockerar VPN',
      description: 'Compliance policy från tjänsten tar bort VPN-profilen.',
      ...intake,
    },
    { escalation: { ...DEFAULT_CASE_POLICY.escalation, adminContacts: CONTACTS }, ...policy },
  );
  const handle = await env.client.workflow.start(supportCase, {
    workflowId: m.caseWorkflowId(input.id),
    taskQueue,
    args: [input],
  });
  await until(handle, (c) => c.classification !== null);
  return { handle, input };
}

async function file(handle: CaseHandle, overrides: Partial<EscalationRequest> = {}) {
  const { escalationId, workflowId } = await handle.executeUpdate(m.fileEscalation, {
    args: [{ actor: 'esc-1', actorIsAdmin: false, request: escalationRequest(overrides) }],
  });
  return { escalationId, handle: env.client.workflow.getHandle(workflowId) };
}

async function until(handle: CaseHandle, predicate: (c: CaseView) => boolean): Promise<CaseView> {
  const latest = env.client.workflow.getHandle<typeof supportCase>(handle.workflowId);
  for (let i = 0; i < 150; i++) {
    const c = await latest.query(m.getCase);
    if (predicate(c)) return c;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not reached: ${JSON.stringify(await latest.query(m.getCase))}`);
}

async function escalationUntil(
  handle: WorkflowHandle,
  predicate: (v: EscalationView) => boolean,
): Promise<EscalationView> {
  for (let i = 0; i < 100; i++) {
    const v = await handle.query(xm.getEscalation);
    if (predicate(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not reached: ${JSON.stringify(await handle.query(xm.getEscalation))}`);
}

const statusOf = (c: CaseView, escalationId: string) =>
  c.escalations.find((e) => e.id === escalationId)?.status;

describe('a child that does not end by its own rules', () => {
  // Termination is tested against the real dev server (test/integration/children.test.ts): the
  // time-skipping test server does not report a terminated child to its parent.
  it.each([['cancelled', (h: WorkflowHandle) => h.cancel()]] as const)(
    'ends %s on the case, and a new escalation can be filed',
    async (ending, stop) => {
      const { handle } = await openCase({ severity: 'C' });
      const first = await file(handle);
      await escalationUntil(first.handle, (v) => v.delivery !== null);
      await until(handle, (c) => c.status === 'waiting-on-escalation');
      await stop(first.handle);
      const c = await until(handle, (x) => statusOf(x, first.escalationId) === ending);
      expect(c.status).toBe('in-progress');
      const second = await file(handle);
      expect(second.escalationId).not.toBe(first.escalationId);
      await escalationUntil(second.handle, (v) => v.status === 'filed');
    },
  );

  it('ends failed on the case when the child reports a failure, and a new escalation can be filed', async () => {
    const { handle } = await openCase({ severity: 'C' });
    const first = await file(handle);
    await escalationUntil(first.handle, (v) => v.delivery !== null);
    // What an escalation handed over from an earlier run sends when its workflow fails.
    await handle.signal(m.childEnded, {
      kind: 'escalation',
      id: first.escalationId,
      status: 'failed',
      detail: 'boom',
    });
    await until(handle, (x) => statusOf(x, first.escalationId) === 'failed');
    await first.handle.terminate('test over');
    await file(handle);
  });
});

describe('continue-as-new with children', () => {
  it('hands a vendor escalation over to the next run, whose callbacks still reach the case', async () => {
    const { handle } = await openCase(
      { title: 'Skärmen är sprucken', description: 'Skärmen sprack när datorn föll i golvet.' },
      { continueAsNewAfterActions: 10 },
    );
    const firstRun = (await handle.describe()).runId;
    const e = await file(handle, { target: 'vendor', reason: undefined });
    await escalationUntil(e.handle, (v) => v.delivery !== null);
    await until(handle, (c) => c.status === 'waiting-on-vendor');
    for (let i = 0; i < 10; i++) {
      await handle.executeUpdate(m.addNote, {
        args: [{ actor: 'kim', text: `Väntar på leverantören ${i}`, visibleToRequester: false }],
      });
    }
    const latest = env.client.workflow.getHandle<typeof supportCase>(handle.workflowId);
    await until(handle, (c) => c.log.some((l) => l.type === 'continued-as-new'));
    expect((await latest.describe()).runId).not.toBe(firstRun);
    // The escalation lives on (not cancelled with the first run), and the case still waits on it.
    expect((await e.handle.describe()).status.name).toBe('RUNNING');
    expect((await latest.query(m.getCase)).status).toBe('waiting-on-vendor');
    await e.handle.executeUpdate(xm.receiveCallback, {
      args: [{ target: 'vendor', callback: { callbackId: 'cb-v-1', kind: 'resolved', message: 'Ny skärm' } }],
    });
    const c = await until(handle, (x) => x.status === 'in-progress');
    expect(statusOf(c, e.escalationId)).toBe('resolved');
  });

  it('notices a handed-over escalation that is terminated, ends it so on the record, and takes a new one', async () => {
    const { handle } = await openCase(
      { title: 'Skärmen är sprucken', description: 'Skärmen sprack när datorn föll i golvet.' },
      { continueAsNewAfterActions: 6 },
    );
    const e = await file(handle, { target: 'vendor', reason: undefined });
    await escalationUntil(e.handle, (v) => v.delivery !== null);
    for (let i = 0; i < 6; i++) {
      await handle.executeUpdate(m.addNote, {
        args: [{ actor: 'kim', text: `Väntar ${i}`, visibleToRequester: false }],
      });
    }
    await until(handle, (c) => c.log.some((l) => l.type === 'continued-as-new'));
    expect((await e.handle.describe()).status.name).toBe('RUNNING');
    // Ended from outside: the escalation sends nothing, and the new run cannot await it.
    await e.handle.terminate('stopped by an operator');
    // A run looks at the escalations handed to it when it starts (and hourly after): the next
    // hand-over makes that look without skipping hours past every other test's timers.
    for (let i = 0; i < 6; i++) {
      await handle.executeUpdate(m.addNote, {
        args: [{ actor: 'kim', text: `Fortfarande väntar ${i}`, visibleToRequester: false }],
      });
    }
    const c = await until(handle, (x) => statusOf(x, e.escalationId) === 'terminated');
    expect(c.status).not.toBe('waiting-on-vendor');
    const next = await file(handle, { target: 'vendor', reason: undefined });
    expect(next.escalationId).not.toBe(e.escalationId);
    await next.handle.terminate('test over');
  });

  // The Java test server sometimes leaves an update that meets the hand-over unanswered (the
  // client then waits out its deadline); a fresh attempt with a new case is the honest retry.
  it(
    'refuses an elevation asked for while the case hands over; the next run takes it',
    { retry: 3, timeout: 25_000 },
    async () => {
      const { handle, input } = await openCase(
        { title: 'Skrivaren', description: 'Skrivaren på plan 3 skriver inte ut.' },
        { continueAsNewAfterActions: 10 },
      );
      const firstRun = (await handle.describe()).runId;
      for (let i = 0; i < 8; i++) {
        await handle.executeUpdate(m.addNote, {
          args: [{ actor: 'kim', text: `anteckning ${i}`, visibleToRequester: false }],
        });
      }
      await handle.signal(m.linkIncident, { incidentId: 'inc-1', actor: 'admin-1' });
      // The tenth action starts the hand-over; its notice takes a while, so the hand-over waits.
      slowNotices.add('incident-resolved');
      await handle.signal(m.incidentResolved, { incidentId: 'inc-1', message: 'Drivrutinen uppdaterad' });
      for (
        let i = 0;
        i < 100 && !sent.some((n) => n.caseId === input.id && n.type === 'incident-resolved');
        i++
      )
        await new Promise((r) => setTimeout(r, 50));
      const serial = input.intake.device.serial;
      const during = await handle
        .executeUpdate(m.requestElevation, { args: [{ actor: 'esc-1', request: elevationRequest(serial) }] })
        .then(
          () => 'accepted',
          (err: unknown) =>
            err instanceof WorkflowUpdateFailedError ? (err.cause?.message ?? '') : String(err),
        );
      slowNotices.delete('incident-resolved');
      expect(during).toMatch(/handing over to a new workflow run/);
      await until(handle, (c) => c.log.some((l) => l.type === 'continued-as-new'));
      const latest = env.client.workflow.getHandle<typeof supportCase>(handle.workflowId);
      expect((await latest.describe()).runId).not.toBe(firstRun);
      // Nothing was started for the refused request, and the new run takes a new one.
      expect((await latest.query(m.getCase)).elevations).toEqual([]);
      const started = await latest.executeUpdate(m.requestElevation, {
        args: [{ actor: 'esc-1', request: elevationRequest(serial) }],
      });
      expect(started.elevationId).toBe(`${input.id}.1`);
      await until(handle, (c) => c.elevations.length === 1);
      await env.client.workflow.getHandle(started.workflowId).terminate('test over');
    },
  );
});

describe('nothing closes silently', () => {
  it('refuses to resolve a case with an open escalation, naming it', async () => {
    const { handle } = await openCase({ severity: 'C' });
    const e = await file(handle);
    await escalationUntil(e.handle, (v) => v.delivery !== null);
    await expect(
      handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'Löst lokalt.' }] }),
    ).rejects.toMatchObject({ cause: { message: expect.stringContaining(e.escalationId) as string } });
    expect((await e.handle.describe()).status.name).toBe('RUNNING');
  });

  it('withdraws it on request: the party gets a signed withdrawal and the record says so', async () => {
    const { handle } = await openCase({ severity: 'C' });
    const e = await file(handle);
    await escalationUntil(e.handle, (v) => v.delivery !== null);
    const resolved = await handle.executeUpdate(m.resolve, {
      args: [{ actor: 'kim', resolution: 'Löst lokalt.', withdrawEscalation: true }],
    });
    expect(resolved.status).toBe('resolved');
    expect(await e.handle.result()).toMatchObject({ status: 'withdrawn' });
    const withdrawal = deliveries.find(
      (d) => d.escalationId === e.escalationId && d.event === 'escalation-withdrawn',
    );
    expect(withdrawal).toBeDefined();
    const v = await e.handle.query(xm.getEscalation);
    expect(v.log.map((l) => l.type)).toEqual(expect.arrayContaining(['withdrawn', 'withdrawal-delivered']));
    const c = await until(handle, (x) => statusOf(x, e.escalationId) === 'withdrawn');
    expect(c.log.some((l) => l.type === 'escalation-withdrawn' && l.actor === 'kim')).toBe(true);
  });

  it('shows what the receiving party asks for, with its deadline, and tells agents and IT admins', async () => {
    const { handle } = await openCase({ severity: 'C' });
    const e = await file(handle);
    await escalationUntil(e.handle, (v) => v.delivery !== null);
    await e.handle.executeUpdate(xm.receiveCallback, {
      args: [
        {
          target: 'service-ops',
          callback: { callbackId: 'cb-ni-1', kind: 'needs-info', message: 'Vilken policyversion?' },
        },
      ],
    });
    const c = await until(handle, (x) => x.status === 'escalation-needs-info');
    expect(c.escalationNeedsInfo).toMatchObject({
      escalationId: e.escalationId,
      message: 'Vilken policyversion?',
    });
    const asked = Date.parse(c.escalationNeedsInfo?.askedAt ?? '');
    expect(Date.parse(c.escalationNeedsInfo?.closesAt ?? '') - asked).toBe(48 * 60 * MINUTE);
    const notices = sent.filter(
      (n) => n.type === 'escalation-needs-info' && n.details?.escalationId === e.escalationId,
    );
    expect(notices.map((n) => n.audience).sort()).toEqual(['case-team', 'it-admins']);
    await e.handle.executeUpdate(xm.answerNeedsInfo, { args: [{ actor: 'kim', message: 'Version 4.2' }] });
    const after = await until(handle, (x) => x.status === 'waiting-on-escalation');
    expect(after.escalationNeedsInfo).toBeNull();
  });
});
