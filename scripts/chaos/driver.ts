/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return --
   The API's answers are read back as plain JSON, as any HTTP client would; the invariants take typed records. */
import { randomUUID } from 'node:crypto';
import { sendCallback } from './receivers';

/*
 * The load of a chaos run: cases driven through the public API from intake to closure, each
 * step retried through outages the way a patient helpdesk client would (an Idempotency-Key on
 * intake; for other steps, the case is read back first so a step that took effect is not
 * repeated). Nothing here trusts a response body beyond what it needs: the case id comes from
 * the intake's Location, and everything else is read with GET.
 */

export type Scenario = 'plain' | 'elevation' | 'escalation' | 'vendor';
export const SCENARIOS: readonly Scenario[] = ['plain', 'elevation', 'escalation', 'vendor'];

export interface Tokens {
  agent: string;
  escalation: string;
  admin: string;
}

export interface DriverState {
  apiUrl: string;
  tokens: Tokens;
  partySecrets: Record<string, string>;
  cases: { id: string; scenario: Scenario; requesterId: string; escalations: string[] }[];
  elevations: Set<string>;
  escalations: Map<string, string>;
  /** Every password a checkout handed out. */
  checkedOut: Set<string>;
  /** Password → the elevation it was checked out for. */
  checkedOutBy: Map<string, string>;
  /** Elevation id → statuses of checkouts tried after its window (and the grace) had passed. */
  lateProbes: Map<string, number[]>;
  errors: string[];
  /** Steps retried because of an outage (5xx, 429, timeouts, refused connections). */
  retries: number;
  /** Worst wait for an answer to a step, in ms. */
  slowestStepMs: number;
}

export function newDriverState(apiUrl: string, tokens: Tokens, partySecrets: Record<string, string>) {
  const state: DriverState = {
    apiUrl,
    tokens,
    partySecrets,
    cases: [],
    elevations: new Set(),
    escalations: new Map(),
    checkedOut: new Set(),
    checkedOutBy: new Map(),
    lateProbes: new Map(),
    errors: [],
    retries: 0,
    slowestStepMs: 0,
  };
  return state;
}

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  location: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function call(
  apiUrl: string,
  method: 'GET' | 'POST',
  path: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  try {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(45_000),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, json, location: res.headers.get('location') };
  } catch {
    return { status: 0, json: null, location: null };
  }
}

const RETRYABLE = new Set([0, 408, 425, 429, 500, 502, 503, 504]);

class StepFailed extends Error {}

/** One scenario step, retried through outages until `deadline`. */
async function step(
  s: DriverState,
  label: string,
  deadline: number,
  act: () => Promise<Answer>,
  options: { done?: () => Promise<boolean>; retryConflicts?: boolean } = {},
): Promise<Answer | null> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0 && options.done && (await options.done().catch(() => false))) return null;
    const answer = await act();
    s.slowestStepMs = Math.max(s.slowestStepMs, Date.now() - started);
    if (answer.status >= 200 && answer.status < 300) return answer;
    const retry = RETRYABLE.has(answer.status) || (answer.status === 409 && options.retryConflicts === true);
    if (!retry || Date.now() > deadline) {
      throw new StepFailed(`${label}: HTTP ${answer.status} ${JSON.stringify(answer.json)?.slice(0, 300)}`);
    }
    s.retries++;
    await sleep(Math.min(5_000, 500 * 2 ** Math.min(attempt, 4)));
  }
}

