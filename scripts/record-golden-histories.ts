/**
 * Records the golden histories that test/workflow/golden-replay.test.ts replays: real runs of every
 * workflow path on the Java time-skipping test server, saved as JSON under test/fixtures/histories.
 * A workflow change that cannot replay them would break the cases that are open when it ships.
 *
 *   npm run golden:record     (or: npx tsx scripts/record-golden-histories.ts)
 *
 * Re-record only when a change is meant to alter histories and open cases are handled (see the
 * README, "Changing a workflow safely"); commit the new files with the change that needs them.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '../src/temporal/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { ArchiveResult } from '../src/activities/archive';
import type { EscalationDelivery, EscalationReceipt } from '../src/activities/escalation-delivery';
import type { CaseView } from '../src/domain/case';
import { DEFAULT_CASE_POLICY } from '../src/domain/case-policy';
import type { ElevationRequest, ElevationView } from '../src/domain/elevation';
import type { EscalationView, IncomingCallback } from '../src/domain/escalation';
import type { EscalationTarget } from '../src/domain/routing';
import { createFileVault, type CredentialVault } from '../src/vault/credential-vault';
import { createRecordingDeviceAdapter } from '../src/vault/device-adapters';
import { generateVaultKey, parseVaultKeys } from '../src/vault/keyring';
import { openClassifiedCase } from '../src/domain/case-lifecycle';
import { createClassifier } from '../src/activities/classification';
import { personalIndexFromEnv } from '../src/temporal/personal-index';
import { caseSearchAttributes } from '../src/temporal/search-attributes';
import { supportCase } from '../src/workflows';
import * as em from '../src/workflows/elevation.messages';
import * as xm from '../src/workflows/escalation.messages';
import * as m from '../src/workflows/supportCase.messages';
import {
  caseInput,
  elevationRequest,
  escalationRequest,
  HOUR,
  MINUTE,
  recordingNotifier,
} from '../test/support/case-fixtures';
import { searchableHistoryText } from '../test/support/secret-scan';
import { startTimeSkipping, testWorker } from '../test/support/time-skipping';

const FIXTURES_DIR = join(__dirname, '..', 'test', 'fixtures', 'histories');
const CONTACTS = { devices: 'it-devices@example.org', other: 'it@example.org' };
/** A fixed recording key, so the hashed attributes in the histories are the same at every recording. */
const PERSONAL_INDEX = personalIndexFromEnv({
  CASEFLOW_SEARCH_ATTRIBUTE_KEYS: `g1:${Buffer.alloc(32, 7).toString('base64')}`,
});

/** Per workflow type, a text of its input that only a decoded payload can show. */
const PAYLOAD_MARKERS: Record<string, string> = {
  supportCase: 'erik.lund@example.org',
  elevation: 'Repair the print spooler',
  elevationLease: 'Repair the print spooler',
  deviceAccount: 'esc-1',
  escalation: 'Service policy removes the VPN profile',
};

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];
type CaseHandle = WorkflowHandle<typeof supportCase>;

interface Recorded {
  name: string;
  covers: string;
  workflowType: string;
  state: string;
  events: number;
  /** Text the history carries only inside a payload: finding it proves the scan decodes payloads. */
  mustContain: string;
  json: string;
}

let env: TestWorkflowEnvironment;
let taskQueue: string;
let vault: CredentialVault;
const recorded: Recorded[] = [];
/** Every password checked out of the vault while recording: none may appear in any history. */
const passwords: string[] = [];

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(read: () => Promise<T>, predicate: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (predicate(value)) return value;
    await delay(50);
  }
  throw new Error(`${what} not reached: ${JSON.stringify(await read())}`);
}
const untilCase = (h: WorkflowHandle, p: (c: CaseView) => boolean) =>
  until(() => h.query(m.getCase), p, `case ${h.workflowId}`);
const untilElevation = (h: WorkflowHandle, p: (v: ElevationView) => boolean) =>
  until(() => h.query(em.getElevation), p, `elevation ${h.workflowId}`);
const untilEscalation = (h: WorkflowHandle, p: (v: EscalationView) => boolean) =>
  until(() => h.query(xm.getEscalation), p, `escalation ${h.workflowId}`);

