import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EscalationDelivery } from '../../src/activities/escalation-delivery';
import type { EscalationRequest, EscalationView } from '../../src/domain/escalation';
import { DEFAULT_CASE_POLICY } from '../../src/domain/case-policy';
import { supportCase } from '../../src/workflows';
import * as xm from '../../src/workflows/escalation.messages';
import * as m from '../../src/workflows/supportCase.messages';
import { caseInput, escalationRequest, HOUR, MINUTE, recordingNotifier } from '../support/case-fixtures';
import { startTimeSkipping, testWorker } from '../support/time-skipping';

let env: TestWorkflowEnvironment;
let worker: Worker;
let taskQueue: string;
let running: Promise<void>;
const notifier = recordingNotifier();
const deliveries: EscalationDelivery[] = [];

beforeAll(async () => {
  env = await startTimeSkipping();
  ({ worker, taskQueue } = await testWorker(env, {
    ...notifier.activities,
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
  }));
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

const CONTACTS = { devices: 'it-devices@example.org', other: 'it@example.org' };
type CaseHandle = WorkflowHandle<typeof supportCase>;

async function openCase(intake: Parameters<typeof caseInput>[0] = {}): Promise<CaseHandle> {
  const input = caseInput(
    {
      title: 'Intune-policyn blockerar VPN',
      description: 'Compliance policy från tjänsten tar bort VPN-profilen.',
      ...intake,
    },
    { escalation: { ...DEFAULT_CASE_POLICY.escalation, adminContacts: CONTACTS } },
  );
  const handle = await env.client.workflow.start(supportCase, {
    workflowId: m.caseWorkflowId(input.id),
    taskQueue,
    args: [input],
  });
  for (let i = 0; i < 50 && (await handle.query(m.getCase)).classification === null; i++)
    await new Promise((r) => setTimeout(r, 50));
  return handle;
}

async function file(
  handle: CaseHandle,
  overrides: Partial<EscalationRequest> = {},
  actor = 'esc-1',
  actorIsAdmin = false,
) {
  const { escalationId, workflowId } = await handle.executeUpdate(m.fileEscalation, {
    args: [{ actor, actorIsAdmin, request: escalationRequest(overrides) }],
  });
  return { escalationId, handle: env.client.workflow.getHandle(workflowId) };
}

async function until(
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

describe('the severity gate', () => {
  it('files Sev C from the escalation team at once, and the case waits on it', async () => {
    const handle = await openCase({ severity: 'C' });
    const e = await file(handle);
    const v = await until(e.handle, (x) => x.delivery !== null);
    expect(v).toMatchObject({
      status: 'filed',
      gate: 'escalation-team-sev-c',
      filedBy: 'esc-1',
      target: 'service-ops',
    });
    expect(deliveries.filter((d) => d.escalationId === e.escalationId)).toHaveLength(1);
    await expect.poll(async () => (await handle.query(m.getCase)).status).toBe('waiting-on-escalation');
  });

  it('holds Sev A and B for an IT admin and files only on approval', async () => {
    for (const severity of ['A', 'B'] as const) {
      const handle = await openCase({ severity });
      const e = await file(handle);
      expect(await e.handle.query(xm.getEscalation)).toMatchObject({
        status: 'awaiting-approval',
        gate: 'it-admin-approval',
      });
      expect(deliveries.some((d) => d.escalationId === e.escalationId)).toBe(false);
      const filed = await e.handle.executeUpdate(xm.approveEscalation, {
        args: [{ actor: 'admin-1', reason: 'Confirmed impact' }],
      });
      expect(filed).toMatchObject({ status: 'filed', approvedBy: 'admin-1' });
      await until(e.handle, (x) => x.delivery !== null);
      expect(deliveries.filter((d) => d.escalationId === e.escalationId)).toHaveLength(1);
    }
  });

  it('keeps a declined escalation unfiled, reminding IT admins while it waited', async () => {
    const handle = await openCase({ severity: 'B' });
    const e = await file(handle);
    await env.sleep(31 * MINUTE);
    await until(e.handle, (x) => x.log.some((l) => l.type === 'approval-reminder'));
    const declined = await e.handle.executeUpdate(xm.declineEscalation, {
      args: [{ actor: 'admin-1', reason: 'Provider can fix it' }],
    });
    expect(declined.status).toBe('declined');
    expect(deliveries.some((d) => d.escalationId === e.escalationId)).toBe(false);
    expect(
      notifier.sent.some(
        (n) => n.details?.escalationId === e.escalationId && n.type === 'escalation-approval-reminder',
      ),
    ).toBe(true);
    expect(await e.handle.result()).toMatchObject({ status: 'declined' });
  });

  it.each(['A', 'B'] as const)(
    'holds a Sev %s case for an IT admin even when Sev C is typed on the escalation',
    async (severity) => {
      const handle = await openCase({ severity });
      const e = await file(handle, { severity: 'C' });
      expect(await e.handle.query(xm.getEscalation)).toMatchObject({
        status: 'awaiting-approval',
        gate: 'it-admin-approval',
        severity: 'C',
        caseSeverity: severity,
      });
      expect(deliveries.some((d) => d.escalationId === e.escalationId)).toBe(false);
    },
  );

  it('hands hardware to the vendor at once at Sev A, with no admin-area contact, on the vendor’s clocks', async () => {
    const handle = await openCase({
      title: 'Skärmen är sprucken',
      description: 'Skärmen sprack när datorn föll i golvet.',
      severity: 'A',
    });
    const e = await file(handle, { target: 'vendor', category: 'security', reason: undefined });
    const v = await until(e.handle, (x) => x.delivery !== null);
    expect(v).toMatchObject({
      status: 'filed',
      gate: 'vendor-direct',
      responseTable: 'vendor',
      adminContact: '',
    });
    // The vendor's default Sev A expectation is 4 h, not the service's 1 h.
    expect(Date.parse(v.initialResponseDue ?? '') - Date.parse(v.filedAt ?? '')).toBe(4 * HOUR);
  });

  it('refuses an area without an admin contact, naming the missing contact', async () => {
    const handle = await openCase();
    await expect(file(handle, { category: 'security' })).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/CASEFLOW_ADMIN_CONTACTS\.security/) },
    });
  });
});

