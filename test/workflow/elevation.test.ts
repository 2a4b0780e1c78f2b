import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ElevationRequest, ElevationView } from '../../src/domain/elevation';
import { createFileVault, type CredentialVault } from '../../src/vault/credential-vault';
import type { DeviceAccountAdapter, PasswordChange } from '../../src/vault/device-adapters';
import { generateVaultKey, parseVaultKeys } from '../../src/vault/keyring';
import { supportCase } from '../../src/workflows';
import { getDevice } from '../../src/workflows/device-account.messages';
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

/** What the device was told, with the (skipped) test-server time of each change. */
interface DeviceChange {
  serial: string;
  password: string;
  reason: PasswordChange['reason'];
  changeId: string;
  atMs: number;
}
const changes: DeviceChange[] = [];
/** Serials whose next password change waits until the test opens the gate. */
const gates = new Map<string, Promise<void>>();
/** Serials whose device automation is down: every change fails like a transport error. */
const unreachable = new Set<string>();

const device: DeviceAccountAdapter = {
  async setPassword(change) {
    await gates.get(change.deviceSerial);
    if (unreachable.has(change.deviceSerial)) throw new Error('device automation unreachable');
    const atMs = await env.currentTimeMs();
    // A retried activity re-sends the same change; the receiver applies it once.
    if (!changes.some((c) => c.changeId === change.changeId && c.reason === change.reason)) {
      changes.push({
        serial: change.deviceSerial,
        password: change.password,
        reason: change.reason,
        changeId: change.changeId,
        atMs,
      });
    }
    return { reference: `test:${changes.length}` };
  },
};
const onDevice = (serial: string) => changes.filter((c) => c.serial === serial).at(-1);

