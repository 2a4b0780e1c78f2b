import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { CaseView } from '../../src/domain/case';
import { casePolicySchema } from '../../src/schemas/case-policy-schema';
import type { ElevationView } from '../../src/domain/elevation';
import { generateVaultKey } from '../../src/vault/keyring';
import { deleteWorkflowsOnTaskQueue } from '../support/own-task-queue';
import { type RunningApi, intake, startApi } from '../support/harness';
import { searchableHistoryText } from '../support/secret-scan';
import { type WorkerProcess, startWorkerProcess } from '../support/worker-process';

/*
 * JIT access must end even when the worker dies: while no worker runs, the vault alone refuses a
 * password whose window has passed or whose grant never completed, and once any worker picks the
 * workflows up again every lease ends within a minute of its window and the device is rotated.
 * Everything is real: the harness's dev server, caseflow's own worker entry point in a separate OS
 * process (killed with SIGKILL, so nothing shuts down cleanly), the vault file, and a device
 * webhook receiver that records every password it is given and can hold a request open.
 */

const WINDOW_MS = 60_000;
const STARTUP_MS = 60_000;

const workDir = mkdtempSync(join(tmpdir(), 'caseflow-crash-'));
const taskQueue = `crash-${randomUUID()}`;
const vaultKeys = generateVaultKey('crash1');
const vaultFile = join(workDir, 'vault', 'vault.json');
const deviceSecret = randomBytes(24).toString('hex');
const device = startDeviceReceiver();
const workerEnv = async () => ({
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TEMPORAL_NAMESPACE: inject('temporalNamespace'),
  CASEFLOW_TASK_QUEUE: taskQueue,
  CASEFLOW_DATA_DIR: workDir,
  CASEFLOW_VAULT_KEYS: vaultKeys,
  CASEFLOW_VAULT_FILE: vaultFile,
  // Not 'warn': the readiness line 'worker polling' is logged at info and would be filtered out.
  CASEFLOW_LOG_LEVEL: 'info',
  CASEFLOW_DEVICE_WEBHOOK_URL: `${(await device).url}/device`,
  CASEFLOW_DEVICE_WEBHOOK_SECRET: deviceSecret,
});

const workers: WorkerProcess[] = [];
let api: RunningApi | undefined;

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop(10_000)));
  await deleteWorkflowsOnTaskQueue(inject('temporalAddress'), inject('temporalNamespace'), taskQueue);
  await api?.close();
  await (await device).close();
  rmSync(workDir, { recursive: true, force: true });
});

/** A worker of our own on our own task queue, ready once it says it polls. */
async function startWorker(): Promise<WorkerProcess> {
  const worker = startWorkerProcess(await workerEnv());
  workers.push(worker);
  await worker.waitForOutput('worker polling', STARTUP_MS);
  return worker;
}

/** Steps that need a worker fail with what the worker printed, which is usually the reason. */
async function explained<T>(worker: WorkerProcess, step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (err) {
    if (err instanceof Error) err.message += `\n--- worker ${worker.pid} output ---\n${worker.output()}`;
    throw err;
  }
}

async function getJson<T>(path: string, token: string): Promise<T> {
  const res = await running().request(path, { token });
  if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

function running(): RunningApi {
  if (!api) throw new Error('the API is not running');
  return api;
}

const sleepUntil = (atMs: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, atMs - Date.now())));

interface DeviceChange {
  deviceSerial: string;
  password: string;
  reason: string;
  changeId: string;
}

/**
 * The device side: records every change once per idempotency key (as a device would apply it), and
 * leaves requests for held serials unanswered until released.
 */