/** Pairs of (opening event, closing events): a history is settled when every opened one is closed. */
const OPEN_CLOSE: [keyof HistoryEvent, (keyof HistoryEvent)[]][] = [
  [
    'workflowTaskScheduledEventAttributes',
    [
      'workflowTaskCompletedEventAttributes',
      'workflowTaskFailedEventAttributes',
      'workflowTaskTimedOutEventAttributes',
    ],
  ],
  [
    'activityTaskScheduledEventAttributes',
    [
      'activityTaskCompletedEventAttributes',
      'activityTaskFailedEventAttributes',
      'activityTaskTimedOutEventAttributes',
      'activityTaskCanceledEventAttributes',
    ],
  ],
  [
    'startChildWorkflowExecutionInitiatedEventAttributes',
    ['childWorkflowExecutionStartedEventAttributes', 'startChildWorkflowExecutionFailedEventAttributes'],
  ],
  [
    'signalExternalWorkflowExecutionInitiatedEventAttributes',
    [
      'externalWorkflowExecutionSignaledEventAttributes',
      'signalExternalWorkflowExecutionFailedEventAttributes',
    ],
  ],
];

function isSettled(history: History): boolean {
  const events = history.events ?? [];
  return OPEN_CLOSE.every(([open, closes]) => {
    const opened = events.filter((e) => e[open]).length;
    const closed = events.filter((e) => closes.some((c) => e[c])).length;
    return opened === closed;
  });
}

/**
 * The workflow's history once nothing is in flight (no workflow task, activity, child start or
 * signal pending), so a mid-life history ends where a worker would have left it.
 */
async function settledHistory(handle: WorkflowHandle): Promise<History> {
  for (let i = 0; i < 200; i++) {
    const history = await handle.fetchHistory();
    if (isSettled(history)) return history;
    await delay(50);
  }
  throw new Error(`${handle.workflowId}: history did not settle`);
}

async function capture(name: string, covers: string, handle: WorkflowHandle) {
  const history = await settledHistory(handle);
  const events = history.events ?? [];
  if (events.some((e) => e.workflowTaskFailedEventAttributes)) {
    throw new Error(`${name}: the history holds a failed workflow task; fix the workflow first`);
  }
  const last = events.at(-1);
  const state = last?.workflowExecutionCompletedEventAttributes
    ? 'completed'
    : last?.workflowExecutionContinuedAsNewEventAttributes
      ? 'continued as new'
      : last?.workflowExecutionFailedEventAttributes
        ? 'failed'
        : 'running';
  if (state === 'failed') throw new Error(`${name}: the workflow failed`);
  const workflowType =
    events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? 'unknown workflow type';
  const json = `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`;
  const mustContain = PAYLOAD_MARKERS[workflowType];
  if (!mustContain) throw new Error(`${name}: no payload marker for ${workflowType}`);
  recorded.push({ name, covers, workflowType, state, events: events.length, mustContain, json });
  console.log(`  ${name}: ${workflowType}, ${state}, ${events.length} events`);
}

const classifyIntake = createClassifier();

async function openCase(
  intake: Parameters<typeof caseInput>[0] = {},
  policy: Parameters<typeof caseInput>[1] = {},
): Promise<{ handle: CaseHandle; serial: string }> {
  const base = caseInput(intake, {
    escalation: { ...DEFAULT_CASE_POLICY.escalation, adminContacts: CONTACTS },
    ...policy,
  });
  // As the API opens a case: the start sets every attribute, the requester and the device indexed
  // by keyed hash, participants indexed from the first run.
  const personalIndex = {
    requesterId: PERSONAL_INDEX.indexed('RequesterId', base.intake.requester.id),
    deviceSerial: PERSONAL_INDEX.indexed('DeviceSerial', base.intake.device.serial),
  };
  // The API classifies the intake before the start, so the case opens classified.
  const classification = classifyIntake({
    title: base.intake.title,
    description: base.intake.description,
    categoryHint: base.intake.categoryHint,
  });
  const input = {
    ...base,
    indexedAtStart: true,
    indexesParticipants: true,
    quietDeliveries: true,
    localNotifications: true,
    personalIndex,
    classification,
  };
  const handle = await env.client.workflow.start(supportCase, {
    workflowId: m.caseWorkflowId(input.id),
    taskQueue,
    args: [input],
    typedSearchAttributes: caseSearchAttributes(openClassifiedCase(input, classification, Date.now()), {
      personal: personalIndex,
    }),
  });
  await untilCase(handle, (c) => c.classification !== null);
  return { handle, serial: input.intake.device.serial };
}

// ---- elevations ------------------------------------------------------------------------------

async function requestElevation(
  handle: CaseHandle,
  serial: string,
  overrides: Partial<ElevationRequest> = {},
) {
  const { elevationId, workflowId } = await handle.executeUpdate(m.requestElevation, {
    args: [{ actor: 'esc-1', request: elevationRequest(serial, overrides) }],
  });
  return { elevationId, handle: env.client.workflow.getHandle(workflowId) };
}

