/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return --
   The API's answers are read back as plain JSON, as any HTTP client would; the invariants take typed records. */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Connection, Client } from '@temporalio/client';
import { historyToJSON } from '../../src/temporal/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { generateKey } from '../../src/api/auth';
import { replayAll } from '../../src/audit/replay';
import { caseEscalationIsOver } from '../../src/domain/case-lifecycle';
import { WORKFLOWS_PATH } from '../../src/temporal/workflow-bundle';
import { workflowIdOfElevation } from '../../src/workflows/elevation.messages';
import { STALE_CLOCK_REFUSED } from '../../src/workflows/stale-clock-guard';
import { generateVaultKey } from '../../src/vault/keyring';
import { searchableHistoryText } from '../../test/support/secret-scan';
import { freePort } from '../../test/support/ports';
import { startDevServer } from '../dev-server';
import { startLocalPostgres } from '../lib/postgres';
import { call, driveCase, newDriverState, SCENARIOS } from './driver';
import {
  type CaseOutcome,
  checkCases,
  checkEscalationDeliveries,
  checkLeases,
  checkNotifications,
  checkPasswordAges,
  checkReplays,
  checkSecrets,
  deliveredNotificationIds,
  LEASE_GRACE_MS,
  type LeaseOutcome,
  type Verdict,
} from './invariants';
import type { ChaosProfile } from './profiles';
import { type NodeProcess, startNodeProcess } from './processes';
import {
  acceptedDeliveries,
  type ChaosReceiver,
  type ReceiverMode,
  startDeviceReceiver,
  startNotificationReceiver,
  startPartyReceiver,
} from './receivers';

/*
 * One chaos run, loopback only and bounded in cases and time: its own Temporal dev server on a
 * database file, a PostgreSQL vault shared by N worker processes, the API, and recording
 * receivers; cases driven from intake to closure while workers are SIGKILLed, the server is
 * restarted on the same database, and each receiver goes down, fails or hangs for a while. Then
 * the invariants are checked on what everything recorded.
 */

export interface FaultRecord {
  kind: 'worker-kill' | 'server-restart' | 'receiver-outage';
  target: string;
  atMs: number;
  durationMs: number;
  detail?: string;
}

