import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { generateKey } from '../src/api/auth';
import { ensureDevVaultKeys } from '../src/vault-setup';
import { BenchHttpClient } from './bench/http-client';
import { cpuMs, machineTicks, rssBytes, stolenShare } from './bench/proc';
import { type LimitRow, markdownTable, type RatioRow, summarize, type Summary } from './bench/stats';
import { startDevServer } from './dev-server';
import { repoRoot } from './tools';
import { freePort } from '../test/support/ports';
import { firedTimerDelays } from './bench/timer-delays';

/*
 * `npm run bench`: caseflow against bare Temporal on the same server, in one run. Both sides run
 * the same load in interleaved blocks (bare, caseflow, then caseflow, bare, ...), so whatever else
 * the machine does falls on both alike. "Bare" is a worker whose workflow runs one no-op activity
 * and then waits: the shape of a fresh case. Figures are written to bench-results/; nothing here
 * is asserted by the tests.
 *
 *   npm run bench -- --quick                 a short profile (minutes)
 *   npm run bench                            the full profile (10,000 open cases per side: long)
 *   options: --intake=1:50,16:400,64:800 --blocks=N --rss=0,1000,5000,10000 --timers=1000 --timer-minutes=2 --cache=N --out=DIR
 *            --timer-spread=S    the timer phase's cases open evenly over S seconds (default 60), so
 *                                their timers fall due across one minute; 0 opens them at full speed
 *            --bare-open-max=N   open at most N bare cases in the memory phase (bare RSS beyond it is not read)
 */

interface Profile {
  name: string;
  /** Cases per intake block at each concurrency. */
  intake: { concurrency: number; cases: number }[];
  blocks: number;
  /** Open cases per side at which the workers' RSS is read (0 is read right after start-up). */
  rssLevels: number[];
  /** Cases whose SLA timers fall due within the same minute. */
  timerCases: number;
}

const PROFILES: Record<string, Profile> = {
  quick: {
    name: 'quick',
    intake: [
      { concurrency: 1, cases: 20 },
      { concurrency: 16, cases: 160 },
      { concurrency: 64, cases: 320 },
    ],
    blocks: 2,
    rssLevels: [0, 1000, 2000],
    timerCases: 300,
  },
  full: {
    name: 'full',
    intake: [
      { concurrency: 1, cases: 50 },
      { concurrency: 16, cases: 400 },
      { concurrency: 64, cases: 800 },
    ],
    blocks: 3,
    rssLevels: [0, 1000, 5000, 10_000],
    timerCases: 1000,
  },
};

/** The case's first-response target in the timer phase (Sev A, 24x7): all fall due in one minute. */
let TIMER_SLA_MINUTES = 2;
/** The timer phase's cases open evenly over this long, so their timers fall due over it too. */
let TIMER_SPREAD_SECONDS = 60;
const BARE_WORKFLOW = 'bareCase';
/** No single request may hold the run up for ever (a busy machine answers slowly, not never). */
const REQUEST_TIMEOUT_MS = 60_000;

type Side = 'bare' | 'caseflow';

function parseArgs(argv: string[]) {
  const opts = new Map<string, string>();
  for (const a of argv) {
    const [k, v] = a.replace(/^--/, '').split('=');
    opts.set(k!, v ?? 'true');
  }
  const profile = { ...PROFILES[opts.has('quick') ? 'quick' : (opts.get('profile') ?? 'full')]! };
  if (opts.has('blocks')) profile.blocks = Number(opts.get('blocks'));
  if (opts.has('intake')) {
    profile.intake = opts
      .get('intake')!
      .split(',')
      .map((pair) => pair.split(':').map(Number))
      .map(([concurrency, cases]) => ({ concurrency: concurrency!, cases: cases! }));
  }
  if (opts.has('rss')) profile.rssLevels = opts.get('rss')!.split(',').map(Number);
  if (opts.has('timers')) profile.timerCases = Number(opts.get('timers'));
  if (opts.has('timer-minutes')) TIMER_SLA_MINUTES = Number(opts.get('timer-minutes'));
  if (opts.has('timer-spread')) TIMER_SPREAD_SECONDS = Number(opts.get('timer-spread'));
  const bareOpenMax = opts.has('bare-open-max')
    ? Number(opts.get('bare-open-max'))
    : Number.POSITIVE_INFINITY;
  return {
    profile,
    cache: opts.get('cache'),
    bareOpenMax,
    out: opts.get('out') ?? join(repoRoot, 'bench-results'),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const MiB = 1024 * 1024;

// ------------------------------------------------------------------------------------------------
// Processes

interface Proc {
  name: string;
  child: ChildProcess;
  output: () => string;
  /** Workflow tasks the process reported failing on a nondeterminism error, in its whole run. */
  nondeterminism: () => number;
}

function spawnTsx(name: string, script: string, env: NodeJS.ProcessEnv): Proc {
  // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each process, written when it stops.
  const prof = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', script], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let nondeterminism = 0;
  const append = (c: Buffer) => {
    const text = c.toString();
    nondeterminism += text.match(/TMPRL1100/g)?.length ?? 0;
    out += text;
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return { name, child, output: () => out, nondeterminism: () => nondeterminism };
}

async function waitFor(
  what: string,
  probe: () => boolean | Promise<boolean>,
  timeoutMs: number,
  proc?: Proc,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await Promise.resolve(probe()).catch(() => false)) return;
    if (proc && proc.child.exitCode !== null) throw new Error(`${what}: process exited\n${proc.output()}`);
    await sleep(250);
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000}s${proc ? `\n${proc.output()}` : ''}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

// ------------------------------------------------------------------------------------------------
// The two sides

interface Bench {
  client: Client;
  /** Caseflow's clients: kept-alive node:http, as light on the shared CPU as the bare side's gRPC. */
  http: BenchHttpClient;
  bareQueue: string;
  pids: Record<Side, { name: string; pid: number }[]>;
  workerPid: Record<Side, number>;
  /** Idle CPU rate of each process (ms of CPU per ms of wall time), subtracted from block figures. */
  idleRate: Map<number, number>;
  /** Workflow IDs of every open case per side, oldest first. */
  open: Record<Side, string[]>;
  /** caseflow's worker's Prometheus endpoint. */
  workerMetricsUrl: string;
  /** The bench's own dev server's Prometheus endpoint; none when it uses TEMPORAL_ADDRESS. */
  serverMetricsUrl: string | null;
}

/**
 * The worker's sticky-cache counters (hits, misses, forced evictions), summed over their labels.
 * A miss is a workflow task the worker could not run on its cached case: it fetched the whole
 * history and replayed it first.
 */
async function stickyCacheCounters(b: Bench): Promise<Record<string, number>> {
  const counters: Record<string, number> = {};
  try {
    const text = await (await fetch(b.workerMetricsUrl, { signal: AbortSignal.timeout(5_000) })).text();
    for (const line of text.split('\n')) {
      const m = /^temporal_sticky_cache_(hit|miss|total_forced_eviction)\w*(?:\{[^}]*\})?\s+(\S+)/.exec(line);
      if (m) counters[m[1]!] = (counters[m[1]!] ?? 0) + Number(m[2]);
    }
  } catch {
    // No figure is better than a failed run: the counters only explain the lateness.
  }
  return counters;
}

/**
 * The server's own time answering StartWorkflowExecution so far (its frontend's latency histogram,
 * sum and count): the part of a start or `POST` spent in Temporal, apart from the client and API.
 */
async function serverStartLatency(b: Bench): Promise<{ sum: number; count: number } | null> {
  if (!b.serverMetricsUrl) return null;
  try {
    const text = await (await fetch(b.serverMetricsUrl, { signal: AbortSignal.timeout(5_000) })).text();
    const totals = { sum: 0, count: 0 };
    for (const line of text.split('\n')) {
      const m = /^service_latency_(sum|count)\{([^}]*)\}\s+(\S+)/.exec(line);
      if (!m || !/operation="StartWorkflowExecution"/.test(m[2]!) || !/service_name="frontend"/.test(m[2]!))
        continue;
      if (!m[2]!.includes(`namespace="${b.client.options.namespace}"`)) continue;
      totals[m[1] as 'sum' | 'count'] += Number(m[3]);
    }
    return totals;
  } catch {
    return null;
  }
}