describe('response clocks', () => {
  it('tells the IT admins when the initial response is overdue (Sev A: 1 h)', async () => {
    const handle = await openCase({ severity: 'A' });
    const e = await file(handle, {}, 'admin-1', true);
    await until(e.handle, (x) => x.delivery !== null);
    await env.sleep(HOUR + MINUTE);
    const v = await until(e.handle, (x) => x.log.some((l) => l.type === 'ack-overdue'));
    expect(v.status).toBe('filed');
    const overdue = notifier.sent.find(
      (n) => n.details?.escalationId === e.escalationId && n.type === 'escalation-overdue',
    );
    expect(overdue).toMatchObject({ audience: 'it-admins' });
  });

  it('closes the escalation 48 h after an unanswered request for action', async () => {
    const handle = await openCase({ severity: 'C' });
    const e = await file(handle);
    await until(e.handle, (x) => x.delivery !== null);
    await e.handle.executeUpdate(xm.receiveCallback, {
      args: [
        {
          target: 'service-ops',
          callback: { callbackId: 'cb-needs-1', kind: 'needs-info', message: 'Send the MDM logs' },
        },
      ],
    });
    expect(await e.handle.result()).toMatchObject({ status: 'closed-unresponsive' });
    await expect.poll(async () => (await handle.query(m.getCase)).status).toBe('in-progress');
  });

  it('downgrades a Sev A escalation whose customer cannot keep up the engagement', async () => {
    const handle = await openCase({ severity: 'A' });
    const e = await file(handle, {}, 'admin-1', true);
    await until(e.handle, (x) => x.delivery !== null);
    await e.handle.executeUpdate(xm.receiveCallback, {
      args: [
        {
          target: 'service-ops',
          callback: { callbackId: 'cb-needs-2', kind: 'needs-info', message: 'Need remote session' },
        },
      ],
    });
    await env.sleep(2 * HOUR + MINUTE);
    const v = await until(e.handle, (x) => x.severity === 'B');
    expect(v.log.find((l) => l.type === 'severity-downgraded')?.reason).toMatch(/24x7 engagement/);
  });
});

describe('vendor hand-off', () => {
  it('pauses the case on the vendor and resumes it on the vendor’s resolution', async () => {
    const handle = await openCase({
      title: 'Skärmen är sprucken',
      description: 'Skärmen sprack när datorn föll i golvet.',
    });
    expect((await handle.query(m.getCase)).route.target).toBe('vendor');
    const e = await file(handle, { subCategory: 'screen', target: 'vendor', reason: undefined });
    await until(e.handle, (x) => x.delivery?.externalReference !== undefined && x.delivery !== null);
    await expect.poll(async () => (await handle.query(m.getCase)).sla.paused).toBe('vendor');
    expect((await handle.query(m.getCase)).status).toBe('waiting-on-vendor');
    await env.sleep(25 * HOUR);
    expect(
      notifier.sent.some((n) => n.details?.escalationId === e.escalationId && n.type === 'vendor-follow-up'),
    ).toBe(true);
    await e.handle.executeUpdate(xm.receiveCallback, {
      args: [
        {
          target: 'vendor',
          callback: { callbackId: 'cb-vendor-1', kind: 'resolved', message: 'Screen replaced' },
        },
      ],
    });
    await expect.poll(async () => (await handle.query(m.getCase)).status).toBe('in-progress');
    const c = await handle.query(m.getCase);
    expect(c.sla.paused).toBeNull();
    expect(c.sla.pausedSeconds.vendor).toBeGreaterThanOrEqual(25 * 3600);
    await expect(
      e.handle.executeUpdate(xm.receiveCallback, {
        args: [
          { target: 'vendor', callback: { callbackId: 'cb-vendor-1', kind: 'resolved', message: 'again' } },
        ],
      }),
    ).rejects.toThrow(); // the escalation is over: nothing more is accepted
  });
});