async function startDeviceReceiver() {
  const applied: DeviceChange[] = [];
  const held = new Set<string>();
  const waiting: { serial: string; res: ServerResponse }[] = [];
  const keys = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const change = JSON.parse(Buffer.concat(chunks).toString('utf8')) as DeviceChange;
      if (held.has(change.deviceSerial)) {
        waiting.push({ serial: change.deviceSerial, res });
        return;
      }
      const key = String(req.headers['idempotency-key']);
      if (!keys.has(key)) {
        keys.add(key);
        applied.push(change);
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    changes: (serial: string) => applied.filter((c) => c.deviceSerial === serial),
    hold: (serial: string) => held.add(serial),
    waitingFor: (serial: string) => waiting.filter((w) => w.serial === serial).length,
    /** Answers nothing held so far (those callers are dead) and stops holding the serial. */
    release: (serial: string) => {
      held.delete(serial);
      for (const w of waiting.splice(0)) w.res.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('JIT access and a worker crash, against the real dev server', () => {
  it('refuses checkout with no worker, and ends every lease within a minute of its window once one is back', async () => {
    const firstWorker = await startWorker();
    api = await startApi({
      taskQueue,
      vaultFile,
      vaultKeys,
      // A one-minute window keeps the test short; the warning then falls due at once, harmlessly.
      policy: casePolicySchema.parse({
        elevation: { defaultWindowMinutes: 1, maxWindowMinutes: 5, expiryWarningMinutes: 1 },
      }),
    });
    const escalation = api.as.escalation!;
    const admin = api.as.admin!;
    const receiver = await device;

    /** A triaged case on its own device with an elevation requested on it. */
    const requestOn = async (serial: string, planOfAction: string) => {
      const opened = await running().request('/v1/cases', {
        token: escalation.token,
        body: intake({ device: { serial, group: 'broad' } }),
      });
      expect(opened.status).toBe(201);
      const kase = (await opened.json()) as CaseView;
      await explained(
        firstWorker,
        expect
          .poll(async () => (await getJson<CaseView>(`/v1/cases/${kase.id}`, escalation.token)).status, {
            timeout: 30_000,
          })
          .toBe('triaged'),
      );
      const requested = await running().request(`/v1/cases/${kase.id}/elevations`, {
        token: escalation.token,
        body: {
          ticketId: kase.externalTicketId ?? 'HD-1',
          deviceSerial: serial,
          category: 'device',
          title: 'Print spooler needs a restart',
          planOfAction,
          actions: ['elevate-shell'],
        },
      });
      const view = (await requested.json()) as ElevationView;
      expect(requested.status, JSON.stringify(view)).toBe(201);
      return { kase, id: view.id, path: `/v1/elevations/${view.id}` };
    };
    const approve = (path: string) =>
      running().request(`${path}/approve`, {
        token: admin.token,
        body: { reason: 'Spooler restart is within policy' },
      });
    const checkout = (path: string) =>
      running().request(`${path}/checkout`, { method: 'POST', token: escalation.token });

    // One lease active and checked out: its window runs out (and its rotation falls due) while down.
    const activeSerial = `CR${randomUUID().slice(0, 8).toUpperCase()}`;
    const planOfAction = `Restart the print spooler service with an elevated shell (${randomUUID()}).`;
    const one = await requestOn(activeSerial, planOfAction);
    const approved = await approve(one.path);
    const approvedView = (await approved.json()) as ElevationView;
    expect(approved.status, JSON.stringify(approvedView)).toBe(200);
    expect(approvedView).toMatchObject({ status: 'active', approvedBy: admin.principal });
    const endsAtMs = Date.parse(approvedView.endsAt ?? '');
    expect(endsAtMs - Date.parse(approvedView.startsAt ?? '')).toBe(WINDOW_MS);
    const first = await checkout(one.path);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const { password } = (await first.json()) as { password: string };
    expect(receiver.changes(activeSerial).at(-1)?.password).toBe(password);
    await explained(
      firstWorker,
      expect
        .poll(async () => (await getJson<ElevationView>(one.path, escalation.token)).checkouts.length, {
          timeout: 20_000,
        })
        .toBe(1),
    );

    // Another whose grant is in flight: the device does not answer until the worker is dead.
    const grantingSerial = `CR${randomUUID().slice(0, 8).toUpperCase()}`;
    const two = await requestOn(grantingSerial, `Scan for hardware changes (${randomUUID()}).`);
    receiver.hold(grantingSerial);
    const accepted = await approve(two.path);
    expect(accepted.status).toBe(202);
    expect(((await accepted.json()) as ElevationView).status).toBe('granting');
    await expect.poll(() => receiver.waitingFor(grantingSerial), { timeout: 20_000 }).toBeGreaterThan(0);

    // The crash: no graceful shutdown, no chance to revoke anything on the way down.
    await firstWorker.kill('SIGKILL');
    receiver.release(grantingSerial);

    // Nothing to check out for a grant that never completed, from the vault alone.
    const notGranted = await checkout(two.path);
    expect(notGranted.status).toBe(409);
    expect(((await notGranted.json()) as { detail: string }).detail).toMatch(/nothing to check out/);
    // Waiting for a wall-clock moment cannot be polled for; queries would hang without a worker.
    await sleepUntil(endsAtMs + 3_000);
    const refused = await checkout(one.path);
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/window has ended/);
    expect((await api.client.workflow.getHandle(`device:${activeSerial}`).describe()).status.name).toBe(
      'RUNNING',
    );
    expect(receiver.changes(activeSerial).map((c) => c.reason)).toEqual(['grant']);

    // A new worker picks everything up: both leases end within a minute, both devices rotate.
    const secondWorker = await startWorker();
    const restartedAtMs = Date.now();
    const closedWithin = async (path: string, windowEndMs: number) => {
      const view = await explained(
        secondWorker,
        expect
          .poll(async () => await getJson<ElevationView>(path, escalation.token), {
            timeout: 90_000,
            interval: 1_000,
          })
          .toMatchObject({ status: 'ended', accessClosedAt: expect.any(String) }),
      ).then(() => getJson<ElevationView>(path, escalation.token));
      const closedAtMs = Date.parse(view.accessClosedAt ?? '');
      expect(closedAtMs - Math.max(windowEndMs, restartedAtMs)).toBeLessThanOrEqual(60_000);
      return view;
    };
    const ended = await closedWithin(one.path, endsAtMs);
    expect(ended.endedReason).toBe('the access window ended');
    expect(ended.log.map((entry) => entry.type)).toEqual(
      expect.arrayContaining(['granted', 'checked-out', 'window-ended', 'access-closed']),
    );
    await expect
      .poll(() => receiver.changes(activeSerial).map((c) => c.reason), { timeout: 30_000 })
      .toEqual(['grant', 'rotate']);
    const secondView = await getJson<ElevationView>(two.path, escalation.token);
    const secondEnd = Date.parse(secondView.endsAt ?? '') || restartedAtMs;
    await closedWithin(two.path, secondEnd);
    await expect
      .poll(() => receiver.changes(grantingSerial).map((c) => c.reason), { timeout: 30_000 })
      .toEqual(['grant', 'rotate']);
    const afterRotation = await checkout(one.path);
    expect(afterRotation.status).toBe(409);

    // The password went to the requester once and is nowhere else: not in either worker's output,
    // the API's log, the case's, the elevation's or the device owner's history, or the vault file.
    const history = async (workflowId: string) =>
      searchableHistoryText(
        JSON.stringify(await running().client.workflow.getHandle(workflowId).fetchHistory()),
      );
    const histories = [
      await history(`case:${one.kase.id}`),
      await history(`case:${one.kase.id}:elevation:1`),
      await history(`device:${activeSerial}`),
    ];
    // The scan is only worth something if payloads were decoded: the plan of action is in two.
    for (const h of histories.slice(0, 2)) expect(h.includes(planOfAction), 'payloads decoded').toBe(true);
    const places: Record<string, string> = {
      'first worker output': firstWorker.output(),
      'second worker output': secondWorker.output(),
      'API log': api.logs.join('\n'),
      'case history': histories[0] ?? '',
      'elevation history': histories[1] ?? '',
      'device owner history': histories[2] ?? '',
      'vault file': readFileSync(vaultFile).toString('latin1'),
    };
    const encoded = Buffer.from(password, 'utf8').toString('base64');
    for (const [place, text] of Object.entries(places)) {
      expect(text.includes(password), `the password is in the ${place}`).toBe(false);
      expect(text.includes(encoded), `the base64 password is in the ${place}`).toBe(false);
    }
  }, 300_000);
});