/** Mean server-side start latency in ms between two readings; null without both. */
const meanStartMs = (
  before: { sum: number; count: number } | null,
  after: { sum: number; count: number } | null,
) =>
  before && after && after.count > before.count
    ? ((after.sum - before.sum) * 1000) / (after.count - before.count)
    : null;

const counterDelta = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));

let seq = 0;
function intakeBody(severity: 'A' | 'C' = 'C') {
  seq++;
  return {
    title: 'Skrivaren på plan 3 skriver inte ut',
    description: `Utskrifter fastnar i kön sedan i morse; skrivaren visar inget fel. (${seq})`,
    requester: { id: `u-${seq % 5000}`, name: 'Anna Berg', contact: 'anna.berg@example.org' },
    device: { serial: `PF${(100000 + (seq % 90000)).toString(36).toUpperCase()}`, group: 'broad' },
    severity,
  };
}

/** Starts one case; resolves with its workflow ID once the start (or POST) has been answered. */
async function startOne(b: Bench, side: Side, opts: { severity?: 'A' | 'C'; dueAtMs?: number } = {}) {
  if (side === 'bare') {
    const workflowId = `bare:${randomUUID()}`;
    await b.client.connection.withDeadline(Date.now() + REQUEST_TIMEOUT_MS, () =>
      b.client.workflow.start(BARE_WORKFLOW, {
        taskQueue: b.bareQueue,
        workflowId,
        args: [opts.dueAtMs === undefined ? {} : { dueAtMs: opts.dueAtMs }],
      }),
    );
    return workflowId;
  }
  const res = await b.http.send('POST', '/v1/cases', intakeBody(opts.severity), REQUEST_TIMEOUT_MS);
  const body = JSON.parse(res.body) as { id?: string };
  if (res.status !== 201 || !body.id) throw new Error(`POST /v1/cases answered ${res.status}: ${res.body}`);
  return `case:${body.id}`;
}