export interface ChaosResults {
  profile: ChaosProfile;
  seed: number;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  passed: boolean;
  summary: Record<string, number>;
  faults: FaultRecord[];
  verdicts: Verdict[];
  driverErrors: string[];
  unplannedWorkerExits: number;
  /** Histories of workflows that broke an invariant (not replaying, unreadable), for investigation. */
  evidence?: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long a closed case may take, after the run, for its last children to end. */
const CLOSING_CHILDREN_WAIT_MS = 5 * 60_000;

/** What the invariants read of a case. */
interface CaseView {
  status: string;
  elevations?: { id: string; finished: boolean }[];
  escalations?: { id: string; status: string; target: string }[];
}

/** A small seeded generator (mulberry32): a run's random moments can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function waitForTemporal(address: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 3_000 });
      try {
        await connection.withDeadline(Date.now() + 3_000, () =>
          connection.workflowService.describeNamespace({ namespace: 'default' }),
        );
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`Temporal did not answer on ${address}: ${String(err)}`);
      await sleep(500);
    }
  }
}

function filesUnder(dir: string): string[] {
  let out: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(filesUnder(p));
    else out.push(p);
  }
  return out;
}

export interface RunOptions {
  log?: (line: string) => void;
  seed?: number;
}

export async function runChaos(profile: ChaosProfile, options: RunOptions = {}): Promise<ChaosResults> {
  const log = options.log ?? ((line: string) => console.log(`[chaos] ${line}`));
  try {
    // The replay at the end runs a worker in this process; only its warnings are worth printing.
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Installed already (by the caller, or an earlier run in this process): its logger stands.
  }
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rand = random(seed);
  const started = Date.now();
  const hardDeadline = started + profile.maxRunMs;
  const runTag = randomUUID().slice(0, 6);
  const baseDir = mkdtempSync(join(tmpdir(), 'caseflow-chaos-'));
  const dataDir = join(baseDir, 'temporal');
  const archiveDir = join(baseDir, 'archive');
  mkdirSync(archiveDir, { recursive: true });
  log(`profile ${profile.name}, seed ${seed}, working in ${baseDir}`);

  const cleanups: (() => Promise<unknown>)[] = [];
  const faults: FaultRecord[] = [];
  const workerOutputs: NodeProcess[] = [];
  let serverOutput = '';
  let unplannedExits = 0;
  let stopping = false;

  try {
    // Receivers first: the workers and the API are configured with their URLs.
    const notifySecret = randomBytes(24).toString('hex');
    const deviceSecret = randomBytes(24).toString('hex');
    const partySecrets = {
      'service-ops': randomBytes(24).toString('hex'),
      vendor: randomBytes(24).toString('hex'),
    };
    const notifications = await startNotificationReceiver(notifySecret);
    const device = await startDeviceReceiver(deviceSecret);
    const serviceOps = await startPartyReceiver('service-ops', partySecrets['service-ops']);
    const vendor = await startPartyReceiver('vendor', partySecrets.vendor);
    const receivers: ChaosReceiver[] = [notifications, device, serviceOps, vendor];
    cleanups.push(() => Promise.all(receivers.map((r) => r.close())));

    const postgres = await startLocalPostgres({ port: await freePort() });
    cleanups.push(() => postgres.stop());
    const vaultUrl = await postgres.createDatabase('caseflow_vault');
    log(`PostgreSQL vault on port ${postgres.port}`);

    // The Temporal dev server on a database file, restartable on the same file and port.
    const [temporalPort, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const address = `127.0.0.1:${temporalPort}`;
    let server: ChildProcess | undefined;
    const startServer = async () => {
      const child = startDevServer(
        { dataDir, ip: '127.0.0.1', port: temporalPort, uiPort: null, httpPort, metricsPort },
        'pipe',
      );
      child.stdout?.on('data', (c: Buffer) => (serverOutput += c.toString()));
      child.stderr?.on('data', (c: Buffer) => (serverOutput += c.toString()));
      server = child;
      await waitForTemporal(address, Date.now() + 120_000);
    };
    const stopServer = async () => {
      const child = server;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    };
    await startServer();
    cleanups.push(stopServer);
    log(`Temporal dev server on ${address} (database ${join(dataDir, 'temporal.sqlite')})`);

    const taskQueue = `chaos-${runTag}`;
    const vaultKeys = generateVaultKey('chaos1');
    const commonEnv = {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: 'default',
      CASEFLOW_TASK_QUEUE: taskQueue,
      CASEFLOW_DATA_DIR: join(baseDir, 'caseflow'),
      CASEFLOW_VAULT_KEYS: vaultKeys,
      CASEFLOW_VAULT_URL: vaultUrl,
      CASEFLOW_LOG_LEVEL: 'info',
      CASEFLOW_ESCALATION_TARGETS: JSON.stringify({
        'service-ops': { url: `${serviceOps.url}/escalations`, secret: partySecrets['service-ops'] },
        vendor: { url: `${vendor.url}/escalations`, secret: partySecrets.vendor },
      }),
    };
    const workerEnv = {
      ...commonEnv,
      CASEFLOW_NOTIFY_URLS: `chaos=${notifications.url}/hooks`,
      CASEFLOW_NOTIFY_SECRET: notifySecret,
      CASEFLOW_DEVICE_WEBHOOK_URL: `${device.url}/device`,
      CASEFLOW_DEVICE_WEBHOOK_SECRET: deviceSecret,
      CASEFLOW_ARCHIVE_DIR: archiveDir,
    };

    // Workers: a slot each, restarted after every kill and after any exit of their own.
    const slots: (NodeProcess | undefined)[] = [];
    let workerCount = 0;
    const startWorker = (slot: number) => {
      const w = startNodeProcess(`worker-${slot}.${++workerCount}`, 'src/worker.ts', workerEnv);
      slots[slot] = w;
      workerOutputs.push(w);
      return w;
    };
    for (let i = 0; i < profile.workers; i++) startWorker(i);
    const ready = await Promise.all(slots.map((w) => w!.waitForOutput('worker polling', 180_000)));
    if (ready.some((r) => !r)) {
      throw new Error(
        `a worker did not start:\n${slots.map((w) => w!.output().slice(-2_000)).join('\n---\n')}`,
      );
    }
    log(`${profile.workers} workers polling ${taskQueue}`);
    const restarting = new Set<number>();
    const supervisor = setInterval(() => {
      if (stopping) return;
      slots.forEach((w, slot) => {
        if (w?.exited() && !restarting.has(slot)) {
          unplannedExits++;
          log(`${w.label} exited by itself; restarting it`);
          startWorker(slot);
        }
      });
    }, 2_000);
    cleanups.push(async () => {
      stopping = true;
      clearInterval(supervisor);
      // A graceful stop gets ten seconds; the run is over either way.
      await Promise.all(
        slots.map((w) =>
          w
            ? Promise.race([w.kill('SIGTERM'), sleep(10_000).then(() => w.kill('SIGKILL'))])
            : Promise.resolve(),
        ),
      );
    });

    // The API, as `npm run api` runs it, with the run's principals.
    const principals = {
      agent: generateKey(`chaos-agent-${runTag}`, ['agent']),
      escalation: generateKey(`chaos-escalation-${runTag}`, ['agent', 'escalation-team']),
      admin: generateKey(`chaos-admin-${runTag}`, ['it-admin']),
      auditor: generateKey(`chaos-auditor-${runTag}`, ['auditor']),
    };
    const keysFile = join(baseDir, 'api-keys.json');
    writeFileSync(keysFile, JSON.stringify(Object.values(principals).map((p) => p.entry)), { mode: 0o600 });
    const apiPort = await freePort();
    const api = startNodeProcess('api', 'src/server.ts', {
      ...commonEnv,
      PORT: String(apiPort),
      CASEFLOW_HOST: '127.0.0.1',
      CASEFLOW_API_KEYS_FILE: keysFile,
      CASEFLOW_SUPPORT_MODEL: 'partner-led',
      CASEFLOW_ADMIN_CONTACTS: JSON.stringify({ devices: 'it-devices@example.org', other: 'it@example.org' }),
      // Short windows so leases begin, end and rotate within the run.
      CASEFLOW_ELEVATION_WINDOW_MINUTES: '1',
      CASEFLOW_ELEVATION_MAX_WINDOW_MINUTES: '10',
      CASEFLOW_ELEVATION_MAX_TOTAL_MINUTES: '15',
      CASEFLOW_ELEVATION_PASSWORD_MAX_AGE_MINUTES: '2',
      CASEFLOW_ELEVATION_APPROVAL_MINUTES: '30',
    });
    cleanups.push(() => api.kill('SIGTERM'));
    if (!(await api.waitForOutput('api listening', 120_000))) {
      throw new Error(`the API did not start:\n${api.output()}`);
    }
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const passwordMaxAgeMs = 2 * 60_000;
    log(`API on ${apiUrl}`);

    // The faults, at random moments spread over the fault window.
    const driveStart = Date.now();
    const W = profile.faultWindowMs;
    const at = (fraction: number, jitter: number) =>
      driveStart + Math.max(0, Math.min(1, fraction + (rand() - 0.5) * jitter)) * W;
    const plan: { atMs: number; run: () => Promise<void> }[] = [];
    for (let k = 0; k < profile.workerKills; k++) {
      plan.push({
        atMs: at((k + 0.5) / profile.workerKills, 0.8 / profile.workerKills),
        run: async () => {
          const slot = Math.floor(rand() * profile.workers);
          const victim = slots[slot];
          if (!victim) return;
          restarting.add(slot);
          const t0 = Date.now();
          await victim.kill('SIGKILL');
          const downMs = 500 + Math.floor(rand() * 5_000);
          await sleep(downMs);
          const next = startWorker(slot);
          restarting.delete(slot);
          faults.push({ kind: 'worker-kill', target: victim.label, atMs: t0, durationMs: Date.now() - t0 });
          log(`killed ${victim.label} (SIGKILL); ${next.label} started ${downMs} ms later`);
        },
      });
    }
    plan.push({
      atMs: at(0.5, 0.1),
      run: async () => {
        const t0 = Date.now();
        await stopServer();
        await sleep(3_000);
        await startServer();
        faults.push({
          kind: 'server-restart',
          target: 'temporal dev server',
          atMs: t0,
          durationMs: Date.now() - t0,
          detail: 'SIGTERM, then started again on the same database file and port',
        });
        log(`Temporal dev server restarted on the same database (${Date.now() - t0} ms down)`);
      },
    });
    const modes: ReceiverMode[][] = [
      ['down', 'hanging', 'down', 'failing'],
      ['failing', 'down', 'hanging', 'down'],
    ];
    let deviceDownMs = 0;
    for (let round = 0; round < profile.receiverRounds; round++) {
      receivers.forEach((receiver, i) => {
        const mode = modes[round % 2]![i]!;
        plan.push({
          atMs: at((round + (i + 0.5) / receivers.length) / profile.receiverRounds, 0.05),
          run: async () => {
            const t0 = Date.now();
            await receiver.setMode(mode);
            log(`${receiver.name} ${mode}`);
            await sleep(profile.receiverOutageMs);
            await receiver.setMode('up');
            const durationMs = Date.now() - t0;
            if (receiver === device) deviceDownMs += durationMs;
            faults.push({
              kind: 'receiver-outage',
              target: receiver.name,
              atMs: t0,
              durationMs,
              detail: mode,
            });
            log(`${receiver.name} back up after ${durationMs} ms`);
          },
        });
      });
    }
    plan.sort((a, b) => a.atMs - b.atMs);
    const faultsDone = (async () => {
      const running: Promise<void>[] = [];
      for (const f of plan) {
        await sleep(Math.max(0, f.atMs - Date.now()));
        if (Date.now() > hardDeadline) break;
        running.push(f.run().catch((err: unknown) => log(`fault failed: ${String(err)}`)));
      }
      await Promise.all(running);
    })();

    // The load: cases from intake to closure, a few at a time.
    const state = newDriverState(
      apiUrl,
      {
        agent: principals.agent.token,
        escalation: principals.escalation.token,
        admin: principals.admin.token,
      },
      partySecrets,
    );
    let next = 0;
    let finished = 0;
    const progress = setInterval(() => {
      const up = slots.filter((w) => w && !w.exited()).length;
      log(
        `${Math.round((Date.now() - started) / 1000)} s: ${finished}/${profile.cases} cases done, ` +
          `${state.errors.length} stuck, ${faults.length}/${plan.length} faults, ${up} workers up, ` +
          `${state.retries} retried steps`,
      );
    }, 15_000);
    const lanes = Array.from({ length: profile.concurrency }, async () => {
      while (next < profile.cases && Date.now() < hardDeadline) {
        const index = next++;
        // Cases start spread over the fault window (never before their share of it), so faults
        // keep meeting cases in flight however fast the machine works them off.
        await sleep(driveStart + (index / profile.cases) * W - Date.now());
        const scenario = SCENARIOS[index % SCENARIOS.length]!;
        await driveCase(state, {
          index,
          scenario,
          sharedDevices: profile.sharedDevices,
          deadline: Math.min(hardDeadline, Date.now() + profile.caseTimeoutMs),
          runTag,
        });
        finished++;
      }
    });
    await Promise.all(lanes);
    log(`all ${finished} cases driven; waiting for the remaining faults`);
    await faultsDone;
    clearInterval(progress);
    for (const r of receivers) await r.setMode('up');

    // Let retries land: every receiver is up again, so deliveries settle.
    log('draining: waiting for deliveries and rotations to settle');
    const quietSince = () => Math.max(...receivers.map((r) => r.received.at(-1)?.atMs ?? 0));
    const drainDeadline = Math.min(hardDeadline, Date.now() + 4 * 60_000);
    while (Date.now() < drainDeadline && Date.now() - quietSince() < 30_000) await sleep(2_000);

    // Read everything back and check the invariants.
    log('checking invariants');
    const get = async (path: string) => {
      for (let i = 0; i < 10; i++) {
        const a = await call(apiUrl, 'GET', path, principals.auditor.token);
        if (a.status === 200) return a.json;
        if (a.status === 404) return null;
        await sleep(1_000);
      }
      return null;
    };
    const client = new Client({ connection: await Connection.connect({ address }) });
    const evidence: Record<string, string> = {};
    const keepHistory = async (workflowId: string, runId?: string) => {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      evidence[`${workflowId}${runId ? `@${runId}` : ''}`] = historyToJSON(history);
    };
    const outcomes: CaseOutcome[] = [];
    const recordedDelivered: string[] = [];
    const openChildren = (v: CaseView | null) =>
      (v?.elevations ?? []).some((e) => !e.finished) ||
      (v?.escalations ?? []).some((e) => !caseEscalationIsOver(e.status as never));
    for (const c of state.cases) {
      let view = (await get(`/v1/cases/${c.id}`)) as CaseView | null;
      if (view?.status === 'closed' && openChildren(view)) {
        // A closed case waits for its children to end (an elevation may still be delivering its
        // closing notice after a receiver came back): give it a bounded while, then judge it.
        const waitUntil = Math.min(hardDeadline - 60_000, Date.now() + CLOSING_CHILDREN_WAIT_MS);
        await client.connection
          .withDeadline(waitUntil, () => client.workflow.getHandle(`case:${c.id}`).result())
          .catch(() => undefined);
        view = (await get(`/v1/cases/${c.id}`)) as CaseView | null;
        if (openChildren(view)) {
          await keepHistory(`case:${c.id}`).catch(() => undefined);
          for (const e of view?.elevations ?? []) {
            const workflowId = workflowIdOfElevation(e.id)?.workflowId;
            if (!e.finished && workflowId) await keepHistory(workflowId).catch(() => undefined);
          }
        }
      }
      let listedRows = 0;
      for (let i = 0; i < 10 && view; i++) {
        const list = await get(`/v1/cases?requester=${encodeURIComponent(c.requesterId)}&limit=10`);
        listedRows = (list?.items ?? []).length;
        if (listedRows > 0) break;
        await sleep(1_000);
      }
      const escalations = view?.escalations ?? [];
      // What the case records counts, even where the driver never heard back from filing it.
      for (const e of escalations) if (!state.escalations.has(e.id)) state.escalations.set(e.id, e.target);
      for (const e of view?.elevations ?? []) state.elevations.add(e.id);
      let exists = view !== null;
      if (view?.status !== 'closed') {
        // Not closed or not readable: is the workflow there at all, and what does its history say?
        exists = await keepHistory(`case:${c.id}`).then(
          () => true,
          () => false,
        );
      }
      outcomes.push({
        id: c.id,
        scenario: c.scenario,
        status: view?.status ?? null,
        exists,
        listedRows,
        openElevations: (view?.elevations ?? []).filter((e) => !e.finished).length,
        openEscalations: escalations.filter((e) => !caseEscalationIsOver(e.status as never)).length,
        missingEscalations: c.escalations.filter((id) => !escalations.some((e) => e.id === id)).length,
      });
      let cursor: number | undefined = 0;
      while (cursor !== undefined && view) {
        const page = await get(`/v1/cases/${c.id}/log?limit=200&cursor=${cursor}`);
        for (const e of page?.entries ?? [])
          recordedDelivered.push(...deliveredNotificationIds([e.text ?? '']));
        cursor = page?.nextCursor ?? undefined;
      }
    }
    const leases: LeaseOutcome[] = [];
    for (const id of state.elevations) {
      const view = await get(`/v1/elevations/${id}`);
      const endsAtMs = view?.endsAt ? Date.parse(view.endsAt) : null;
      const probes = [...(state.lateProbes.get(id) ?? [])];
      if (endsAtMs !== null && Date.now() > endsAtMs + LEASE_GRACE_MS) {
        probes.push(
          (await call(apiUrl, 'POST', `/v1/elevations/${id}/checkout`, principals.escalation.token)).status,
        );
      }
      leases.push({
        id,
        status: view?.status ?? 'unreadable',
        deviceSerial: view?.deviceSerial ?? '',
        startsAtMs: view?.startsAt ? Date.parse(view.startsAt) : null,
        endsAtMs,
        accessClosedAtMs: view?.accessClosedAt ? Date.parse(view.accessClosedAt) : null,
        checkoutsAtMs: (view?.checkouts ?? []).map((c: { at: string }) => Date.parse(c.at)),
        lateCheckoutStatuses: probes,
      });
    }
    const filed = [];
    for (const [id, target] of state.escalations) {
      const view = await get(`/v1/escalations/${id}`);
      filed.push({ id, target, delivered: Boolean(view?.delivery) });
    }

    // Every history of the run: scanned for passwords, and replayed against the current code.
    const histories: { workflowId: string; json: string }[] = [];
    for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
      const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      histories.push({ workflowId: `${wf.workflowId}@${wf.runId}`, json: historyToJSON(history) });
    }
    log(`replaying ${histories.length} histories`);
    const replays = await replayAll(
      histories.map((h) => ({ ...h, source: 'chaos run' })),
      { workflowsPath: WORKFLOWS_PATH },
    );
    for (const r of replays.filter((x) => !x.ok)) {
      const h = histories.find((x) => x.workflowId === r.workflowId);
      if (h) evidence[h.workflowId] = h.json;
    }
    await client.connection.close();
    const places = new Map<string, string>();
    for (const h of histories) places.set(`history ${h.workflowId}`, searchableHistoryText(h.json));
    for (const w of workerOutputs) places.set(`${w.label} output`, w.output());
    places.set('API log', api.output());
    places.set('Temporal server output', serverOutput);
    for (const file of filesUnder(archiveDir))
      places.set(`archived ${file.slice(archiveDir.length + 1)}`, readFileSync(file).toString('latin1'));
    for (const c of state.cases.filter((_, i) => i % 10 === 0)) {
      const res = await fetch(`${apiUrl}/v1/cases/${c.id}/audit-bundle`, {
        headers: { authorization: `Bearer ${principals.auditor.token}` },
      }).catch(() => null);
      if (res?.ok)
        places.set(`audit bundle of ${c.id}`, Buffer.from(await res.arrayBuffer()).toString('latin1'));
    }
    const passwordSets = device.passwordSets();
    const allPasswords = [...new Set([...state.checkedOut, ...passwordSets.map((p) => p.password)])];

    const verdicts = [
      checkCases(outcomes),
      checkLeases(leases, passwordSets, state.checkedOutBy, Date.now(), LEASE_GRACE_MS + deviceDownMs),
      checkPasswordAges(
        passwordSets,
        state.checkedOut,
        Date.now(),
        passwordMaxAgeMs,
        LEASE_GRACE_MS + deviceDownMs,
      ),
      checkEscalationDeliveries(filed, [...acceptedDeliveries(serviceOps), ...acceptedDeliveries(vendor)]),
      checkNotifications(
        recordedDelivered,
        notifications.received
          .filter((r) => r.status >= 200 && r.status < 300)
          .map((r) => {
            let body = null;
            try {
              body = JSON.parse(r.body) as Record<string, unknown>;
            } catch {
              // reported as unkeyed
            }
            const key = r.headers['idempotency-key'];
            return {
              idempotencyKey: Array.isArray(key) ? key[0] : key,
              signatureValid: r.signatureValid,
              body,
            };
          }),
      ),
      checkSecrets(allPasswords, places),
      checkReplays(
        replays.map((r) => ({ workflowId: r.workflowId, error: r.ok ? null : r.detail })),
        state.cases.length,
      ),
    ];
    const figure = (name: string, key: string) => verdicts.find((v) => v.name === name)?.figures[key] ?? 0;
    // The stale-clock guard at work: refusals the workers logged, and real workflow tasks it
    // failed (a refusal outside a query would be one; the task is retried with its own clock).
    const mentions = (text: string) => text.split(STALE_CLOCK_REFUSED).length - 1;
    const summary = {
      cases: state.cases.length,
      casesPlanned: profile.cases,
      closed: figure('cases', 'closed'),
      lost: figure('cases', 'lost'),
      duplicated: figure('cases', 'duplicated') + figure('escalation-deliveries', 'duplicated'),
      inconsistent: figure('cases', 'inconsistent'),
      elevations: state.elevations.size,
      escalations: state.escalations.size,
      leasesPastWindow: figure('leases', 'leasesPastWindow'),
      passwordsPastMaxAge: figure('password-ages', 'passwordsPastMaxAge'),
      passwordsFound: figure('secrets', 'passwordsFound'),
      notificationsReceived: figure('notifications', 'received'),
      notificationsDistinct: figure('notifications', 'distinct'),
      historiesReplayed: figure('replay', 'histories'),
      replayFailures: figure('replay', 'failures'),
      workerKills: faults.filter((f) => f.kind === 'worker-kill').length,
      serverRestarts: faults.filter((f) => f.kind === 'server-restart').length,
      receiverOutages: faults.filter((f) => f.kind === 'receiver-outage').length,
      unplannedWorkerExits: unplannedExits,
      retriedSteps: state.retries,
      driverErrors: state.errors.length,
      staleClockRefusalsLogged: workerOutputs.reduce((n, w) => n + mentions(w.output()), 0),
      tasksFailedByStaleClockGuard: histories.reduce((n, h) => n + mentions(h.json), 0),
    };
    const passed =
      verdicts.every((v) => v.violations.length === 0) &&
      state.errors.length === 0 &&
      summary.cases === profile.cases;
    const finishedAt = Date.now();
    return {
      profile,
      seed,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finishedAt).toISOString(),
      durationSeconds: Math.round((finishedAt - started) / 1000),
      passed,
      summary,
      faults: faults.map((f) => ({ ...f })),
      verdicts,
      driverErrors: state.errors,
      unplannedWorkerExits: unplannedExits,
      evidence,
    };
  } finally {
    stopping = true;
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(baseDir, { recursive: true, force: true });
  }
}

/** The results as Markdown, for people. */
export function resultsMarkdown(r: ChaosResults): string {
  const lines = [
    `# Chaos run ${r.startedAt} (${r.profile.name} profile): ${r.passed ? 'PASSED' : 'FAILED'}`,
    '',
    `Seed ${r.seed}; ${r.durationSeconds} s; ${r.profile.workers} workers; ${r.profile.cases} cases planned.`,
    '',
    '| figure | value |',
    '| --- | --- |',
    ...Object.entries(r.summary).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    '## Invariants',
    '',
    ...r.verdicts.flatMap((v) => [
      `- **${v.name}**: ${v.violations.length === 0 ? 'held' : `${v.violations.length} violation(s)`} — ` +
        Object.entries(v.figures)
          .map(([k, n]) => `${k} ${n}`)
          .join(', '),
      ...v.violations.slice(0, 20).map((x) => `  - ${x}`),
    ]),
    '',
    '## Faults',
    '',
    '| kind | target | at | lasted |',
    '| --- | --- | --- | --- |',
    ...r.faults
      .sort((a, b) => a.atMs - b.atMs)
      .map(
        (f) =>
          `| ${f.kind}${f.detail && f.kind === 'receiver-outage' ? ` (${f.detail})` : ''} | ${f.target} | ${new Date(f.atMs).toISOString()} | ${Math.round(f.durationMs / 1000)} s |`,
      ),
    '',
  ];
  if (r.driverErrors.length > 0) {
    lines.push(
      '## Cases the driver could not finish',
      '',
      ...r.driverErrors.slice(0, 50).map((e) => `- ${e}`),
      '',
    );
  }
  return lines.join('\n');
}