/** What the API does on checkout: read the vault, then tell the elevation who took the password. */
async function checkout(elevationId: string, handle: WorkflowHandle): Promise<void> {
  const atMs = await env.currentTimeMs();
  const { password } = await vault.checkoutLease(elevationId, atMs);
  if (password.length < 20) throw new Error(`${elevationId}: implausible password from the vault`);
  passwords.push(password);
  await handle.signal(em.passwordCheckedOut, { actor: 'esc-1', atMs });
  await untilElevation(handle, (v) => v.log.some((l) => l.type === 'checked-out'));
}

/** A device of its own per elevation path, so each device owner's history tells one story. */
let devices = 0;
const ownDevice = () => ({ device: { serial: `GOLDEN${++devices}`, group: 'broad' } });

async function elevationWindowEnded() {
  const { handle, serial } = await openCase(ownDevice());
  const e = await requestElevation(handle, serial);
  await e.handle.executeUpdate(em.approveElevation, {
    args: [{ actor: 'admin-1', reason: 'Plan reviewed', acknowledgeNotRecommended: false }],
  });
  await checkout(e.elevationId, e.handle);
  await env.sleep(2 * HOUR + MINUTE);
  await untilElevation(e.handle, (v) => v.accessClosedAt !== null);
  await e.handle.result();
  await untilCase(handle, (c) => c.elevations[0]?.finished === true);
  await capture(
    'elevation-window-ended-rotated',
    'Elevation: requested, approved by an IT admin, password checked out, expiry warning, the 2 h window ends on its timer, password rotated.',
    e.handle,
  );
  await capture(
    'device-account-post-use-rotation',
    'Device account owner (running, idle): one lease granted with a fresh password, the lease closed in the vault when its window ended, the password rotated at once after use.',
    env.client.workflow.getHandle(`device:${serial}`),
  );
  await capture(
    'elevation-window-ended-rotated-case',
    'The case of that elevation (still running): the requestElevation update starts the child, which reports back when it ends.',
    handle,
  );
}

async function deviceSharedRotated() {
  const first = await openCase(ownDevice());
  const second = await openCase({ device: { serial: first.serial, group: 'broad' } });
  const a = await requestElevation(first.handle, first.serial, { durationMinutes: 180 });
  const b = await requestElevation(second.handle, first.serial);
  for (const e of [a, b]) {
    await e.handle.executeUpdate(em.approveElevation, {
      args: [{ actor: 'admin-1', reason: 'Plan reviewed', acknowledgeNotRecommended: false }],
    });
    await checkout(e.elevationId, e.handle);
  }
  await b.handle.executeUpdate(em.releaseElevation, {
    args: [{ actor: 'esc-1', reason: 'Done on my side', actorIsAdmin: false }],
  });
  await untilElevation(b.handle, (v) => v.accessClosedAt !== null);
  await env.sleep(2 * HOUR + MINUTE);
  await untilElevation(a.handle, (v) => v.log.some((l) => l.type === 'password-rotated'));
  await checkout(a.elevationId, a.handle);
  await a.handle.executeUpdate(em.releaseElevation, {
    args: [{ actor: 'esc-1', reason: 'Done', actorIsAdmin: false }],
  });
  await untilElevation(a.handle, (v) => v.accessClosedAt !== null);
  await a.handle.result();
  await capture(
    'device-account-shared-rotated',
    'Device account owner (running): two cases lease one device and share its password; one leaves (lease closed, no rotation); the password reaches 2 h with a 3 h lease open and is rotated (holder checks out again); the last leaves, post-use rotation.',
    env.client.workflow.getHandle(`device:${first.serial}`),
  );
  await capture(
    'elevation-lease-rotated-at-two-hours',
    'Elevation holding a 3 h lease: shares the device, told of the 2 h rotation, checks out again, released.',
    a.handle,
  );
}

async function elevationReleased() {
  const { handle, serial } = await openCase(ownDevice());
  const e = await requestElevation(handle, serial);
  await e.handle.executeUpdate(em.approveElevation, {
    args: [{ actor: 'admin-1', reason: 'Plan reviewed', acknowledgeNotRecommended: false }],
  });
  await checkout(e.elevationId, e.handle);
  await e.handle.executeUpdate(em.requestExtension, {
    args: [{ actor: 'esc-1', minutes: 30, reason: 'Reboot pending' }],
  });
  await e.handle.executeUpdate(em.approveExtension, { args: [{ actor: 'admin-2', reason: 'ok' }] });
  await e.handle.executeUpdate(em.releaseElevation, {
    args: [{ actor: 'esc-1', reason: 'Done early', actorIsAdmin: false }],
  });
  await e.handle.result();
  await capture(
    'elevation-released',
    'Elevation: approved, checked out, extended (requested and approved by another person), released early by the requester, password rotated at once.',
    e.handle,
  );
}