/** Runs `n` operations with `concurrency` in flight; returns each one's latency (ms) and result. */
async function pool<T>(n: number, concurrency: number, op: (i: number) => Promise<T>) {
  const latencies: number[] = [];
  const results: T[] = [];
  let next = 0;
  let failures = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        const t0 = performance.now();
        try {
          results[i] = await op(i);
          latencies.push(performance.now() - t0);
        } catch (err) {
          failures++;
          if (failures <= 3) log(`operation failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }),
  );
  return { latencies, results: results.filter((r) => r !== undefined), failures };
}

/**
 * Runs `n` operations started evenly over `spreadMs` (operation i no earlier than i/n of the way
 * through), at most `concurrency` in flight: arrivals at a steady rate, not as fast as a side can.
 */
function paced<T>(n: number, spreadMs: number, concurrency: number, op: (i: number) => Promise<T>) {
  const t0 = Date.now();
  return pool(n, concurrency, async (i) => {
    await sleep(Math.max(0, t0 + (i * spreadMs) / n - Date.now()));
    return op(i);
  });
}

const eventName = (t: temporal.api.enums.v1.EventType | null | undefined) =>
  temporal.api.enums.v1.EventType[t ?? 0] ?? '';
/** A protobuf timestamp or duration (seconds and nanos) in ms. */
const protoMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
const eventMs = (e: temporal.api.history.v1.IHistoryEvent) => protoMs(e.eventTime);

/**
 * A sample of the phase's histories: workflow tasks that timed out (a task left on the sticky
 * queue past its schedule-to-start timeout, 10 s, is moved to the normal queue, where the worker
 * replays the whole history before it can run it), and where each fired timer's lateness went:
 * the server's lag in firing it, the wait for a worker to pick up its task, and the task's run.
 */
async function sampleHistories(b: Bench, workflowIds: string[], sample = 100) {
  const step = Math.max(1, Math.floor(workflowIds.length / sample));
  const picked = workflowIds.filter((_, i) => i % step === 0).slice(0, sample);
  const read = await pool(picked.length, 8, async (i) => {
    const history = await b.client.connection.withDeadline(Date.now() + REQUEST_TIMEOUT_MS, () =>
      b.client.workflow.getHandle(picked[i]!).fetchHistory(),
    );
    const events = history.events ?? [];
    const timeouts = events.filter(
      (e) => eventName(e.eventType) === 'EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT',
    ).length;
    const delays = firedTimerDelays(
      events.map((e) => ({
        type: eventName(e.eventType).replace(/^EVENT_TYPE_/, ''),
        timeMs: eventMs(e),
        timerId: e.timerStartedEventAttributes?.timerId ?? e.timerFiredEventAttributes?.timerId ?? undefined,
        startToFireMs: e.timerStartedEventAttributes
          ? protoMs(e.timerStartedEventAttributes.startToFireTimeout)
          : undefined,
      })),
    );
    return { timeouts, delays };
  });
  const delays = read.results.flatMap((r) => r.delays);
  return {
    sampled: read.results.length,
    withTimeout: read.results.filter((r) => r.timeouts > 0).length,
    timeouts: read.results.reduce((a, r) => a + r.timeouts, 0),
    firedTimers: {
      n: delays.length,
      fireLagMs: summarize(delays.map((d) => d.fireLagMs)),
      pickupMs: summarize(delays.map((d) => d.pickupMs)),
      runMs: summarize(delays.map((d) => d.runMs)),
    },
  };
}

/**
 * Start and classified instants of a workflow, from its history (null if not yet). A workflow
 * whose first task schedules an activity (bare's no-op, or a case started unclassified) counts
 * when that activity completes; a case that opened classified (the API classified its intake)
 * counts when its first task completes, once its timers and state are set.
 */
async function classifiedTimes(
  b: Bench,
  workflowId: string,
): Promise<{ started: number; classified: number } | null> {
  const history = await b.client.connection.withDeadline(Date.now() + REQUEST_TIMEOUT_MS, () =>
    b.client.workflow.getHandle(workflowId).fetchHistory(),
  );
  const events = history.events ?? [];
  const names = events.map((e) => eventName(e.eventType));
  const firstTask = names.indexOf('EVENT_TYPE_WORKFLOW_TASK_COMPLETED');
  if (!events[0] || firstTask < 0) return null;
  const nextTask = names.indexOf('EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', firstTask);
  const scheduledActivity = names
    .slice(firstTask, nextTask < 0 ? undefined : nextTask)
    .includes('EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
  const done = scheduledActivity
    ? events.find((e) => eventName(e.eventType) === 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED')
    : events[firstTask];
  return done ? { started: eventMs(events[0]), classified: eventMs(done) } : null;
}

async function untilClassified(b: Bench, workflowId: string, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    `${workflowId} classified`,
    async () => (await classifiedTimes(b, workflowId)) !== null,
    timeoutMs,
  );
}

function cpuSnapshot(b: Bench, side: Side): Map<number, number> {
  return new Map(b.pids[side].map(({ pid }) => [pid, cpuMs(pid)]));
}

/** CPU ms each process spent since `before`, less its idle rate over the same time. */
function cpuSince(b: Bench, side: Side, before: Map<number, number>, wallMs: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { name, pid } of b.pids[side]) {
    out[name] = Math.max(0, cpuMs(pid) - before.get(pid)! - (b.idleRate.get(pid) ?? 0) * wallMs);
  }
  return out;
}

interface IntakeBlock {
  side: Side;
  concurrency: number;
  cases: number;
  failures: number;
  intakePerSecond: number;
  latencyMs: Summary;
  classifiedPerSecond: number;
  intakeToClassifiedMs: Summary;
  cpuMsPerCase: Record<string, number>;
  /** The share of the machine's CPU the hypervisor took over the block (see stolenShare). */
  stolenShare: number;
  /** The server's mean time answering the block's starts (ms); null when not measured. */
  serverStartMs: number | null;
}

async function intakeBlock(b: Bench, side: Side, concurrency: number, cases: number): Promise<IntakeBlock> {
  const before = cpuSnapshot(b, side);
  const ticks = machineTicks();
  const startsBefore = await serverStartLatency(b);
  const t0 = performance.now();
  const { latencies, results: ids, failures } = await pool(cases, concurrency, () => startOne(b, side));
  const intakeMs = performance.now() - t0;
  const serverStartMs = meanStartMs(startsBefore, await serverStartLatency(b));
  // The CPU window closes when the last case started is classified (see classifiedTimes).
  if (ids.length) await untilClassified(b, ids[ids.length - 1]!);
  const wallMs = performance.now() - t0;
  const cpu = cpuSince(b, side, before, wallMs);
  const stolen = stolenShare(ticks, machineTicks());
  b.open[side].push(...ids);
  const times = (await pool(ids.length, 8, (i) => classifiedTimes(b, ids[i]!))).results.filter(
    (t): t is { started: number; classified: number } => t !== null,
  );
  const span = Math.max(...times.map((t) => t.classified)) - Math.min(...times.map((t) => t.started));
  const perCase = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v / Math.max(1, ids.length)]));
  return {
    side,
    concurrency,
    cases: ids.length,
    failures,
    intakePerSecond: (ids.length * 1000) / intakeMs,
    latencyMs: summarize(latencies),
    classifiedPerSecond: (times.length * 1000) / Math.max(1, span),
    intakeToClassifiedMs: summarize(times.map((t) => t.classified - t.started)),
    cpuMsPerCase: { ...perCase, total: Object.values(perCase).reduce((a, c) => a + c, 0) },
    stolenShare: stolen,
    serverStartMs,
  };
}

interface RssPoint {
  openCases: number;
  /** Bare RSS is NaN at levels above --bare-open-max, where the bare side was not opened that far. */
  rssMiB: Record<Side, number>;
}

async function rssLevel(b: Bench, level: number, bareOpenMax: number): Promise<RssPoint> {
  for (const side of ['bare', 'caseflow'] as const) {
    const missing = (side === 'bare' ? Math.min(level, bareOpenMax) : level) - b.open[side].length;
    if (missing <= 0) continue;
    log(`opening ${missing} ${side} cases (to ${level} open)`);
    const { results } = await pool(missing, 32, () => startOne(b, side));
    // Starts outrun classification, so the worker works through a backlog: allow at least 4 cases a second.
    if (results.length)
      await untilClassified(b, results[results.length - 1]!, Math.max(600_000, missing * 250));
    b.open[side].push(...results);
  }
  await sleep(5_000);
  const rssMiB = {
    bare: level > bareOpenMax ? Number.NaN : rssBytes(b.workerPid.bare) / MiB,
    caseflow: rssBytes(b.workerPid.caseflow) / MiB,
  };
  log(
    `RSS at ${level} open: bare ${rssMiB.bare.toFixed(0)} MiB, caseflow ${rssMiB.caseflow.toFixed(0)} MiB` +
      ` (open: bare ${b.open.bare.length}, caseflow ${b.open.caseflow.length})`,
  );
  return { openCases: level, rssMiB };
}

/** Reads cases that were likely evicted from the worker's cache (the oldest) and recent ones. */
async function afterEviction(b: Bench) {
  const read = async (workflowId: string) => {
    const res = await b.http.send('GET', `/v1/cases/${workflowId.replace(/^case:/, '')}`, undefined, 30_000);
    if (res.status !== 200) throw new Error(`GET answered ${res.status}`);
    JSON.parse(res.body);
  };
  const oldest = b.open.caseflow.slice(0, 20);
  const newest = b.open.caseflow.slice(-20);
  const evicted = await pool(oldest.length, 4, (i) => read(oldest[i]!));
  const cached = await pool(newest.length, 4, (i) => read(newest[i]!));
  return {
    oldestReadMs: summarize(evicted.latencies),
    oldestFailures: evicted.failures,
    newestReadMs: summarize(cached.latencies),
  };
}

const pct = (share: number | undefined) => (share === undefined ? 'n/a' : `${(share * 100).toFixed(1)} %`);

/** Where the sampled fired timers' lateness went, p50 / p99 per side. */
function firedTimerLine(bare: TimerResult, caseflow: TimerResult): string {
  const side = (name: string, t: TimerResult) => {
    const f = t.historySample?.firedTimers;
    if (!f || f.n === 0) return `${name}: none`;
    const pair = (s: { p50: number; p99: number }) => `${s.p50.toFixed(0)} / ${s.p99.toFixed(0)}`;
    return `${name} (${f.n} timers) server fire lag ${pair(f.fireLagMs)}, worker pickup ${pair(f.pickupMs)}, task run ${pair(f.runMs)}`;
  };
  const cpu = (t: TimerResult) =>
    Object.entries(t.firingCpuMs ?? {})
      .map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)}`)
      .join(', ');
  return (
    `Fired timers in those histories, p50 / p99 ms: ${side('bare', bare)}; ${side('caseflow', caseflow)}. ` +
    `CPU s from 5 s before the first due to 10 s after the last: bare ${cpu(bare)}; caseflow ${cpu(caseflow)}; ` +
    `taken by the hypervisor: bare ${pct(bare.firingStolenShare)}, caseflow ${pct(caseflow.firingStolenShare)}.`
  );
}

interface TimerResult {
  side: Side;
  cases: number;
  fired: number;
  latenessMs: Summary;
  dueSpreadSeconds: number;
  /** CPU ms per process from 5 s before the first timer was due to 10 s after the last. */
  firingCpuMs?: Record<string, number>;
  /** The share of the machine's CPU the hypervisor took over that window. */
  firingStolenShare?: number;
  /** Workflow tasks that timed out, in a sample of the phase's histories. */
  historySample?: Awaited<ReturnType<typeof sampleHistories>>;
}

async function bareTimers(b: Bench, n: number): Promise<TimerResult> {
  const slaMs = TIMER_SLA_MINUTES * 60_000;
  const due: number[] = [];
  const { results: ids } = await paced(n, TIMER_SPREAD_SECONDS * 1000, 64, async () => {
    const dueAtMs = Date.now() + slaMs;
    due.push(dueAtMs);
    return startOne(b, 'bare', { dueAtMs });
  });
  log(`bare: ${ids.length} timers due within ${((Math.max(...due) - Math.min(...due)) / 1000).toFixed(0)} s`);
  // CPU over the same window as caseflow's: from 5 s before the first due to 10 s after the last.
  await sleep(Math.max(0, Math.min(...due) - 5_000 - Date.now()));
  const cpuFrom = Date.now();
  const cpuBefore = cpuSnapshot(b, 'bare');
  const ticks = machineTicks();
  await sleep(Math.max(0, Math.max(...due) + 10_000 - Date.now()));
  const firingCpuMs = cpuSince(b, 'bare', cpuBefore, Date.now() - cpuFrom);
  const firingStolenShare = stolenShare(ticks, machineTicks());
  const lateness = (
    await pool(ids.length, 16, (i) =>
      b.client.connection.withDeadline(
        Date.now() + 120_000,
        () => b.client.workflow.getHandle(ids[i]!).result() as Promise<number>,
      ),
    )
  ).results;
  return {
    side: 'bare',
    cases: ids.length,
    fired: lateness.length,
    latenessMs: summarize(lateness),
    dueSpreadSeconds: (Math.max(...due) - Math.min(...due)) / 1000,
    historySample: await sampleHistories(b, ids),
    firingCpuMs,
    firingStolenShare,
  };
}

interface GetProbe {
  listMs: Summary;
  timelineMs: Summary;
  caseMs: Summary;
}

async function probeGets(b: Bench, caseId: string, untilMs: number): Promise<GetProbe> {
  const list: number[] = [];
  const timeline: number[] = [];
  const one: number[] = [];
  const timed = async (path: string, into: number[]) => {
    const t0 = performance.now();
    const res = await b.http.send('GET', path, undefined, REQUEST_TIMEOUT_MS);
    if (res.status === 200) into.push(performance.now() - t0);
  };
  while (Date.now() < untilMs) {
    await timed('/v1/cases?limit=25', list);
    await timed(`/v1/cases/${caseId}/timeline`, timeline);
    await timed(`/v1/cases/${caseId}`, one);
    await sleep(200);
  }
  return { listMs: summarize(list), timelineMs: summarize(timeline), caseMs: summarize(one) };
}

async function caseflowTimers(
  b: Bench,
  n: number,
): Promise<{ timers: TimerResult; underLoad: GetProbe; stickyCache: Record<string, number> }> {
  const stickyBefore = await stickyCacheCounters(b);
  const { results: ids } = await paced(n, TIMER_SPREAD_SECONDS * 1000, 64, () =>
    startOne(b, 'caseflow', { severity: 'A' }),
  );
  const caseIds = ids.map((w) => w.replace(/^case:/, ''));
  type View = {
    sla: {
      firstResponseDue: string | null;
      breaches: { target: string; dueAt: string; breachedAt: string }[];
    };
  };
  // A read refused while the worker is busy (a 503 past the API's deadline) is tried again.
  const read = async (id: string): Promise<View> => {
    for (let attempt = 1; ; attempt++) {
      const res = await b.http.send('GET', `/v1/cases/${id}`, undefined, REQUEST_TIMEOUT_MS);
      if (res.status === 200) return JSON.parse(res.body) as View;
      if (attempt >= 10) throw new Error(`GET /v1/cases/${id} answered ${res.status}: ${res.body}`);
      await sleep(1_000);
    }
  };
  const firstDue = Date.parse((await read(caseIds[0]!)).sla.firstResponseDue ?? '');
  const lastDue = Date.parse((await read(caseIds[caseIds.length - 1]!)).sla.firstResponseDue ?? '');
  log(
    `caseflow: ${caseIds.length} first-response timers due within ${((lastDue - firstDue) / 1000).toFixed(0)} s`,
  );
  // GET /v1/cases and a timeline while the timers fire.
  await sleep(Math.max(0, firstDue - Date.now() - 5_000));
  const cpuFrom = Date.now();
  const cpuBefore = cpuSnapshot(b, 'caseflow');
  const ticks = machineTicks();
  const underLoad = await probeGets(b, caseIds[0]!, lastDue + 10_000);
  const firingCpuMs = cpuSince(b, 'caseflow', cpuBefore, Date.now() - cpuFrom);
  const firingStolenShare = stolenShare(ticks, machineTicks());
  const lateness: number[] = [];
  let pending = caseIds;
  const deadline = Date.now() + 120_000;
  while (pending.length && Date.now() < deadline) {
    const still: string[] = [];
    await pool(pending.length, 16, async (i) => {
      const view = await read(pending[i]!);
      const breach = view.sla.breaches.find((x) => x.target === 'firstResponse');
      if (breach) lateness.push(Date.parse(breach.breachedAt) - Date.parse(breach.dueAt));
      else still.push(pending[i]!);
    });
    pending = still;
    if (pending.length) await sleep(2_000);
  }
  b.open.caseflow.push(...ids);
  const stickyCache = counterDelta(stickyBefore, await stickyCacheCounters(b));
  return {
    stickyCache,
    timers: {
      side: 'caseflow',
      cases: caseIds.length,
      fired: lateness.length,
      latenessMs: summarize(lateness),
      dueSpreadSeconds: (lastDue - firstDue) / 1000,
      historySample: await sampleHistories(b, ids),
      firingCpuMs,
      firingStolenShare,
    },
    underLoad,
  };
}

// ------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { profile, cache, bareOpenMax, out } = parseArgs(process.argv.slice(2));
  const work = mkdtempSync(join(tmpdir(), 'caseflow-bench-'));
  const children: ChildProcess[] = [];
  const cleanup = async () => {
    for (const c of children.reverse()) await stop(c);
    rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    let address = process.env.TEMPORAL_ADDRESS;
    let serverPid: number | null = null;
    let serverMetricsPort: number | null = null;
    if (!address) {
      const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
      serverMetricsPort = metricsPort;
      const server = startDevServer(
        { dataDir: join(work, 'temporal'), ip: '127.0.0.1', port, uiPort: null, httpPort, metricsPort },
        'pipe',
      );
      children.push(server);
      serverPid = server.pid!;
      address = `127.0.0.1:${port}`;
      log(`dev server on ${address} (pid ${serverPid})`);
    }
    const connection = await (async () => {
      for (let i = 0; i < 240; i++) {
        try {
          const c = await Connection.connect({ address, connectTimeout: 1_000 });
          await c.withDeadline(Date.now() + 2_000, () =>
            c.workflowService.describeNamespace({ namespace: 'default' }),
          );
          return c;
        } catch {
          await sleep(500);
        }
      }
      throw new Error(`Temporal at ${address} did not answer`);
    })();
    const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });

    const key = generateKey('bench-agent', ['agent']);
    const keysFile = join(work, 'api-keys.json');
    writeFileSync(keysFile, JSON.stringify([key.entry]), { mode: 0o600 });
    const apiPort = await freePort();
    const workerMetricsPort = await freePort();
    const taskQueue = `bench-caseflow-${randomUUID().slice(0, 8)}`;
    const bareQueue = `bench-bare-${randomUUID().slice(0, 8)}`;
    const env: NodeJS.ProcessEnv = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CASEFLOW_'))),
      TEMPORAL_ADDRESS: address,
      CASEFLOW_DATA_DIR: join(work, 'caseflow'),
      CASEFLOW_API_KEYS_FILE: keysFile,
      CASEFLOW_VAULT_KEYS: ensureDevVaultKeys(join(work, 'caseflow')),
      CASEFLOW_TASK_QUEUE: taskQueue,
      CASEFLOW_WORKER_METRICS_PORT: String(workerMetricsPort),
      CASEFLOW_LOG_LEVEL: 'warn',
      CASEFLOW_HOST: '127.0.0.1',
      PORT: String(apiPort),
      // The timer phase's Sev A cases fall due this long after they open; intake cases are Sev C.
      CASEFLOW_SLA: JSON.stringify({ A: { firstResponseMinutes: TIMER_SLA_MINUTES } }),
      BENCH_BARE_TASK_QUEUE: bareQueue,
      // One principal opens every case: the per-principal limiter is not what is measured (it still
      // runs on every request, with limits the run cannot reach).
      CASEFLOW_RATE_LIMIT_PER_MINUTE: '1000000',
      CASEFLOW_RATE_LIMIT_BURST: '100000',
      ...(cache ? { CASEFLOW_WORKER_CACHED_WORKFLOWS: cache } : {}),
    };
    const worker = spawnTsx('worker', 'src/worker.ts', env);
    const api = spawnTsx('api', 'src/server.ts', env);
    const bare = spawnTsx('bare-worker', 'scripts/bench/bare-worker.ts', env);
    children.push(worker.child, api.child, bare.child);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitFor('the caseflow API', async () => (await fetch(`${apiUrl}/healthz`)).ok, 120_000, api);
    const polled = async (queue: string) => {
      const r = await client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: queue },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      return (r.pollers ?? []).length > 0;
    };
    await waitFor('the bare worker', () => polled(bareQueue), 180_000, bare);
    await waitFor('the caseflow worker', () => polled(taskQueue), 180_000, worker);
    log('worker, API and bare worker are up');

    const server = serverPid ? [{ name: 'server', pid: serverPid }] : [];
    const b: Bench = {
      client,
      http: new BenchHttpClient(apiUrl, key.token),
      bareQueue,
      pids: {
        bare: [...server, { name: 'worker', pid: bare.child.pid! }, { name: 'client', pid: process.pid }],
        caseflow: [
          ...server,
          { name: 'worker', pid: worker.child.pid! },
          { name: 'api', pid: api.child.pid! },
          { name: 'client', pid: process.pid },
        ],
      },
      workerPid: { bare: bare.child.pid!, caseflow: worker.child.pid! },
      workerMetricsUrl: `http://127.0.0.1:${workerMetricsPort}/metrics`,
      serverMetricsUrl: serverMetricsPort ? `http://127.0.0.1:${serverMetricsPort}/metrics` : null,
      idleRate: new Map(),
      open: { bare: [], caseflow: [] },
    };
    // Warm both sides up (first bundles, connections, JIT), then measure what idle costs.
    await pool(10, 2, () => startOne(b, 'bare')).then((r) => b.open.bare.push(...r.results));
    await pool(10, 2, () => startOne(b, 'caseflow')).then((r) => b.open.caseflow.push(...r.results));
    await untilClassified(b, b.open.caseflow.at(-1)!);
    await untilClassified(b, b.open.bare.at(-1)!);
    const allPids = [...new Set([...b.pids.bare, ...b.pids.caseflow].map((p) => p.pid))];
    const idle0 = new Map(allPids.map((pid) => [pid, cpuMs(pid)]));
    await sleep(5_000);
    for (const pid of allPids) b.idleRate.set(pid, (cpuMs(pid) - idle0.get(pid)!) / 5_000);

    // Memory first: then the intake blocks run with as many cases open as a busy deployment has.
    const rss: RssPoint[] = [];
    for (const level of profile.rssLevels) {
      if (level === 0) {
        rss.push({
          openCases: b.open.caseflow.length,
          rssMiB: { bare: rssBytes(b.workerPid.bare) / MiB, caseflow: rssBytes(b.workerPid.caseflow) / MiB },
        });
        log(
          `RSS at start: bare ${rss[0]!.rssMiB.bare.toFixed(0)} MiB, caseflow ${rss[0]!.rssMiB.caseflow.toFixed(0)} MiB`,
        );
      } else rss.push(await rssLevel(b, level, bareOpenMax));
    }
    const eviction = await afterEviction(b);
    log(
      `reads of the oldest cases (evicted, replayed): p50 ${eviction.oldestReadMs.p50.toFixed(0)} ms, max ${eviction.oldestReadMs.max.toFixed(0)} ms`,
    );

    const blocks: IntakeBlock[] = [];
    for (let round = 0; round < profile.blocks; round++) {
      for (const { concurrency, cases } of profile.intake) {
        const order: Side[] = (round + concurrency) % 2 === 0 ? ['bare', 'caseflow'] : ['caseflow', 'bare'];
        for (const side of order) {
          const r = await intakeBlock(b, side, concurrency, cases);
          blocks.push(r);
          log(
            `round ${round + 1}/${profile.blocks} ${side.padEnd(8)} c=${String(concurrency).padStart(2)}: ` +
              `${r.intakePerSecond.toFixed(1)} starts/s, p50/p99 ${r.latencyMs.p50.toFixed(0)}/${r.latencyMs.p99.toFixed(0)} ms, ` +
              `${r.classifiedPerSecond.toFixed(1)} classified/s, CPU ${r.cpuMsPerCase.total!.toFixed(1)} ms/case, ` +
              `${pct(r.stolenShare)} stolen, server start ${r.serverStartMs?.toFixed(0) ?? 'n/a'} ms`,
          );
        }
      }
    }

    const noTimers: TimerResult = {
      side: 'bare',
      cases: 0,
      fired: 0,
      latenessMs: summarize([]),
      dueSpreadSeconds: 0,
    };
    const idleGets = await probeGets(b, b.open.caseflow.at(-1)!.replace(/^case:/, ''), Date.now() + 5_000);
    let bareT = noTimers;
    let cf: { timers: TimerResult; underLoad: GetProbe; stickyCache: Record<string, number> } = {
      timers: { ...noTimers, side: 'caseflow' },
      underLoad: idleGets,
      stickyCache: {},
    };
    if (profile.timerCases > 0) {
      log(
        `timers: ${profile.timerCases} per side, opened over ${TIMER_SPREAD_SECONDS} s, due ${TIMER_SLA_MINUTES} min after they open`,
      );
      bareT = await bareTimers(b, profile.timerCases);
      log(
        `bare timers: p99 lateness ${bareT.latenessMs.p99.toFixed(0)} ms (${bareT.fired}/${bareT.cases} fired)`,
      );
      cf = await caseflowTimers(b, profile.timerCases);
      log(
        `caseflow timers: p99 lateness ${cf.timers.latenessMs.p99.toFixed(0)} ms (${cf.timers.fired}/${cf.timers.cases} fired); worker sticky cache ${JSON.stringify(cf.stickyCache)}`,
      );
    }

    // ---- figures and ratios
    const merged = (side: Side, c: number) => {
      const rs = blocks.filter((x) => x.side === side && x.concurrency === c);
      const mean = (f: (x: IntakeBlock) => number) => rs.reduce((a, x) => a + f(x), 0) / rs.length;
      return {
        intakePerSecond: mean((x) => x.intakePerSecond),
        p50: mean((x) => x.latencyMs.p50),
        p99: mean((x) => x.latencyMs.p99),
        classifiedPerSecond: mean((x) => x.classifiedPerSecond),
        toClassifiedP50: mean((x) => x.intakeToClassifiedMs.p50),
        toClassifiedP99: mean((x) => x.intakeToClassifiedMs.p99),
        cpu: mean((x) => x.cpuMsPerCase.total!),
      };
    };
    const row = (
      name: string,
      unit: string,
      better: 'higher' | 'lower',
      target: number | null,
      f: (s: Side) => number,
    ): RatioRow => ({
      name,
      unit,
      better,
      target,
      bare: f('bare'),
      caseflow: f('caseflow'),
    });
    const firstCached = rss.find((p) => p.openCases > rss[0]!.openCases);
    const perWorkflow = (s: Side) =>
      firstCached
        ? (firstCached.rssMiB[s] - rss[0]!.rssMiB[s]) / (firstCached.openCases - rss[0]!.openCases)
        : Number.NaN;
    const top = rss.at(-1)!;
    const rows: RatioRow[] = [
      row('intake at 16 clients', 'per s', 'higher', 0.9, (s) => merged(s, 16).intakePerSecond),
      row('intake at 64 clients', 'per s', 'higher', 0.9, (s) => merged(s, 64).intakePerSecond),
      row('intake at 1 client', 'per s', 'higher', null, (s) => merged(s, 1).intakePerSecond),
      row('start / POST p50 at 16 clients', 'ms', 'lower', null, (s) => merged(s, 16).p50),
      row('start / POST p99 at 16 clients', 'ms', 'lower', 1.2, (s) => merged(s, 16).p99),
      row('start / POST p99 at 64 clients', 'ms', 'lower', 1.2, (s) => merged(s, 64).p99),
      row('cases classified at 16 clients', 'per s', 'higher', 0.9, (s) => merged(s, 16).classifiedPerSecond),
      row('cases classified at 64 clients', 'per s', 'higher', 0.9, (s) => merged(s, 64).classifiedPerSecond),
      row('intake → classified p50, one at a time', 'ms', 'lower', 1.2, (s) => merged(s, 1).toClassifiedP50),
      row('intake → classified p99, one at a time', 'ms', 'lower', null, (s) => merged(s, 1).toClassifiedP99),
      row('CPU per case at 16 clients', 'ms', 'lower', 1.3, (s) => merged(s, 16).cpu),
      row('CPU per case at 64 clients', 'ms', 'lower', 1.3, (s) => merged(s, 64).cpu),
      row('worker RSS per cached open workflow', 'MiB', 'lower', null, perWorkflow),
      row(`worker RSS with ${top.openCases} open cases`, 'MiB', 'lower', null, (s) => top.rssMiB[s]),
      row(
        'timer lateness p99',
        'ms',
        'lower',
        null,
        (s) => (s === 'bare' ? bareT : cf.timers).latenessMs.p99,
      ),
    ];
    const limits: LimitRow[] = [
      {
        name: `worker RSS with ${top.openCases} open cases`,
        unit: 'MiB',
        value: top.rssMiB.caseflow,
        limit: 1024,
      },
      {
        name: `${cf.timers.cases} SLA timers due within ${cf.timers.dueSpreadSeconds.toFixed(0)} s, p99 lateness`,
        unit: 'ms',
        value: cf.timers.latenessMs.p99,
        limit: 2000,
      },
      {
        name: 'SLA timers that did not fire',
        unit: 'cases',
        value: cf.timers.cases - cf.timers.fired,
        limit: 0,
      },
      { name: 'reads of evicted cases that failed', unit: 'cases', value: eviction.oldestFailures, limit: 0 },
    ].filter((l) => cf.timers.cases > 0 || !/SLA timers/.test(l.name));
    const commit = (() => {
      try {
        return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot }).toString().trim();
      } catch {
        return 'unknown';
      }
    })();
    const date = new Date().toISOString();
    const results = {
      date,
      commit,
      profile,
      timerPhase: { spreadSeconds: TIMER_SPREAD_SECONDS, slaMinutes: TIMER_SLA_MINUTES },
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        memoryGiB: totalmem() / 1024 ** 3,
        node: process.version,
      },
      temporal: process.env.TEMPORAL_ADDRESS ? 'external' : 'dev server (SQLite) started by the bench',
      workerCachedWorkflows: cache ?? 'configured default',
      bareOpenMax: Number.isFinite(bareOpenMax) ? bareOpenMax : null,
      rows,
      limits,
      rss,
      eviction,
      blocks,
      timers: { bare: bareT, caseflow: cf.timers },
      gets: { idle: idleGets, underTimerLoad: cf.underLoad },
      // The caseflow worker's sticky-cache hits, misses and forced evictions over its timer phase.
      timerPhaseStickyCache: cf.stickyCache,
      // A run of thousands of cases doubles as a check that none of them hit a replay failure.
      nondeterminismErrors: { worker: worker.nondeterminism(), api: api.nondeterminism() },
    };
    mkdirSync(out, { recursive: true });
    const stem = `${date.slice(0, 10)}-${profile.name}-${commit}`;
    writeFileSync(join(out, `${stem}.json`), `${JSON.stringify(results, null, 2)}\n`);
    const gets = (g: GetProbe) =>
      `GET /v1/cases p50/p99 ${g.listMs.p50.toFixed(0)}/${g.listMs.p99.toFixed(0)} ms, ` +
      `timeline ${g.timelineMs.p50.toFixed(0)}/${g.timelineMs.p99.toFixed(0)} ms, ` +
      `one case ${g.caseMs.p50.toFixed(0)}/${g.caseMs.p99.toFixed(0)} ms`;
    const md = [
      `# Benchmark ${date} (${profile.name} profile, commit ${commit})`,
      '',
      `${results.machine.cpus} × ${results.machine.cpuModel ?? 'CPU'}, ${results.machine.memoryGiB.toFixed(0)} GiB, Node ${process.version}; ${results.temporal}.`,
      `Interleaved blocks: ${profile.blocks} rounds of ${profile.intake.map((i) => `${i.cases} cases at ${i.concurrency}`).join(', ')} per side.`,
      '',
      markdownTable(rows, limits),
      '',
      ...(cf.timers.cases > 0
        ? [
            `Timer phase: ${cf.timers.cases} cases per side opened evenly over ${TIMER_SPREAD_SECONDS} s, due ${TIMER_SLA_MINUTES} min after opening (bare due within ${bareT.dueSpreadSeconds.toFixed(0)} s, caseflow within ${cf.timers.dueSpreadSeconds.toFixed(0)} s); p50 lateness bare ${bareT.latenessMs.p50.toFixed(0)} ms, caseflow ${cf.timers.latenessMs.p50.toFixed(0)} ms. caseflow worker's sticky cache over the phase: ${JSON.stringify(cf.stickyCache)}; workflow tasks timed out in ${cf.timers.historySample?.sampled ?? 0} sampled histories: bare ${bareT.historySample?.timeouts ?? 0}, caseflow ${cf.timers.historySample?.timeouts ?? 0}. ${firedTimerLine(bareT, cf.timers)}`,
          ]
        : []),
      `GET under the timer load: ${gets(cf.underLoad)}; idle: ${gets(idleGets)}.`,
      `Reads of the 20 oldest open cases (evicted from the cache, replayed): p50 ${eviction.oldestReadMs.p50.toFixed(0)} ms, max ${eviction.oldestReadMs.max.toFixed(0)} ms; of the 20 newest: p50 ${eviction.newestReadMs.p50.toFixed(0)} ms.`,
      `Worker RSS by open cases (MiB): ${rss.map((p) => `${p.openCases}: bare ${p.rssMiB.bare.toFixed(0)}, caseflow ${p.rssMiB.caseflow.toFixed(0)}`).join('; ')}.`,
      `Nondeterminism errors reported: worker ${results.nondeterminismErrors.worker}, API ${results.nondeterminismErrors.api}.`,
      `Server's mean time answering a start, per intake block (side, clients: ms): ${blocks
        .map((k) => `${k.side} ${k.concurrency}: ${k.serverStartMs?.toFixed(0) ?? 'n/a'}`)
        .join(', ')}.`,
      `CPU taken by the hypervisor per intake block (side, clients: share): ${blocks
        .map((k) => `${k.side} ${k.concurrency}: ${pct(k.stolenShare)}`)
        .join(', ')}.`,
      '',
    ].join('\n');
    writeFileSync(join(out, `${stem}.md`), md);
    console.log(`\n${md}`);
    log(`results in ${join(out, stem)}.{json,md}`);
    b.http.close();
    await connection.close();
  } finally {
    await cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
