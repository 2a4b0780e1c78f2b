import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { CaseView } from '../../src/domain/case';
import { casePolicySchema } from '../../src/domain/case-policy';
import type { ElevationView } from '../../src/domain/elevation';
import { createFileVault } from '../../src/vault/credential-vault';
import { generateVaultKey, parseVaultKeys } from '../../src/vault/keyring';
import { type RunningApi, intake, startApi } from '../support/harness';
import { searchableHistoryText } from '../support/secret-scan';
import { type WorkerProcess, startWorkerProcess } from '../support/worker-process';

/*
 * JIT access must end even when the worker that granted it dies: the vault refuses the password
 * once the window has passed with no worker at all, and the rotation the workflow owes happens as
 * soon as any worker picks the workflow up again. Everything is real: the harness's dev server,
 * caseflow's own worker entry point in a separate OS process (killed with SIGKILL, so nothing
 * shuts down cleanly), the vault file and the recording device adapter.
 */

const WINDOW_MS = 60_000;
const STARTUP_MS = 60_000;

const workDir = mkdtempSync(join(tmpdir(), 'caseflow-crash-'));
const taskQueue = `crash-${randomUUID()}`;
const vaultKeys = generateVaultKey('crash1');
const vaultFile = join(workDir, 'vault', 'vault.json');
const deviceLog = join(workDir, 'device-rotations.jsonl');
const workerEnv = {
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TEMPORAL_NAMESPACE: inject('temporalNamespace'),
  CASEFLOW_TASK_QUEUE: taskQueue,
  CASEFLOW_DATA_DIR: workDir,
  CASEFLOW_VAULT_KEYS: vaultKeys,
  CASEFLOW_VAULT_FILE: vaultFile,
  // Not 'warn': the readiness line 'worker polling' is logged at info and would be filtered out.
  CASEFLOW_LOG_LEVEL: 'info',
};

const workers: WorkerProcess[] = [];
let api: RunningApi | undefined;

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop(10_000)));
  await api?.close();
  rmSync(workDir, { recursive: true, force: true });
});