async function elevationExpired() {
  const { handle, serial } = await openCase(ownDevice());
  const e = await requestElevation(handle, serial);
  await env.sleep(61 * MINUTE);
  await untilElevation(e.handle, (v) => v.status === 'expired');
  await e.handle.result();
  await capture(
    'elevation-expired',
    'Elevation: nobody decides; approval reminder 15 min before, expired after 60 min, never granted.',
    e.handle,
  );
}

async function elevationBreakGlass() {
  const { handle, serial } = await openCase({ severity: 'A', ...ownDevice() });
  const e = await requestElevation(handle, serial, {
    breakGlass: { reason: 'Production line down, no admin reachable' },
  });
  await untilElevation(e.handle, (v) => v.status === 'active');
  await checkout(e.elevationId, e.handle);
  await e.handle.executeUpdate(em.releaseElevation, {
    args: [{ actor: 'esc-1', reason: 'Line running', actorIsAdmin: false }],
  });
  await e.handle.result();
  await untilCase(handle, (c) => c.elevations[0]?.finished === true);
  await handle.executeUpdate(m.reviewBreakGlass, {
    args: [
      { actor: 'admin-1', elevationId: e.elevationId, findings: 'Justified; spooler fault documented.' },
    ],
  });
  await handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'Spooler fixed.' }] });
  await handle.signal(m.requesterConfirmed, { actor: 'helpdesk', accepted: true, comment: 'Tack!' });
  await handle.result();
  await capture(
    'elevation-break-glass-reviewed',
    'Sev A case: break-glass elevation (self-approved, IT admins alerted), checkout, release, post-incident review by an IT admin, resolved, confirmed, closed.',
    handle,
  );
  await capture(
    'elevation-break-glass-reviewed-elevation',
    'The break-glass elevation itself: self-approval, grant, checkout, release, rotation.',
    e.handle,
  );
}

// ---- escalations -----------------------------------------------------------------------------

const ESCALATION_CASE = {
  title: 'Intune-policyn blockerar VPN',
  description: 'Compliance policy från tjänsten tar bort VPN-profilen.',
};

async function fileEscalation(handle: CaseHandle, overrides: Parameters<typeof escalationRequest>[0] = {}) {
  const { escalationId, workflowId } = await handle.executeUpdate(m.fileEscalation, {
    args: [{ actor: 'esc-1', actorIsAdmin: false, request: escalationRequest(overrides) }],
  });
  return { escalationId, handle: env.client.workflow.getHandle(workflowId) };
}

const callback = (
  e: { handle: WorkflowHandle },
  callbackId: string,
  kind: IncomingCallback['kind'],
  message: string,
  target: EscalationTarget = 'service-ops',
) =>
  e.handle.executeUpdate(xm.receiveCallback, {
    args: [{ target, callback: { callbackId, kind, message } }],
  });

async function escalationSevCResolved() {
  const { handle } = await openCase({ ...ESCALATION_CASE, severity: 'C' });
  const e = await fileEscalation(handle);
  await untilEscalation(e.handle, (x) => x.delivery !== null);
  await untilCase(handle, (c) => c.status === 'waiting-on-escalation');
  await callback(e, 'cb-ack-1', 'acknowledged', 'Looking into the compliance policy');
  await callback(e, 'cb-update-1', 'update', 'Policy change scheduled for tonight');
  await callback(e, 'cb-resolved-1', 'resolved', 'The VPN profile is excluded from the policy');
  await e.handle.result();
  await untilCase(handle, (c) => c.status === 'in-progress');
  await handle.executeUpdate(m.resolve, {
    args: [{ actor: 'kim', resolution: 'Service operations fixed the policy.' }],
  });
  await handle.signal(m.requesterConfirmed, { actor: 'helpdesk', accepted: true, comment: 'VPN works' });
  await handle.result();
  await capture(
    'escalation-sev-c-filed-resolved',
    'Escalation: Sev C filed at once by the escalation team, delivered (fixed receipt), acknowledged, updated, resolved by service operations.',
    e.handle,
  );
  await capture(
    'escalation-sev-c-filed-resolved-case',
    'Its case: files the escalation, waits on it, back in progress on its resolution, resolved, confirmed, closed.',
    handle,
  );
}