beforeAll(async () => {
  env = await startTimeSkipping();
  const dir = mkdtempSync(join(tmpdir(), 'caseflow-elevation-'));
  vault = createFileVault({ path: join(dir, 'vault.json'), keyring: parseVaultKeys(generateVaultKey('t1')) });
  ({ worker, taskQueue } = await testWorker(env, notifier.activities, {
    elevation: { vault, device, account: 'jit-admin', client: env.client },
  }));
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

type CaseHandle = WorkflowHandle<typeof supportCase>;

/**
 * Tests that sleep through hours of timers: the Java test server now and then rejects a workflow
 * task completion mid-skip ("invalid history builder state") and the skip stalls; each attempt
 * uses a case and device of its own, so a fresh attempt is a fair retry.
 */
const LONG_SLEEP = { retry: 2, timeout: 45_000 };

/** Each test its own device, so leases of one test never meet another's. */
async function openCase(
  intake: Parameters<typeof caseInput>[0] = {},
  queue = taskQueue,
): Promise<{ handle: CaseHandle; serial: string }> {
  const serial = `PF${randomUUID().slice(0, 8).toUpperCase()}`;
  const input = caseInput({ device: { serial, group: 'broad' }, ...intake });
  const handle = await env.client.workflow.start(supportCase, {
    workflowId: m.caseWorkflowId(input.id),
    taskQueue: queue,
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

async function until<T>(read: () => T | Promise<T>, predicate: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await read();
    if (predicate(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} not reached: ${JSON.stringify(await read())}`);
}
const untilElevation = (h: WorkflowHandle, predicate: (v: ElevationView) => boolean) =>
  until(() => h.query(em.getElevation), predicate, 'elevation state');

const approve = (h: WorkflowHandle, actor = 'admin-1', acknowledgeNotRecommended = false) =>
  h.executeUpdate(em.approveElevation, {
    args: [{ actor, reason: 'Plan reviewed', acknowledgeNotRecommended }],
  });
const release = (h: WorkflowHandle, actor = 'esc-1', actorIsAdmin = false) =>
  h.executeUpdate(em.releaseElevation, { args: [{ actor, reason: 'Done', actorIsAdmin }] });
const checkout = async (elevationId: string) => vault.checkoutLease(elevationId, await env.currentTimeMs());
const closed = (h: WorkflowHandle) => untilElevation(h, (v) => v.accessClosedAt !== null);

describe('JIT elevation on the device account', () => {
  // First: a long sleep drives every timer on the server, and earlier tests leave workflows behind.
  it(
    'never leaves a checked-out password on the device for more than 2 h while leases stay open',
    LONG_SLEEP,
    async () => {
      const { handle, serial } = await openCase();
      const e = await requestElevation(handle, serial, { durationMinutes: 240 });
      await approve(e.handle);
      await checkout(e.elevationId);
      await env.sleep(4 * HOUR + 5 * MINUTE);
      await closed(e.handle);
      await until(
        () => changes.filter((c) => c.serial === serial).length,
        (n) => n >= 3,
        'rotations',
      );
      const history = changes.filter((c) => c.serial === serial);
      for (let i = 0; i + 1 < history.length; i++) {
        const current = history[i] as DeviceChange;
        const next = history[i + 1] as DeviceChange;
        expect(next.atMs - current.atMs).toBeLessThanOrEqual(2 * HOUR + MINUTE);
      }
    },
  );

  it(
    'grants for 2 h from approval, rotates at once when the window ends, and notifies',
    LONG_SLEEP,
    async () => {
      const { handle, serial } = await openCase();
      const e = await requestElevation(handle, serial);
      expect((await e.handle.query(em.getElevation)).status).toBe('pending-approval');
      const active = await approve(e.handle);
      expect(active).toMatchObject({ status: 'active', approvedBy: 'admin-1', requestedBy: 'esc-1' });
      expect(Date.parse(active.endsAt ?? '') - Date.parse(active.startsAt ?? '')).toBe(2 * HOUR);
      const { password, rotatesAtMs } = await checkout(e.elevationId);
      expect(onDevice(serial)?.password).toBe(password);
      expect(Date.parse(active.nextRotationAt ?? '')).toBe(rotatesAtMs);

      await env.sleep(2 * HOUR + MINUTE);
      const ended = await closed(e.handle);
      expect(ended).toMatchObject({ status: 'ended', endedReason: 'the access window ended' });
      await until(
        () => onDevice(serial),
        (c) => c?.password !== password,
        'post-use rotation',
      );
      await expect(checkout(e.elevationId)).rejects.toMatchObject({ code: 'revoked' });
      const types = notifier.sent.filter((n) => n.details?.elevationId === e.elevationId).map((n) => n.type);
      expect(types).toEqual(['elevation-requested', 'elevation-expiring', 'elevation-ended']);
      expect(JSON.stringify(await e.handle.fetchHistory())).not.toContain(password);
      const owner = env.client.workflow.getHandle(`device:${serial}`);
      expect(JSON.stringify(await owner.fetchHistory())).not.toContain(password);
    },
  );

  it('shares one password between two cases on one device until the last lease ends, then rotates', async () => {
    const first = await openCase();
    const second = await openCase({ device: { serial: first.serial, group: 'broad' } });
    const a = await requestElevation(first.handle, first.serial);
    const b = await requestElevation(second.handle, first.serial, {}, 'esc-2');
    await approve(a.handle);
    const pa = (await checkout(a.elevationId)).password;
    await approve(b.handle);
    const pb = (await checkout(b.elevationId)).password;
    // The second grant joined the first holder's password instead of replacing it.
    expect(pb).toBe(pa);
    expect(onDevice(first.serial)?.password).toBe(pa);
    expect(changes.filter((c) => c.serial === first.serial)).toHaveLength(1);

    await release(a.handle);
    const aEnded = await closed(a.handle);
    expect(aEnded.log.map((l) => l.type)).toContain('access-closed');
    // One holder leaving never ends the other's access: same password, still on the device.
    expect((await checkout(b.elevationId)).password).toBe(pa);
    expect(onDevice(first.serial)?.password).toBe(pa);
    await expect(checkout(a.elevationId)).rejects.toMatchObject({ code: 'revoked' });

    await release(b.handle, 'esc-2');
    await closed(b.handle);
    const rotated = await until(
      () => onDevice(first.serial),
      (c) => c?.password !== pa,
      'rotation',
    );
    expect(rotated).toMatchObject({ reason: 'rotate' });
    const view = await env.client.workflow.getHandle(`device:${first.serial}`).query(getDevice);
    expect(view).toMatchObject({ leases: [], rotatesAt: null });
  });

  it(
    'rotates at the 2 h mark while a 3 h lease is open; the holder checks out the new password',
    LONG_SLEEP,
    async () => {
      const { handle, serial } = await openCase();
      const e = await requestElevation(handle, serial, { durationMinutes: 120 });
      await approve(e.handle);
      await e.handle.executeUpdate(em.requestExtension, {
        args: [{ actor: 'esc-1', minutes: 60, reason: 'Reboot pending' }],
      });
      const extended = await e.handle.executeUpdate(em.approveExtension, {
        args: [{ actor: 'admin-2', reason: 'ok' }],
      });
      expect(Date.parse(extended.endsAt ?? '') - Date.parse(extended.startsAt ?? '')).toBe(3 * HOUR);
      const first = await checkout(e.elevationId);
      const setAt = onDevice(serial)?.atMs ?? 0;

      await env.sleep(2 * HOUR + MINUTE);
      const afterRotation = await untilElevation(e.handle, (v) =>
        v.log.some((l) => l.type === 'password-rotated'),
      );
      expect(afterRotation.status).toBe('active');
      const rotation = await until(
        () => onDevice(serial),
        (c) => c?.password !== first.password,
        'rotation',
      );
      expect((rotation?.atMs ?? Infinity) - setAt).toBeLessThanOrEqual(2 * HOUR + MINUTE);
      const second = await checkout(e.elevationId);
      expect(second.password).not.toBe(first.password);
      expect(second.password).toBe(onDevice(serial)?.password);
      expect(second.endsAtMs).toBe(Date.parse(extended.endsAt ?? ''));
    },
  );

  it('ends a grant that fails for good as grant-failed, tells requester and approver, and the case can close', async () => {
    const failing = await testWorker(
      env,
      {
        ...notifier.activities,
        // eslint-disable-next-line @typescript-eslint/require-await
        setDevicePassword: async () => {
          throw ApplicationFailure.nonRetryable('The credential vault is not configured.', 'VaultMissing');
        },
      },
      { elevation: { vault, device, account: 'jit-admin', client: env.client } },
    );
    const runningFailing = failing.worker.run();
    const serial = `PF${randomUUID().slice(0, 8).toUpperCase()}`;
    try {
      const { handle } = await openCase({ device: { serial, group: 'broad' } }, failing.taskQueue);
      const e = await requestElevation(handle, serial);
      await approve(e.handle);
      const failed = await untilElevation(e.handle, (v) => v.status === 'grant-failed');
      expect(failed.grantFailure).toMatch(/not configured/);
      const notices = notifier.sent.filter(
        (n) => n.details?.elevationId === e.elevationId && n.type === 'elevation-grant-failed',
      );
      expect(notices.map((n) => n.audience).sort()).toEqual(['case-team', 'it-admins']);
      expect(await e.handle.result()).toMatchObject({ status: 'grant-failed' });
      await handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'Fixed without admin' }] });
      await handle.signal(m.requesterConfirmed, { actor: 'u-1001', accepted: true, comment: 'ok' });
      expect(await handle.result()).toMatchObject({ status: 'closed' });
    } finally {
      // Its device owner lives on this worker's queue: end it, or time skipping waits on it.
      await env.client.workflow
        .getHandle(`device:${serial}`)
        .terminate('test over')
        .catch(() => undefined);
      failing.worker.shutdown();
      await runningFailing;
    }
  });

  it('ends the access right after the grant when the case resolves while the grant is in flight', async () => {
    const { handle, serial } = await openCase();
    let open = () => undefined as void;
    gates.set(serial, new Promise<void>((resolve) => (open = resolve)));
    const e = await requestElevation(handle, serial);
    const answer = await approve(e.handle);
    expect(answer.status).toBe('granting');
    await handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'Spooler fixed.' }] });
    const waiting = await untilElevation(e.handle, (v) => v.log.some((l) => l.type === 'end-requested'));
    expect(waiting.status).toBe('granting');
    gates.delete(serial);
    open();
    const ended = await closed(e.handle);
    expect(ended).toMatchObject({ status: 'ended', endedReason: 'the case was resolved' });
    await expect(checkout(e.elevationId)).rejects.toMatchObject({ code: 'revoked' });
    const device = await until(
      () => changes.filter((c) => c.serial === serial),
      (c) => c.length === 2,
      'grant and post-use rotation',
    );
    expect(device.map((c) => c.reason)).toEqual(['grant', 'rotate']);
  });

  it('leaves an elevation ended when an extension approval races its release', async () => {
    const { handle, serial } = await openCase();
    const e = await requestElevation(handle, serial);
    await approve(e.handle);
    await e.handle.executeUpdate(em.requestExtension, {
      args: [{ actor: 'esc-1', minutes: 60, reason: 'More time' }],
    });
    const [extension, released] = await Promise.allSettled([
      e.handle.executeUpdate(em.approveExtension, { args: [{ actor: 'admin-2', reason: 'ok' }] }),
      release(e.handle),
    ]);
    expect(released.status).toBe('fulfilled');
    expect(['fulfilled', 'rejected']).toContain(extension.status);
    const final = await closed(e.handle);
    expect(final.status).toBe('ended');
    expect(await e.handle.result()).toMatchObject({ status: 'ended' });
    await expect(checkout(e.elevationId)).rejects.toMatchObject({ code: 'revoked' });
  });

  it('keeps retrying a rotation that fails, refuses checkout meanwhile, and tells IT admins when it lasts', async () => {
    const { handle, serial } = await openCase();
    const e = await requestElevation(handle, serial);
    await approve(e.handle);
    const { password } = await checkout(e.elevationId);
    unreachable.add(serial);
    await release(e.handle);
    await closed(e.handle);
    await expect(checkout(e.elevationId)).rejects.toMatchObject({ code: 'revoked' });
    await env.sleep(20 * MINUTE);
    const failing = await until(
      () =>
        notifier.sent.filter(
          (n) => n.type === 'elevation-rotation-failing' && n.details?.deviceSerial === serial,
        ),
      (n) => n.length > 0,
      'rotation-failing notice',
    );
    expect(failing[0]).toMatchObject({ audience: 'it-admins' });
    expect(onDevice(serial)?.password).toBe(password);
    unreachable.delete(serial);
    await env.sleep(2 * MINUTE);
    await until(
      () => onDevice(serial),
      (c) => c?.password !== password,
      'rotation after recovery',
    );
    const owner = await env.client.workflow.getHandle(`device:${serial}`).query(getDevice);
    expect(owner.rotationFailingSince).toBeNull();
    expect(owner.log.map((l) => l.type)).toEqual(
      expect.arrayContaining(['rotation-failing', 'rotation-recovered']),
    );
  });

  it('expires a request nobody answers, after a reminder', async () => {
    const { handle, serial } = await openCase();
    const e = await requestElevation(handle, serial);
    await env.sleep(61 * MINUTE);
    const v = await untilElevation(e.handle, (x) => x.status === 'expired');
    expect(v.log.map((l) => l.type)).toEqual(['requested', 'approval-reminder', 'expired']);
    expect(await e.handle.result()).toMatchObject({ status: 'expired' });
  });

  it('extends only with another person’s approval; a denied extension keeps the end', async () => {
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
    await until(
      async () => (await vault.describeLease(e.elevationId))?.lease.endsAtMs,
      (end) => end === firstEnd + HOUR,
      'vault lease extended',
    );
    await e.handle.executeUpdate(em.requestExtension, {
      args: [{ actor: 'esc-1', minutes: 30, reason: 'More time' }],
    });
    const denied = await e.handle.executeUpdate(em.denyExtension, {
      args: [{ actor: 'admin-2', reason: 'Enough' }],
    });
    expect(Date.parse(denied.endsAt ?? '')).toBe(firstEnd + HOUR);
    expect(denied.pendingExtension).toBeNull();
  });

  it('revokes when the case resolves and refuses extensions after', async () => {
    const { handle, serial } = await openCase();
    const e = await requestElevation(handle, serial);
    await approve(e.handle);
    await handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'Spooler fixed.' }] });
    const v = await closed(e.handle);
    expect(v).toMatchObject({ status: 'ended', endedReason: 'the case was resolved' });
    await expect.poll(async () => (await handle.query(m.getCase)).elevations[0]?.finished).toBe(true);
    await expect(
      e.handle.executeUpdate(em.requestExtension, {
        args: [{ actor: 'esc-1', minutes: 30, reason: 'more' }],
      }),
    ).rejects.toBeDefined();
  });

  it('lets break-glass self-approve on Sev A, tells every IT admin, and blocks closure until reviewed', async () => {
    const { handle, serial } = await openCase({ severity: 'A' });
    const e = await requestElevation(handle, serial, {
      breakGlass: { reason: 'Production line down, no admin reachable' },
    });
    const active = await untilElevation(e.handle, (v) => v.status === 'active');
    expect(active).toMatchObject({ approvedBy: 'esc-1', breakGlass: true });
    const alert = notifier.sent.find(
      (n) => n.details?.elevationId === e.elevationId && n.type === 'elevation-break-glass',
    );
    expect(alert).toMatchObject({ audience: 'it-admins' });

    await release(e.handle);
    const refused = handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'Fixed' }] });
    await expect(refused).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(refused).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/post-incident review/) },
    });
    await handle.executeUpdate(m.reviewBreakGlass, {
      args: [
        { actor: 'admin-1', elevationId: e.elevationId, findings: 'Justified; spooler fault documented.' },
      ],
    });
    expect(
      await handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'Fixed' }] }),
    ).toMatchObject({ status: 'resolved' });
  });

  it('refuses what the policy forbids, naming the rule, and self-approval', async () => {
    const { handle, serial } = await openCase();
    await expect(
      requestElevation(handle, serial, { actions: ['elevate-shell', 'modify-managed-settings'] }),
    ).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/unsupported\.managed-settings/) },
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