/** A worker of our own on our own task queue, ready once it says it polls. */
async function startWorker(): Promise<WorkerProcess> {
  const worker = startWorkerProcess(workerEnv);
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

describe('JIT access and a worker crash, against the real dev server', () => {
  it('refuses the password after the window with no worker, and rotates once a worker is back', async () => {
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

    // A case on a 'broad' (not test-group) device, triaged by the first worker.
    const opened = await api.request('/v1/cases', { token: escalation.token, body: intake() });
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

    const planOfAction = `Restart the print spooler service with an elevated shell (${randomUUID()}).`;
    const requested = await explained(
      firstWorker,
      api.request(`/v1/cases/${kase.id}/elevations`, {
        token: escalation.token,
        body: {
          ticketId: kase.externalTicketId ?? 'HD-1',
          deviceSerial: kase.device.serial,
          category: 'device',
          title: 'Print spooler needs a restart',
          planOfAction,
          actions: ['elevate-shell'],
        },
      }),
    );
    const requestedView = (await requested.json()) as ElevationView;
    expect(requested.status, JSON.stringify(requestedView)).toBe(201);
    expect(requestedView).toMatchObject({ id: `${kase.id}.1`, status: 'pending-approval' });
    const elevationId = requestedView.id;
    const elevationPath = `/v1/elevations/${elevationId}`;
    const elevationHandle = api.client.workflow.getHandle(`case:${kase.id}:elevation:1`);

    const approved = await api.request(`${elevationPath}/approve`, {
      token: admin.token,
      body: { reason: 'Spooler restart is within policy' },
    });
    const approvedView = (await approved.json()) as ElevationView;
    expect(approved.status, JSON.stringify(approvedView)).toBe(200);
    expect(approvedView).toMatchObject({ status: 'active', approvedBy: admin.principal });
    const endsAtMs = Date.parse(approvedView.endsAt ?? '');
    expect(endsAtMs - Date.parse(approvedView.startsAt ?? '')).toBe(WINDOW_MS);

    const checkout = () =>
      running().request(`${elevationPath}/checkout`, { method: 'POST', token: escalation.token });
    const first = await checkout();
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const { password, endsAt } = (await first.json()) as { password: string; endsAt: string };
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(Date.parse(endsAt)).toBe(endsAtMs);
    // The checkout is recorded by the worker; crash only once it is, so the workflow is idle on its timer.
    await explained(
      firstWorker,
      expect
        .poll(async () => (await getJson<ElevationView>(elevationPath, escalation.token)).checkouts.length, {
          timeout: 20_000,
        })
        .toBe(1),
    );

    // The crash: no graceful shutdown, no chance to revoke anything on the way down.
    await firstWorker.kill('SIGKILL');

    // No worker anywhere on this queue while the window runs out. Waiting for a wall-clock moment
    // cannot be polled for; GET /v1/elevations/:id is a query and would hang without a worker.
    await sleepUntil(endsAtMs + 3_000);
    const refused = await checkout();
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/expired/);
    // That refusal was the vault's own window check: the workflow has not rotated anything yet.
    const whileDown = await elevationHandle.describe();
    expect(whileDown.status.name).toBe('RUNNING');
    const vault = createFileVault({ path: vaultFile, keyring: parseVaultKeys(vaultKeys) });
    expect(await vault.describe(elevationId)).toMatchObject({ endsAtMs, revokedAtMs: null });
    const deviceChanges = () =>
      readFileSync(deviceLog, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as { elevationId: string; reason: string; deviceSerial: string })
        .filter((change) => change.elevationId === elevationId);
    expect(deviceChanges().map((c) => c.reason)).toEqual(['grant']);

    // A new worker picks the workflow up where the dead one left it: the window ends and rotates.
    const secondWorker = await startWorker();
    await explained(
      secondWorker,
      expect
        .poll(async () => await getJson<ElevationView>(elevationPath, escalation.token), {
          timeout: 60_000,
          interval: 1_000,
        })
        .toMatchObject({
          status: 'ended',
          endedReason: 'the access window ended',
          rotatedAt: expect.any(String),
        }),
    );
    const ended = await getJson<ElevationView>(elevationPath, escalation.token);
    const logTypes = ended.log.map((entry) => entry.type);
    expect(logTypes).toEqual(expect.arrayContaining(['granted', 'checked-out', 'window-ended', 'rotated']));
    expect(logTypes.indexOf('rotated')).toBeGreaterThan(logTypes.indexOf('window-ended'));
    expect(Date.parse(ended.rotatedAt ?? '')).toBeGreaterThanOrEqual(endsAtMs);
    expect(deviceChanges()).toEqual([
      expect.objectContaining({ reason: 'grant', deviceSerial: kase.device.serial }),
      expect.objectContaining({ reason: 'rotate', deviceSerial: kase.device.serial }),
    ]);
    expect((await vault.describe(elevationId))?.revokedAtMs).toEqual(expect.any(Number));
    const afterRotation = await checkout();
    expect(afterRotation.status).toBe(409);
    expect(((await afterRotation.json()) as { detail: string }).detail).toMatch(/revoked/);

    // The password went to the requester once and is nowhere else: not in either worker's output,
    // the API's log, the case's or the elevation's history, the vault file or the device log.
    const histories = [
      searchableHistoryText(
        JSON.stringify(await api.client.workflow.getHandle(`case:${kase.id}`).fetchHistory()),
      ),
      searchableHistoryText(JSON.stringify(await elevationHandle.fetchHistory())),
    ];
    // The scan is only worth something if payloads were decoded: the plan of action is in both.
    for (const history of histories) expect(history.includes(planOfAction), 'payloads decoded').toBe(true);
    expect(firstWorker.output()).toContain('worker polling');
    const places: Record<string, string> = {
      'first worker output': firstWorker.output(),
      'second worker output': secondWorker.output(),
      'API log': api.logs.join('\n'),
      'case history': histories[0] ?? '',
      'elevation history': histories[1] ?? '',
      'vault file': readFileSync(vaultFile).toString('latin1'),
      'device log': readFileSync(deviceLog, 'utf8'),
    };
    const encoded = Buffer.from(password, 'utf8').toString('base64');
    for (const [place, text] of Object.entries(places)) {
      expect(text.includes(password), `the password is in the ${place}`).toBe(false);
      expect(text.includes(encoded), `the base64 password is in the ${place}`).toBe(false);
    }
  }, 240_000);
});