const HARDWARE_CASE = {
  title: 'Skärmen är sprucken',
  description: 'Skärmen sprack när datorn föll i golvet.',
};

async function escalationVendorDirect() {
  const { handle } = await openCase({ ...HARDWARE_CASE, severity: 'A' });
  const e = await fileEscalation(handle, { target: 'vendor', category: 'security', reason: undefined });
  await untilEscalation(e.handle, (x) => x.delivery !== null);
  await untilCase(handle, (c) => c.status === 'waiting-on-vendor');
  await capture(
    'escalation-vendor-direct',
    "Escalation (still running): a Sev A hardware hand-off by the escalation team, filed at once (gate vendor-direct, patched('gate-follows-case')), no admin-area contact, on the vendor's response table.",
    e.handle,
  );
  await capture(
    'escalation-vendor-direct-case',
    "Its case (still running): the escalation started under patched('durable-children') (abandoned at continue-as-new), waiting on the vendor.",
    handle,
  );
}

async function escalationWithdrawn() {
  const { handle } = await openCase({ ...ESCALATION_CASE, severity: 'C' });
  const e = await fileEscalation(handle);
  await untilEscalation(e.handle, (x) => x.delivery !== null);
  await handle.executeUpdate(m.resolve, {
    args: [{ actor: 'kim', resolution: 'Worked around it locally.', withdrawEscalation: true }],
  });
  await e.handle.result();
  await untilCase(handle, (c) => c.escalations[0]?.status === 'withdrawn');
  await capture(
    'escalation-withdrawn',
    'Escalation: Sev C filed and delivered; its case resolves with withdrawEscalation, the escalation ends withdrawn and the party gets a signed escalation-withdrawn delivery.',
    e.handle,
  );
  await capture(
    'escalation-withdrawn-case',
    'Its case (still running, resolved): resolve with withdrawEscalation signals the withdrawal; the escalation reports withdrawn and its result is awaited.',
    handle,
  );
}

async function escalationNeedsInfo() {
  const { handle } = await openCase({ ...ESCALATION_CASE, severity: 'C' });
  const e = await fileEscalation(handle);
  await untilEscalation(e.handle, (x) => x.delivery !== null);
  await callback(e, 'cb-ni-1', 'needs-info', 'Which policy version do the devices report?');
  await untilCase(handle, (c) => c.status === 'escalation-needs-info');
  await e.handle.executeUpdate(xm.answerNeedsInfo, { args: [{ actor: 'kim', message: 'Version 4.2' }] });
  await untilCase(handle, (c) => c.status === 'waiting-on-escalation');
  await capture(
    'escalation-needs-info',
    "Escalation (still running): needs-info from service operations under patched('needs-info-visible'): the case and the IT admins are notified; answered.",
    e.handle,
  );
  await capture(
    'escalation-needs-info-case',
    'Its case (still running): escalation-needs-info with the deadline, back to waiting on the escalation once answered.',
    handle,
  );
}

async function escalationCancelled() {
  const { handle } = await openCase({ ...ESCALATION_CASE, severity: 'C' });
  const e = await fileEscalation(handle);
  await untilEscalation(e.handle, (x) => x.delivery !== null);
  await e.handle.cancel();
  await untilCase(handle, (c) => c.escalations[0]?.status === 'cancelled');
  await capture(
    'escalation-cancelled-case',
    "Case (still running): its escalation's workflow is cancelled; the awaited child result maps it to cancelled and the case is back in progress.",
    handle,
  );
}

async function caseHandsOverEscalation() {
  const { handle } = await openCase(HARDWARE_CASE, { continueAsNewAfterActions: 10 });
  const firstRunId = (await handle.describe()).runId;
  const e = await fileEscalation(handle, { target: 'vendor', reason: undefined });
  await untilEscalation(e.handle, (x) => x.delivery !== null);
  await untilCase(handle, (c) => c.status === 'waiting-on-vendor');
  for (let i = 0; i < 10; i++) {
    await handle.executeUpdate(m.addNote, {
      args: [{ actor: 'kim', text: `Waiting on the vendor ${i}`, visibleToRequester: false }],
    });
  }
  const latest = env.client.workflow.getHandle(handle.workflowId);
  await untilCase(latest, (c) => c.log.some((l) => l.type === 'continued-as-new'));
  if ((await latest.describe()).runId === firstRunId) throw new Error('the case did not continue as new');
  await callback(e, 'cb-v-resolved', 'resolved', 'Panel replaced', 'vendor');
  await e.handle.result();
  await untilCase(latest, (c) => c.status === 'in-progress');
  await capture(
    'case-hands-over-escalation',
    'Case, first run (policy continueAsNewAfterActions 10): a vendor escalation open, 10 notes, continue-as-new with a bounded summary; the escalation is handed over.',
    env.client.workflow.getHandle(handle.workflowId, firstRunId),
  );
  await capture(
    'case-hands-over-escalation-second-run',
    "The same case, second run (still running): the handed-over escalation's resolution reaches it by signal.",
    latest,
  );
}