/** Polls until `check` holds; reads that fail (an outage) count as not yet. */
async function until(label: string, deadline: number, check: () => Promise<boolean>, everyMs = 1_000) {
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new StepFailed(`${label}: timed out`);
    await sleep(everyMs);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** A GET through outages: a read that cannot be answered now (5xx, no worker) is tried again. */
async function read(s: DriverState, path: string, token = s.tokens.agent): Promise<Json> {
  const deadline = Date.now() + 3 * 60_000;
  for (let attempt = 0; ; attempt++) {
    const a = await call(s.apiUrl, 'GET', path, token);
    if (a.status === 200) return a.json;
    if (!RETRYABLE.has(a.status) || Date.now() > deadline) {
      throw new Error(`GET ${path}: ${a.status} ${JSON.stringify(a.json)?.slice(0, 300)}`);
    }
    s.retries++;
    await sleep(Math.min(5_000, 500 * 2 ** Math.min(attempt, 4)));
  }
}

const INTAKES: Record<Scenario, { title: string; description: string }> = {
  plain: {
    title: 'Skrivaren på plan 3 skriver inte ut',
    description: 'Nätverksskrivaren på plan 3 tar emot jobben men inget kommer ut sedan i morse.',
  },
  elevation: {
    title: 'Print spooler keeps stopping on this laptop',
    description:
      'The print spooler service stops every few minutes; a restart from an elevated shell is needed.',
  },
  escalation: {
    title: 'Intune-policyn blockerar företagsportalen',
    description: 'Compliance policy från tjänsten markerar datorn som inte kompatibel varje natt.',
  },
  vendor: {
    title: 'The laptop battery is swollen',
    description:
      'The battery has swollen and lifts the keyboard; the hardware needs replacing by the vendor.',
  },
};

/** The category each scenario needs, set by an agent when the classifier chose another. */
const NEEDED: Record<Scenario, { category: string; subCategory: string | null; target?: string }> = {
  plain: { category: 'infrastructure', subCategory: 'printer' },
  elevation: { category: 'device', subCategory: null },
  escalation: { category: 'managed-desktop-service', subCategory: 'policy', target: 'service-ops' },
  vendor: { category: 'hardware', subCategory: null, target: 'vendor' },
};

export interface ScenarioOptions {
  index: number;
  scenario: Scenario;
  sharedDevices: number;
  deadline: number;
  runTag: string;
}

/** Drives one case from intake to closure; failures are recorded, never thrown. */
export async function driveCase(s: DriverState, o: ScenarioOptions): Promise<void> {
  let caseId: string | undefined;
  try {
    caseId = await openCase(s, o);
    await triage(s, caseId, o);
    if (o.scenario === 'elevation') await elevate(s, caseId, o);
    if (o.scenario === 'escalation' || o.scenario === 'vendor') await escalate(s, caseId, o);
    await closeCase(s, caseId, o);
  } catch (err) {
    s.errors.push(`case ${caseId ?? `#${o.index}`} (${o.scenario}): ${(err as Error).message}`);
  }
}

async function openCase(s: DriverState, o: ScenarioOptions): Promise<string> {
  const requesterId = `chaos-${o.runTag}-${o.index}`;
  const serial =
    o.scenario === 'elevation'
      ? `CHAOS${o.runTag.toUpperCase()}D${o.index % o.sharedDevices}`
      : `CHAOS${o.runTag.toUpperCase()}C${o.index}`;
  const body = {
    ...INTAKES[o.scenario],
    requester: { id: requesterId, name: 'Chaos Requester', contact: `${requesterId}@example.org` },
    device: { serial, group: 'broad' },
    severity: 'C',
    channel: 'phone',
    externalTicketId: `HD-CHAOS-${o.index}`,
  };
  const key = `chaos-${o.runTag}-${o.index}`;
  const answer = await step(s, 'intake', o.deadline, () =>
    call(s.apiUrl, 'POST', '/v1/cases', s.tokens.agent, body, { 'Idempotency-Key': key }),
  );
  const id = answer?.location?.split('/').pop();
  if (!id) throw new StepFailed(`intake answered ${answer?.status} without a Location`);
  s.cases.push({ id, scenario: o.scenario, requesterId, escalations: [] });
  return id;
}

async function triage(s: DriverState, id: string, o: ScenarioOptions): Promise<void> {
  let view: Json;
  await until('classification', o.deadline, async () => {
    view = await read(s, `/v1/cases/${id}`);
    return view.classification !== null && view.classification !== undefined;
  });
  const needed = NEEDED[o.scenario];
  const fits = needed.target ? view.route?.target === needed.target : view.status !== 'new';
  if (fits) return;
  await step(
    s,
    'category',
    o.deadline,
    () =>
      call(s.apiUrl, 'POST', `/v1/cases/${id}/category`, s.tokens.escalation, {
        category: needed.category,
        subCategory: needed.subCategory,
        reason: 'Triaged by the chaos driver',
      }),
    {
      retryConflicts: true,
      done: async () => (await read(s, `/v1/cases/${id}`)).category === needed.category,
    },
  );
}

async function elevate(s: DriverState, caseId: string, o: ScenarioOptions): Promise<void> {
  const kase = await readEventually(s, `/v1/cases/${caseId}`, o.deadline);
  const requested = await step(
    s,
    'request elevation',
    o.deadline,
    () =>
      call(s.apiUrl, 'POST', `/v1/cases/${caseId}/elevations`, s.tokens.escalation, {
        ticketId: kase.externalTicketId ?? 'HD-CHAOS',
        deviceSerial: kase.device.serial,
        category: 'device',
        title: 'Restart the print spooler',
        planOfAction: 'Restart the spooler service and clear the queue from an elevated shell.',
        actions: ['elevate-shell'],
      }),
    {
      retryConflicts: true,
      done: async () => (await read(s, `/v1/cases/${caseId}`)).elevations.length > 0,
    },
  );
  const id: string =
    requested?.json?.id ?? (await readEventually(s, `/v1/cases/${caseId}`, o.deadline)).elevations[0].id;
  s.elevations.add(id);
  const path = `/v1/elevations/${id}`;
  const elevation = () => read(s, path, s.tokens.escalation);
  await step(
    s,
    'approve elevation',
    o.deadline,
    () => call(s.apiUrl, 'POST', `${path}/approve`, s.tokens.admin, { reason: 'Within policy' }),
    { retryConflicts: true, done: async () => (await elevation()).status !== 'pending-approval' },
  );
  // On a loaded machine a one-minute window can be over before the driver looks: that is an
  // outcome too (the lease still counts in the invariants), not a stuck case.
  const settled = ['active', 'ended', 'grant-failed', 'expired', 'denied'];
  await until('elevation settled', o.deadline, async () => settled.includes((await elevation()).status));
  const over = async () => (await elevation()).status !== 'active';
  if (await over()) return;
  await checkout(s, path, o.deadline, over);
  const variant = o.index % 3;
  if (variant === 1) {
    // An extension, approved by an IT admin, then a fresh checkout and an early release.
    await step(
      s,
      'request extension',
      o.deadline,
      () =>
        call(s.apiUrl, 'POST', `${path}/extensions`, s.tokens.escalation, {
          minutes: 5,
          reason: 'The spooler needs another look',
        }),
      {
        retryConflicts: true,
        done: async () => (await over()) || (await elevation()).pendingExtension !== null,
      },
    );
    if (await over()) return;
    const before = (await elevation()).endsAt as string;
    await step(
      s,
      'approve extension',
      o.deadline,
      () => call(s.apiUrl, 'POST', `${path}/extensions/approve`, s.tokens.admin, { reason: 'Fine' }),
      { retryConflicts: true, done: async () => (await over()) || (await elevation()).endsAt !== before },
    );
    if (await over()) return;
    await checkout(s, path, o.deadline, over);
  }
  if (variant === 2) {
    // The window runs out by itself; a checkout a minute later must be refused.
    await until('window end', o.deadline, async () => (await elevation()).status === 'ended', 2_000);
    const endsAtMs = Date.parse((await elevation()).endsAt);
    await sleep(Math.max(0, endsAtMs + 65_000 - Date.now()));
    const probe = await call(s.apiUrl, 'POST', `${path}/checkout`, s.tokens.escalation);
    s.lateProbes.set(id, [...(s.lateProbes.get(id) ?? []), probe.status]);
    return;
  }
  await step(
    s,
    'release',
    o.deadline,
    () => call(s.apiUrl, 'POST', `${path}/release`, s.tokens.escalation, { reason: 'Spooler fixed' }),
    { retryConflicts: true, done: async () => (await elevation()).status === 'ended' },
  );
}

async function checkout(
  s: DriverState,
  path: string,
  deadline: number,
  over: () => Promise<boolean>,
): Promise<void> {
  const answer = await step(
    s,
    'checkout',
    deadline,
    () => call(s.apiUrl, 'POST', `${path}/checkout`, s.tokens.escalation),
    // A rotation or grant in flight answers 409 for a moment; a lease that ended is refused for good.
    { retryConflicts: true, done: over },
  );
  const password = answer?.json?.password;
  if (typeof password === 'string') {
    s.checkedOut.add(password);
    s.checkedOutBy.set(password, path.split('/').pop() ?? path);
  }
}

async function escalate(s: DriverState, caseId: string, o: ScenarioOptions): Promise<void> {
  const target = NEEDED[o.scenario].target as string;
  const filed = await step(
    s,
    'file escalation',
    o.deadline,
    () =>
      call(s.apiUrl, 'POST', `/v1/cases/${caseId}/escalations`, s.tokens.escalation, {
        target,
        requestType: 'incident',
        category: 'devices',
        subCategory: target === 'vendor' ? 'battery' : 'compliance',
        title:
          target === 'vendor'
            ? 'Swollen battery, replacement needed'
            : 'Service policy marks devices non-compliant',
        description: 'Found while working the case; details are in the case record.',
        contact: 'chaos-agent@provider.example',
        reason: 'Needs the receiving party',
      }),
    {
      retryConflicts: true,
      done: async () => (await read(s, `/v1/cases/${caseId}`)).escalations.length > 0,
    },
  );
  const id: string =
    filed?.json?.id ?? (await readEventually(s, `/v1/cases/${caseId}`, o.deadline)).escalations[0].id;
  s.escalations.set(id, target);
  s.cases.find((c) => c.id === caseId)?.escalations.push(id);
  const escalation = () => read(s, `/v1/escalations/${id}`, s.tokens.admin);
  await until('delivery', o.deadline, async () => (await escalation()).delivery !== null, 2_000);
  const party = { name: target, secret: s.partySecrets[target] as string };
  const callback = async (kind: string, message: string) => {
    const callbackId = `cb-${randomUUID()}`;
    let tried = false;
    for (;;) {
      const res = await sendCallback(s.apiUrl, party, id, { callbackId, kind, message }).catch(() => null);
      const status = res?.status ?? 0;
      if (status === 200) return;
      // A repeat of a callback that did land is refused as a replay: that is success.
      if (status === 409 && tried) return;
      if (!RETRYABLE.has(status) || Date.now() > o.deadline) {
        throw new StepFailed(`callback ${kind}: HTTP ${status} ${res ? await res.text() : ''}`);
      }
      tried = true;
      s.retries++;
      await sleep(2_000);
    }
  };
  await callback('acknowledged', 'Received; looking into it.');
  if (target === 'service-ops' && o.index % 2 === 0) {
    await callback('needs-info', 'Which policy version do the devices report?');
    await until(
      'needs-info on the case',
      o.deadline,
      async () => (await read(s, `/v1/cases/${caseId}`)).status === 'escalation-needs-info',
    );
    await step(
      s,
      'answer',
      o.deadline,
      () =>
        call(s.apiUrl, 'POST', `/v1/escalations/${id}/answer`, s.tokens.agent, { message: 'Version 4.2' }),
      {
        retryConflicts: true,
        done: async () => (await read(s, `/v1/cases/${caseId}`)).status !== 'escalation-needs-info',
      },
    );
  }
  await callback('resolved', 'Fixed on our side.');
  await until('case back in progress', o.deadline, async () => {
    const kase = await read(s, `/v1/cases/${caseId}`);
    const waiting = ['waiting-on-escalation', 'escalation-needs-info', 'waiting-on-vendor'].includes(
      kase.status,
    );
    return kase.escalations.every((e: { status: string }) => e.status === 'resolved') && !waiting;
  });
}

async function closeCase(s: DriverState, id: string, o: ScenarioOptions): Promise<void> {
  const status = async () => (await read(s, `/v1/cases/${id}`)).status as string;
  await step(
    s,
    'resolve',
    o.deadline,
    () =>
      call(s.apiUrl, 'POST', `/v1/cases/${id}/resolve`, s.tokens.agent, {
        resolution: 'Fixed; see the notes.',
      }),
    { retryConflicts: true, done: async () => ['resolved', 'closed'].includes(await status()) },
  );
  await step(
    s,
    'confirm',
    o.deadline,
    () =>
      call(s.apiUrl, 'POST', `/v1/cases/${id}/confirm`, s.tokens.agent, {
        accepted: true,
        comment: 'Works now',
      }),
    { retryConflicts: true, done: async () => (await status()) === 'closed' },
  );
  await until('closed', o.deadline, async () => (await status()) === 'closed');
}

async function readEventually(s: DriverState, path: string, deadline: number): Promise<Json> {
  let value: Json;
  await until(`read ${path}`, deadline, async () => {
    value = await read(s, path);
    return true;
  });
  return value;
}
