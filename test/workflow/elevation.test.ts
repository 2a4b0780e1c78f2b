import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ElevationRequest, ElevationView } from '../../src/domain/elevation';
import { createFileVault, type CredentialVault } from '../../src/vault/credential-vault';
import { createRecordingDeviceAdapter } from '../../src/vault/device-adapters';
import { generateVaultKey, parseVaultKeys } from '../../src/vault/keyring';
import { supportCase } from '../../src/workflows';
import * as em from '../../src/workflows/elevation.messages';
import * as m from '../../src/workflows/supportCase.messages';
import { caseInput, elevationRequest, HOUR, MINUTE, recordingNotifier } from '../support/case-fixtures';
import { startTimeSkipping, testWorker } from '../support/time-skipping';

let env: TestWorkflowEnvironment;
let worker: Worker;
let taskQueue: string;
let running: Promise<void>;
let vault: CredentialVault;
const notifier = recordingNotifier();

beforeAll(async () => {
  env = await startTimeSkipping();
  const dir = mkdtempSync(join(tmpdir(), 'caseflow-elevation-'));
  vault = createFileVault({ path: join(dir, 'vault.json'), keyring: parseVaultKeys(generateVaultKey('t1')) });
  const device = createRecordingDeviceAdapter({ logPath: join(dir, 'device.jsonl') });
  ({ worker, taskQueue } = await testWorker(env, notifier.activities, {
    elevation: { vault, device, account: 'jit-admin' },
  }));
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

type CaseHandle = WorkflowHandle<typeof supportCase>;

async function openCase(
  intake: Parameters<typeof caseInput>[0] = {},
): Promise<{ handle: CaseHandle; serial: string }> {
  const input = caseInput(intake);
  const handle = await env.client.workflow.start(supportCase, {
    workflowId: m.caseWorkflowId(input.id),
    taskQueue,
    args: [input],
  });
  return { handle, serial: input.intake.device.serial };
}

async function requestElevation(
  handle: CaseHandle,
  serial: string,
  overrides: Partial<ElevationRequest> = {},
  actor = 'esc-1',
) {
  const { elevationId, workflowId } = await handle.executeUpdate(m.requestElevation, {
    args: [{ actor, request: elevationRequest(serial, overrides) }],
  });
  return { elevationId, handle: env.client.workflow.getHandle(workflowId) };
}

async function until(
  handle: WorkflowHandle,
  predicate: (v: ElevationView) => boolean,
): Promise<ElevationView> {
  for (let i = 0; i < 100; i++) {
    const v = await handle.query(em.getElevation);
    if (predicate(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not reached: ${JSON.stringify(await handle.query(em.getElevation))}`);
}

const approve = (h: WorkflowHandle, actor = 'admin-1', acknowledgeNotRecommended = false) =>
  h.executeUpdate(em.approveElevation, {
    args: [{ actor, reason: 'Plan reviewed', acknowledgeNotRecommended }],
  });

describe('JIT elevation', () => {
  it('grants for 2 h from approval, then ends and rotates the password', async () => {
    const { handle, serial } = await openCase();
    const e = await requestElevation(handle, serial);
    expect((await e.handle.query(em.getElevation)).status).toBe('pending-approval');
    const active = await approve(e.handle);
    expect(active).toMatchObject({ status: 'active', approvedBy: 'admin-1', requestedBy: 'esc-1' });
    expect(Date.parse(active.endsAt ?? '') - Date.parse(active.startsAt ?? '')).toBe(2 * HOUR);
    const { password } = await vault.checkout(e.elevationId, Date.now());
    expect(password.length).toBeGreaterThanOrEqual(20);

    await env.sleep(2 * HOUR + MINUTE);
    const ended = await until(e.handle, (v) => v.rotatedAt !== null);
    expect(ended).toMatchObject({ status: 'ended', endedReason: 'the access window ended' });
    await expect(vault.checkout(e.elevationId, await env.currentTimeMs())).rejects.toMatchObject({
      code: 'revoked',
    });
    const types = notifier.sent.filter((n) => n.details?.elevationId === e.elevationId).map((n) => n.type);
    expect(types).toEqual(['elevation-requested', 'elevation-expiring', 'elevation-ended']);
    expect(JSON.stringify(await e.handle.fetchHistory())).not.toContain(password);
  });

  it('expires a request nobody answers, after a reminder', async () => {
    const { handle, serial } = await openCase();
    const e = await requestElevation(handle, serial);
    await env.sleep(61 * MINUTE);
    const v = await until(e.handle, (x) => x.status === 'expired');
    expect(v.log.map((l) => l.type)).toEqual(['requested', 'approval-reminder', 'expired']);
    expect(await e.handle.result()).toMatchObject({ status: 'expired' });
  });

  it('extends only with another person’s approval, and a denied extension keeps the end', async () => {
    const { handle, serial } = await openCase();
    const e = await requestElevation(handle, serial);
    const active = await approve(e.handle);
    const firstEnd = Date.parse(active.endsAt ?? '');
    await e.handle.executeUpdate(em.requestExtension, {
      args: [{ actor: 'esc-1', minutes: 60, reason: 'Reboot pending' }],
    });
    await expect(
      e.handle.executeUpdate(em.approveExtension, { args: [{ actor: 'esc-1', reason: 'mine' }] }),
    ).rejects.toMatchObject({ cause: { type: em.ELEVATION_FORBIDDEN } });
    const extended = await e.handle.executeUpdate(em.approveExtension, {
      args: [{ actor: 'admin-2', reason: 'ok' }],
    });
    expect(Date.parse(extended.endsAt ?? '')).toBe(firstEnd + HOUR);
    expect((await vault.describe(e.elevationId))?.endsAtMs).toBe(firstEnd + HOUR);

    await e.handle.executeUpdate(em.requestExtension, {
      args: [{ actor: 'esc-1', minutes: 30, reason: 'More time' }],
    });
    const denied = await e.handle.executeUpdate(em.denyExtension, {
      args: [{ actor: 'admin-2', reason: 'Enough' }],
    });
    expect(Date.parse(denied.endsAt ?? '')).toBe(firstEnd + HOUR);
    expect(denied.pendingExtension).toBeNull();
  });

  it('ends at once on release, rotating the password', async () => {
    const { handle, serial } = await openCase();
    const e = await requestElevation(handle, serial);
    await approve(e.handle);
    const released = await e.handle.executeUpdate(em.releaseElevation, {
      args: [{ actor: 'esc-1', reason: 'Done early', actorIsAdmin: false }],
    });
    expect(released).toMatchObject({ status: 'ended', endedReason: 'Done early' });
    expect(released.rotatedAt).not.toBeNull();
    await expect(vault.checkout(e.elevationId, await env.currentTimeMs())).rejects.toMatchObject({
      code: 'revoked',
    });
  });

  it('revokes when the case resolves', async () => {
    const { handle, serial } = await openCase();
    const e = await requestElevation(handle, serial);
    await approve(e.handle);
    await handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'Spooler fixed.' }] });
    const v = await until(e.handle, (x) => x.rotatedAt !== null);
    expect(v).toMatchObject({ status: 'ended', endedReason: 'the case was resolved' });
    const c = await handle.query(m.getCase);
    await expect.poll(async () => (await handle.query(m.getCase)).elevations[0]?.finished).toBe(true);
    expect(c.log.map((l) => l.type)).toContain('elevation-requested');
  });

  it('lets break-glass self-approve on Sev A, tells every IT admin, and blocks closure until reviewed', async () => {
    const { handle, serial } = await openCase({ severity: 'A' });
    const e = await requestElevation(handle, serial, {
      breakGlass: { reason: 'Production line down, no admin reachable' },
    });
    const active = await until(e.handle, (v) => v.status === 'active');
    expect(active).toMatchObject({ approvedBy: 'esc-1', breakGlass: true });
    const alert = notifier.sent.find(
      (n) => n.details?.elevationId === e.elevationId && n.type === 'elevation-break-glass',
    );
    expect(alert).toMatchObject({ audience: 'it-admins' });

    await e.handle.executeUpdate(em.releaseElevation, {
      args: [{ actor: 'esc-1', reason: 'Line running', actorIsAdmin: false }],
    });
    const refused = handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'Fixed' }] });
    await expect(refused).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(refused).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/post-incident review/) },
    });
    await expect(
      handle.executeUpdate(m.reviewBreakGlass, {
        args: [{ actor: 'esc-1', elevationId: e.elevationId, findings: 'self' }],
      }),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/cannot review/) } });
    await handle.executeUpdate(m.reviewBreakGlass, {
      args: [
        { actor: 'admin-1', elevationId: e.elevationId, findings: 'Justified; spooler fault documented.' },
      ],
    });
    expect(
      await handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'Fixed' }] }),
    ).toMatchObject({
      status: 'resolved',
    });
  });

  it('refuses what the policy forbids, naming the rule, and self-approval', async () => {
    const { handle, serial } = await openCase();
    await expect(
      requestElevation(handle, serial, { actions: ['elevate-shell', 'modify-managed-settings'] }),
    ).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/unsupported\.managed-settings/) },
    });
    await expect(
      requestElevation(handle, serial, { breakGlass: { reason: 'Not Sev A but urgent' } }),
    ).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/break-glass\.sev-a/) },
    });
    const testDevice = await openCase({ device: { serial: 'TESTDEV1', group: 'test' } });
    await expect(requestElevation(testDevice.handle, 'TESTDEV1')).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/device\.test-group/) },
    });

    const e = await requestElevation(handle, serial, { actions: ['install-software'] });
    await expect(approve(e.handle, 'esc-1')).rejects.toMatchObject({
      cause: { type: em.ELEVATION_FORBIDDEN },
    });
    await expect(approve(e.handle, 'admin-1', false)).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/not recommended/) },
    });
    expect(await approve(e.handle, 'admin-1', true)).toMatchObject({ status: 'active' });
  });
});