async function escalationSevBApproved() {
  const { handle } = await openCase({ ...ESCALATION_CASE, severity: 'B' });
  const e = await fileEscalation(handle);
  await untilEscalation(e.handle, (x) => x.status === 'awaiting-approval');
  await e.handle.executeUpdate(xm.approveEscalation, {
    args: [{ actor: 'admin-1', reason: 'Confirmed impact' }],
  });
  await untilEscalation(e.handle, (x) => x.delivery !== null);
  await callback(e, 'cb-ack-2', 'acknowledged', 'Received');
  await untilCase(handle, (c) => c.status === 'waiting-on-escalation');
  await capture(
    'escalation-sev-b-approved',
    'Escalation (still running): Sev B held at the gate, approved by an IT admin, delivered, acknowledged; awaiting the resolution.',
    e.handle,
  );
  await capture(
    'escalation-sev-b-approved-case',
    'Its case (still running): waiting on the escalation.',
    handle,
  );
}

async function escalationDeclined() {
  const { handle } = await openCase({ ...ESCALATION_CASE, severity: 'B' });
  const e = await fileEscalation(handle);
  await env.sleep(31 * MINUTE);
  await untilEscalation(e.handle, (x) => x.log.some((l) => l.type === 'approval-reminder'));
  await e.handle.executeUpdate(xm.declineEscalation, {
    args: [{ actor: 'admin-1', reason: 'Provider can fix it' }],
  });
  await e.handle.result();
  await untilCase(handle, (c) => c.status !== 'waiting-on-escalation');
  await capture(
    'escalation-declined',
    'Escalation: Sev B held at the gate, IT admins reminded after 30 min, declined; never delivered.',
    e.handle,
  );
  await capture(
    'escalation-declined-case',
    'Its case (still running): back from the declined escalation.',
    handle,
  );
}

// ---- cases -----------------------------------------------------------------------------------

async function caseTriagedOpen() {
  const { handle } = await openCase();
  await handle.executeUpdate(m.assign, {
    args: [{ actor: 'lead', tier: 'tier-1', assignee: 'kim', reason: 'queue' }],
  });
  await handle.executeUpdate(m.requestInfo, { args: [{ actor: 'kim', question: 'Vilken version?' }] });
  await handle.signal(m.requesterReplied, { actor: 'helpdesk', message: 'Version 2408' });
  await untilCase(handle, (c) => c.status === 'in-progress');
  await capture(
    'case-triaged-open',
    'Case (still running): classified and triaged, assigned, information requested (SLA paused), the requester replies (SLA resumed).',
    handle,
  );
}

async function caseResolvedConfirmed() {
  const { handle } = await openCase();
  await handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'Reparerade Office.' }] });
  await handle.signal(m.requesterConfirmed, { actor: 'helpdesk', accepted: true, comment: 'Tack!' });
  await handle.result();
  await capture(
    'case-resolved-confirmed-closed',
    'Case: classified, resolved, the requester confirms, closed (resolution and closure notices).',
    handle,
  );
}

async function caseUnresponsiveClose() {
  const { handle } = await openCase({ severity: 'C' });
  await handle.executeUpdate(m.requestInfo, {
    args: [{ actor: 'kim', question: 'Kan du skicka en skärmbild?' }],
  });
  await env.sleep(10 * HOUR);
  await handle.executeUpdate(m.requestInfo, { args: [{ actor: 'kim', question: 'Påminnelse: skärmbild?' }] });
  await handle.result();
  await capture(
    'case-unresponsive-close',
    'Case (Sev C): two requests for information go unanswered; reminder 24 h before, closed-unresponsive 48 h after the last one.',
    handle,
  );
}

async function caseAutoClose() {
  const { handle } = await openCase();
  await handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'Fixed.' }] });
  await handle.result();
  await capture(
    'case-auto-close',
    'Case: resolved, nobody answers the resolution, closed after 5 days.',
    handle,
  );
}

async function caseReopened() {
  const { handle } = await openCase({ severity: 'B', twentyFourSeven: true });
  await env.sleep(HOUR);
  await handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'Restarted the service.' }] });
  await env.sleep(2 * HOUR);
  await handle.signal(m.requesterConfirmed, { actor: 'helpdesk', accepted: false, comment: 'Still broken' });
  await untilCase(handle, (c) => c.status === 'in-progress');
  await handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'Replaced the profile.' }] });
  await handle.executeUpdate(m.reopen, { args: [{ actor: 'lead', reason: 'Same fault reported by phone' }] });
  await handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'New profile and cache.' }] });
  await handle.signal(m.requesterConfirmed, { actor: 'helpdesk', accepted: true, comment: 'Works now' });
  await handle.result();
  await capture(
    'case-reopened',
    'Case (Sev B 24x7): resolved, rejected by the requester (reopen 1), resolved, reopened by an agent (reopen 2), resolved, confirmed, closed.',
    handle,
  );
}

async function caseContinuedAsNew() {
  const { handle } = await openCase(
    { severity: 'B', twentyFourSeven: true },
    { continueAsNewAfterEvents: 100 },
  );
  const firstRunId = (await handle.describe()).runId;
  await env.sleep(20 * MINUTE);
  await handle.executeUpdate(m.requestInfo, { args: [{ actor: 'kim', question: 'Fråga?' }] });
  await env.sleep(10 * MINUTE);
  await handle.signal(m.requesterReplied, { actor: 'helpdesk', message: 'Svar' });
  for (let i = 0; i < 40; i++) {
    await handle.executeUpdate(m.addNote, {
      args: [{ actor: 'kim', text: `note ${i}`, visibleToRequester: i % 10 === 0 }],
    });
  }
  const latest = env.client.workflow.getHandle(handle.workflowId);
  await untilCase(latest, (c) => c.log.some((e) => e.type === 'continued-as-new'));
  if ((await latest.describe()).runId === firstRunId) throw new Error('the case did not continue as new');
  await capture(
    'case-continued-as-new',
    'Case, first run (policy continueAsNewAfterEvents 100): request-info, reply and 40 notes, then continue-as-new after all handlers finished.',
    env.client.workflow.getHandle(handle.workflowId, firstRunId),
  );
  await latest.executeUpdate(m.assign, {
    args: [{ actor: 'kim', tier: 'tier-2', assignee: 'ola', reason: 'next' }],
  });
  await capture(
    'case-continued-as-new-second-run',
    'The same case, second run (still running): resumes from the handed-over record (no classification), one assignment.',
    latest,
  );
}

async function caseClosedArchived() {
  const { handle } = await openCase({}, { archiveOnClose: true });
  await handle.executeUpdate(m.resolve, { args: [{ actor: 'kim', resolution: 'Reparerade Office.' }] });
  await handle.signal(m.requesterConfirmed, { actor: 'helpdesk', accepted: true, comment: 'Tack!' });
  await handle.result();
  await capture(
    'case-closed-archived',
    'Case (policy archiveOnClose): resolved, confirmed, closed; the closing notices as local-activity markers and the abandoned archiver child start.',
    handle,
  );
}

// ---- main ------------------------------------------------------------------------------------

function checkSecretsAndWrite(): void {
  if (passwords.length === 0) throw new Error('no password was checked out: the secret scan proves nothing');
  for (const r of recorded) {
    const text = searchableHistoryText(r.json);
    if (r.json.includes(r.mustContain) || !text.includes(r.mustContain)) {
      throw new Error(`${r.name}: ${r.mustContain} not found in decoded payloads; the scan is not decoding`);
    }
    if (passwords.some((p) => text.includes(p))) {
      throw new Error(`${r.name}: a vault password is in the history; nothing is written`);
    }
  }

  mkdirSync(FIXTURES_DIR, { recursive: true });
  for (const file of readdirSync(FIXTURES_DIR)) {
    if (file.endsWith('.json')) rmSync(join(FIXTURES_DIR, file));
  }
  const sorted = [...recorded].sort((a, b) => a.name.localeCompare(b.name));
  for (const r of sorted) writeFileSync(join(FIXTURES_DIR, `${r.name}.json`), r.json);
  const rows = sorted.map(
    (r) => `| \`${r.name}.json\` | \`${r.workflowType}\` | ${r.state}, ${r.events} events | ${r.covers} |`,
  );
  writeFileSync(
    join(FIXTURES_DIR, 'README.md'),
    [
      '# Golden histories',
      '',
      'Histories of real workflow runs on the time-skipping test server, recorded by',
      '`npm run golden:record` (`scripts/record-golden-histories.ts`) and replayed against the current',
      'workflow code by `test/workflow/golden-replay.test.ts` in `npm test`. A change that cannot replay',
      'them would break cases that are open when it ships: guard it with `patched()` instead of',
      're-recording (see the README, "Changing a workflow safely").',
      '',
      'Histories marked "running" were fetched mid-life, as a worker would find an open case.',
      '`recorded-2026-11/` keeps the histories recorded before the escalation gate followed the case,',
      'children became durable state and histories were bounded; `recorded-2026-12-02/` those recorded',
      'before cases were opened with hashed personal attributes and without the participants patch',
      'marker; `recorded-2026-12-02b/` those of cases opened unclassified, whose first run classified',
      'them with the `classifyCase` activity (as a case still does when its starter gives no',
      'classification); `recorded-2026-12-02c/` those of cases whose loop woke on every notification',
      'delivery (cancelling and restarting its timer); `recorded-2026-12-03/` those of cases that sent',
      'every notice as a `notify` activity and recorded patch markers (cases opened since send notices',
      'as local activities and record none). They stand for cases opened then and replay',
      'through the `patched()` branches',
      'and input checks that keep the old behaviour. The recorder never rewrites them.',
      'The recorder checked every decoded payload for the vault passwords it checked out: none is here.',
      '',
      '| file | workflow | state | path it covers |',
      '| --- | --- | --- | --- |',
      ...rows,
      '',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'caseflow-golden-'));
  env = await startTimeSkipping();
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  try {
    vault = createFileVault({
      path: join(dir, 'vault.json'),
      keyring: parseVaultKeys(generateVaultKey('g1')),
    });
    const device = createRecordingDeviceAdapter({ logPath: join(dir, 'device.jsonl') });
    const notifier = recordingNotifier();
    const archiveCase = ({ caseId }: { caseId: string }): Promise<ArchiveResult> =>
      Promise.resolve({ path: `archive/case-${caseId}`, chainHead: 'a'.repeat(64), files: 4 });
    const deliverEscalation = (d: EscalationDelivery): Promise<EscalationReceipt> =>
      Promise.resolve({
        deliveredTo: `https://${d.target}.test/escalations`,
        status: 201,
        externalReference: 'T-1001',
        attempt: 1,
      });
    const created = await testWorker(
      env,
      { ...notifier.activities, deliverEscalation, archiveCase },
      { elevation: { vault, device, account: 'jit-admin', client: env.client } },
    );
    taskQueue = created.taskQueue;
    worker = created.worker;
    running = worker.run();

    // Workflows left running (mid-life paths) are not terminated, and the paths that leave a child
    // open past its parent's run (hand-over, archive-on-close) come last, after every long sleep: a case that closes while a child of it is still open (cancelled, or abandoned like
    // the archiver) can leave the Java test server's time skipping locked, and a later env.sleep would
    // then wait in real time.
    const paths: [string, () => Promise<void>][] = [
      ['case: triaged, open', caseTriagedOpen],
      ['case: resolved, confirmed, closed', caseResolvedConfirmed],
      ['case: reopened', caseReopened],
      ['case: continued as new', caseContinuedAsNew],
      ['elevation: released', elevationReleased],
      ['elevation: break-glass, reviewed', elevationBreakGlass],
      ['escalation: Sev C filed, resolved', escalationSevCResolved],
      ['escalation: Sev B approved', escalationSevBApproved],
      ['escalation: declined', escalationDeclined],
      ['elevation: expired', elevationExpired],
      ['elevation: window ended, rotated', elevationWindowEnded],
      ['device: shared, rotated at 2 h', deviceSharedRotated],
      ['case: unresponsive close', caseUnresponsiveClose],
      ['case: auto-close', caseAutoClose],
      ['escalation: vendor direct', escalationVendorDirect],
      ['escalation: withdrawn', escalationWithdrawn],
      ['escalation: needs-info', escalationNeedsInfo],
      ['escalation: cancelled', escalationCancelled],
      ['case: hands over an escalation', caseHandsOverEscalation],
      ['case: closed and archived', caseClosedArchived],
    ];
    for (const [title, record] of paths) {
      const t = Date.now();
      console.log(`${title}`);
      await record();
      console.log(`  (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    }
    checkSecretsAndWrite();
  } finally {
    worker?.shutdown();
    await running;
    await env.teardown();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `recorded ${recorded.length} histories in ${FIXTURES_DIR} (${((Date.now() - started) / 1000).toFixed(0)} s); ` +
      `${passwords.length} checked-out passwords found in none`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
