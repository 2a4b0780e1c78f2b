import { retriesNote } from './delivery-attempts';
import type { z } from 'zod';
import type { Severity } from './categories';
import type { escalationRequestSchema, escalationViewSchema } from '../schemas/escalation-schema';
import { type Notice, noticeFrom } from './notifications';
import type { EscalationTarget } from './routing';
import {
  computeDeadlines,
  DEFAULT_SLA_POLICY,
  pauseClock,
  recordFirstResponse,
  recordResolution,
  recordUpdate,
  resumeClock,
  type SlaClockState,
  type SlaPolicy,
  startClock,
} from './sla';
import type { BusinessCalendar } from './calendar';
import {
  type FilerRole,
  type Gate,
  type GateAnswer,
  gateOf,
  legacyGateOf,
  type ResponseTable,
} from './escalation-gate';

export type { Gate, ResponseTable } from './escalation-gate';

/*
 * Escalations leave the support provider (DOMAIN.md, "Routing" and "Severity gate on escalation"):
 * the gate, the request, and the escalation's lifecycle with its response clocks, as pure
 * functions over plain data (times are epoch ms from the workflow clock).
 */

export const ESCALATION_AREAS = ['app-packaging', 'devices', 'security', 'other'] as const;
export type EscalationArea = (typeof ESCALATION_AREAS)[number];
export const REQUEST_TYPES = ['incident', 'request-for-information', 'change-request'] as const;

export type EscalationRequest = z.infer<typeof escalationRequestSchema>;

export const ESCALATION_STATUSES = [
  'awaiting-approval',
  'filed',
  'acknowledged',
  'declined',
  'resolved',
  'closed-unresponsive',
  'withdrawn',
] as const;
export type EscalationStatus = (typeof ESCALATION_STATUSES)[number];
export const escalationIsOver = (s: EscalationStatus) =>
  s === 'declined' || s === 'resolved' || s === 'closed-unresponsive' || s === 'withdrawn';

/**
 * The gate of a new escalation. `rules` 1 is the gate escalations were filed under before it
 * followed the case (kept for their replay); new escalations use 2, the rule table.
 */
export function gateOfEscalation(input: NewEscalation, rules: 1 | 2): GateAnswer {
  if (rules === 1) return legacyGateOf(input.severity, input.filerIsAdmin);
  return gateOf({
    target: input.target,
    caseSeverity: input.caseSeverity ?? input.severity,
    escalationSeverity: input.severity,
    filer: input.filerIsAdmin ? 'it-admin' : 'escalation-team',
  });
}

export interface EscalationPolicy {
  /** Admin contacts per area; a request in an area without one cannot be filed. */
  adminContacts: Partial<Record<EscalationArea, string>>;
  /** The service's severity table: the response clocks of service-ops escalations. */
  sla: SlaPolicy;
  /** The vendor's and the Microsoft channel's own response expectations (absent before they existed). */
  responseTables?: Partial<Record<Exclude<ResponseTable, 'service'>, SlaPolicy>>;
  calendar: BusinessCalendar;
  approvalReminderMinutes: number;
  unresponsiveCloseHours: number;
  sevAEngagementMinutes: number;
  vendorFollowUpHours: number;
}

export interface FilingContext {
  ownerOpen: boolean;
  deviceIsTestGroup: boolean;
  recommendedTarget: EscalationTarget | null;
  ownerSeverity: Severity;
  openEscalation: string | null;
  /** Absent: the escalation team (the stricter reading). */
  filer?: FilerRole;
}

/** What stops a request from being filed, each naming its rule; empty when it may go ahead. */
export function escalationRefusals(
  request: EscalationRequest,
  ctx: FilingContext,
  policy: EscalationPolicy,
): string[] {
  const refusals: string[] = [];
  if (!ctx.ownerOpen) refusals.push('case.open: the case is resolved or closed.');
  if (ctx.deviceIsTestGroup)
    refusals.push('device.test-group: escalation is not available for devices in the Test group.');
  if (ctx.openEscalation)
    refusals.push(`escalation.one-open: escalation ${ctx.openEscalation} is still open.`);
  const target = request.target ?? ctx.recommendedTarget;
  if (!target)
    refusals.push('target.required: the case has no recommended target; choose one, with a reason.');
  else if (target !== ctx.recommendedTarget && !request.reason) {
    refusals.push(
      `target.reason: ${target} differs from the recommended ${ctx.recommendedTarget ?? 'none'}; give a reason.`,
    );
  }
  const gate = gateOf({
    target: target ?? 'service-ops',
    caseSeverity: ctx.ownerSeverity,
    escalationSeverity: request.severity ?? ctx.ownerSeverity,
    filer: ctx.filer ?? 'escalation-team',
  });
  if (gate.needsAdminContact && !policy.adminContacts[request.category]) {
    refusals.push(
      `admin-contact.${request.category}: no admin contact is configured for the ${request.category} area (CASEFLOW_ADMIN_CONTACTS.${request.category}).`,
    );
  }
  return refusals;
}

export interface EscalationRecord {
  id: string;
  owner: { kind: 'case' | 'incident'; id: string; workflowId: string };
  target: EscalationTarget;
  severity: Severity;
  /** The case's (or incident's) severity when it was filed: the gate follows it. */
  caseSeverity: Severity;
  twentyFourSeven: boolean;
  request: EscalationRequest;
  adminContact: string;
  status: EscalationStatus;
  gate: Gate;
  responseTable: ResponseTable;
  filedBy: string;
  approvedBy: string | null;
  requestedAtMs: number;
  filedAtMs: number | null;
  delivery: { at: number; to: string; externalReference: string | null } | null;
  needsInfo: { message: string; atMs: number } | null;
  resolution: { message: string; atMs: number } | null;
  callbackIds: string[];
  clock: SlaClockState | null;
  firedEvents: string[];
  log: { at: string; type: string; actor: string; reason: string | null; text: string }[];
}

export const SYSTEM = 'caseflow';
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function logged(
  r: EscalationRecord,
  nowMs: number,
  type: string,
  actor: string,
  reason: string | null,
  text: string,
) {
  return { ...r, log: [...r.log, { at: iso(nowMs), type, actor, reason, text }] };
}

export interface NewEscalation {
  id: string;
  owner: EscalationRecord['owner'];
  target: EscalationTarget;
  /** The severity typed on the escalation, or the case's. */
  severity: Severity;
  /** The owner's severity when filing (absent on escalations filed before the gate followed it). */
  caseSeverity?: Severity;
  request: EscalationRequest;
  adminContact: string;
  filedBy: string;
  filerIsAdmin: boolean;
}

export function openEscalation(input: NewEscalation, nowMs: number, rules: 1 | 2 = 2): EscalationRecord {
  const { gate, fileAtOnce, needsAdminContact, responseTable } = gateOfEscalation(input, rules);
  const record: EscalationRecord = {
    id: input.id,
    owner: input.owner,
    target: input.target,
    severity: input.severity,
    caseSeverity: input.caseSeverity ?? input.severity,
    twentyFourSeven: input.severity === 'B' && input.request.twentyFourSeven,
    request: input.request,
    adminContact: needsAdminContact ? input.adminContact : '',
    status: 'awaiting-approval',
    gate,
    responseTable,
    filedBy: input.filedBy,
    approvedBy: null,
    requestedAtMs: nowMs,
    filedAtMs: null,
    delivery: null,
    needsInfo: null,
    resolution: null,
    callbackIds: [],
    clock: null,
    firedEvents: [],
    log: [],
  };
  const opened = logged(
    record,
    nowMs,
    'requested',
    input.filedBy,
    input.request.reason ?? null,
    `Escalation to ${input.target} (Sev ${input.severity}${record.caseSeverity !== input.severity ? ` on a Sev ${record.caseSeverity} case` : ''}, ${input.request.requestType}) requested; gate ${gate}.`,
  );
  return fileAtOnce ? file(opened, input.filedBy, nowMs) : opened;
}

function file(r: EscalationRecord, actor: string, nowMs: number): EscalationRecord {
  const next: EscalationRecord = {
    ...r,
    status: 'filed',
    filedAtMs: nowMs,
    clock: startClock(r.severity, nowMs, { twentyFourSeven: r.twentyFourSeven }),
  };
  return logged(next, nowMs, 'filed', actor, null, `Filed with ${r.target}.`);
}

export type Decision = { ok: true } | { ok: false; reason: string };

export function decideApproval(r: EscalationRecord): Decision {
  return r.status === 'awaiting-approval'
    ? { ok: true }
    : { ok: false, reason: `The escalation is ${r.status}; there is nothing to approve.` };
}

export function approve(r: EscalationRecord, actor: string, reason: string, nowMs: number): EscalationRecord {
  const approved = logged(
    { ...r, approvedBy: actor },
    nowMs,
    'approved',
    actor,
    reason,
    'Approved by an IT admin.',
  );
  return file(approved, actor, nowMs);
}

export function decline(r: EscalationRecord, actor: string, reason: string, nowMs: number): EscalationRecord {
  return logged(
    { ...r, status: 'declined', approvedBy: null },
    nowMs,
    'declined',
    actor,
    reason,
    'Declined; not filed.',
  );
}

export function delivered(
  r: EscalationRecord,
  to: string,
  externalReference: string | null,
  nowMs: number,
  /** The delivery attempt that landed, when known: earlier ones failed and were retried. */
  attempt?: number,
) {
  return logged(
    { ...r, delivery: { at: nowMs, to, externalReference } },
    nowMs,
    'delivered',
    SYSTEM,
    null,
    `Delivered to ${to}${externalReference ? ` (their reference ${externalReference})` : ''}${retriesNote(attempt)}.`,
  );
}

/** Delivery failed for good (nothing to deliver to): the escalation ends, declined by the system. */
export function undeliverable(r: EscalationRecord, failure: string, nowMs: number): EscalationRecord {
  return logged(
    { ...r, status: 'declined' },
    nowMs,
    'undeliverable',
    SYSTEM,
    failure,
    `Could not be delivered to ${r.target}.`,
  );
}

export interface IncomingCallback {
  callbackId: string;
  kind: 'acknowledged' | 'update' | 'needs-info' | 'resolved';
  message: string;
  externalReference?: string;
  /**
   * Who answered, when a signed-in service-ops member answers in the in-app inbox. A party's
   * signed callback cannot carry it (the callback schema is strict): it is recorded as the party.
   */
  actor?: string;
}

export function decideCallback(r: EscalationRecord, target: string, cb: IncomingCallback): Decision {
  if (target !== r.target)
    return { ok: false, reason: `This escalation went to ${r.target}, not ${target}.` };
  if (r.callbackIds.includes(cb.callbackId))
    return { ok: false, reason: `Callback ${cb.callbackId} was already received (replay).` };
  if (r.status === 'awaiting-approval' || escalationIsOver(r.status)) {
    return { ok: false, reason: `The escalation is ${r.status}; it takes no callbacks.` };
  }
  return { ok: true };
}

export function applyCallback(r: EscalationRecord, cb: IncomingCallback, nowMs: number): EscalationRecord {
  const base = { ...r, callbackIds: [...r.callbackIds, cb.callbackId] };
  const clock = base.clock as SlaClockState;
  const actor = cb.actor ?? r.target;
  switch (cb.kind) {
    case 'acknowledged':
      return logged(
        { ...base, status: 'acknowledged', clock: recordFirstResponse(clock, nowMs) },
        nowMs,
        'acknowledged',
        actor,
        null,
        cb.message,
      );
    case 'update':
      return logged(
        {
          ...base,
          clock: recordUpdate(recordFirstResponse(resumeClock(clock, nowMs), nowMs), nowMs),
          needsInfo: null,
        },
        nowMs,
        'update',
        actor,
        null,
        cb.message,
      );
    case 'needs-info':
      return logged(
        {
          ...base,
          needsInfo: { message: cb.message, atMs: nowMs },
          clock: pauseClock(recordUpdate(recordFirstResponse(clock, nowMs), nowMs), 'customer', nowMs),
        },
        nowMs,
        'needs-info',
        actor,
        null,
        cb.message,
      );
    case 'resolved':
      return logged(
        {
          ...base,
          status: 'resolved',
          needsInfo: null,
          resolution: { message: cb.message, atMs: nowMs },
          clock: recordResolution(clock, nowMs),
        },
        nowMs,
        'resolved',
        actor,
        null,
        cb.message,
      );
  }
}

/**
 * The case withdraws the escalation (resolved with `withdrawEscalation`, or closed): it ends at
 * once, and a party it was delivered to must be told (`deliveredWithdrawal`).
 */
export function withdraw(
  r: EscalationRecord,
  actor: string,
  reason: string,
  nowMs: number,
): EscalationRecord {
  return logged(
    { ...r, status: 'withdrawn', needsInfo: null, clock: r.clock ? recordResolution(r.clock, nowMs) : null },
    nowMs,
    'withdrawn',
    actor,
    reason,
    r.delivery ? `Withdrawn; ${r.target} is told.` : 'Withdrawn before it was filed.',
  );
}

export function withdrawalDelivered(r: EscalationRecord, to: string, nowMs: number): EscalationRecord {
  return logged(r, nowMs, 'withdrawal-delivered', SYSTEM, null, `Withdrawal delivered to ${to}.`);
}

export function withdrawalUndelivered(r: EscalationRecord, failure: string, nowMs: number): EscalationRecord {
  return logged(
    r,
    nowMs,
    'withdrawal-undelivered',
    SYSTEM,
    failure,
    `The withdrawal could not be delivered to ${r.target}.`,
  );
}

/** When an unanswered request for action closes the escalation. */
export const needsInfoClosesAt = (r: EscalationRecord, policy: EscalationPolicy): number | null =>
  r.needsInfo ? r.needsInfo.atMs + policy.unresponsiveCloseHours * HOUR_MS : null;

export function decideAnswer(r: EscalationRecord): Decision {
  return r.needsInfo ? { ok: true } : { ok: false, reason: 'The receiving team has not asked for anything.' };
}

export function answered(
  r: EscalationRecord,
  actor: string,
  message: string,
  nowMs: number,
): EscalationRecord {
  return logged(
    { ...r, needsInfo: null, clock: r.clock ? resumeClock(r.clock, nowMs) : null },
    nowMs,
    'answered',
    actor,
    null,
    message,
  );
}

export interface DueEvent {
  atMs: number;
  key: string;
  kind:
    | 'approval-reminder'
    | 'ack-overdue'
    | 'update-overdue'
    | 'engagement-downgrade'
    | 'unresponsive-close'
    | 'vendor-follow-up';
}

/** Timed events not yet fired: overdue responses, reminders, the downgrade and the 48 h close. */
/** The response table the escalation's clocks follow: the service's, or the receiving party's own. */
export function responseSlaOf(r: EscalationRecord, policy: EscalationPolicy): SlaPolicy {
  if (r.responseTable === 'service') return policy.sla;
  return policy.responseTables?.[r.responseTable] ?? DEFAULT_RESPONSE_TABLES[r.responseTable];
}

export function scheduledEvents(r: EscalationRecord, policy: EscalationPolicy, nowMs: number): DueEvent[] {
  const events: DueEvent[] = [];
  // Repeating reminders on a fixed schedule from the start; a late wake fires each missed one once.
  const nth = (prefix: string) => r.firedEvents.filter((k) => k.startsWith(prefix)).length + 1;
  if (r.status === 'awaiting-approval') {
    const n = nth('approval-reminder#');
    events.push({
      atMs: r.requestedAtMs + n * policy.approvalReminderMinutes * MINUTE_MS,
      key: `approval-reminder#${n}`,
      kind: 'approval-reminder',
    });
  }
  if ((r.status === 'filed' || r.status === 'acknowledged') && r.clock) {
    const d = computeDeadlines(responseSlaOf(r, policy), policy.calendar, r.clock, nowMs);
    if (d.firstResponseDue !== null)
      events.push({ atMs: d.firstResponseDue, key: `ack@${d.firstResponseDue}`, kind: 'ack-overdue' });
    if (d.nextUpdateDue !== null)
      events.push({ atMs: d.nextUpdateDue, key: `update@${d.nextUpdateDue}`, kind: 'update-overdue' });
    if (r.needsInfo) {
      events.push({
        atMs: r.needsInfo.atMs + policy.unresponsiveCloseHours * HOUR_MS,
        key: `needs-info@${r.needsInfo.atMs}:close`,
        kind: 'unresponsive-close',
      });
      if (r.severity === 'A') {
        events.push({
          atMs: r.needsInfo.atMs + policy.sevAEngagementMinutes * MINUTE_MS,
          key: `needs-info@${r.needsInfo.atMs}:engagement`,
          kind: 'engagement-downgrade',
        });
      }
    }
    if (r.target === 'vendor' && r.filedAtMs !== null) {
      const every = policy.vendorFollowUpHours * HOUR_MS;
      const n = nth('vendor-follow-up#');
      events.push({ atMs: r.filedAtMs + n * every, key: `vendor-follow-up#${n}`, kind: 'vendor-follow-up' });
    }
  }
  return events.filter((e) => !r.firedEvents.includes(e.key));
}

export function escalationNotice(
  r: EscalationRecord,
  type: Notice['type'],
  key: string,
  summary: string,
  nowMs: number,
  audience: Notice['audience'],
): Notice {
  return noticeFrom({ id: r.id, caseId: r.owner.id, severity: r.severity }, type, key, summary, nowMs, {
    audience,
    details: { escalationId: r.id, target: r.target, status: r.status },
  });
}

export function fire(
  r: EscalationRecord,
  e: DueEvent,
  policy: EscalationPolicy,
  nowMs: number,
): { record: EscalationRecord; notices: Notice[] } {
  const base = { ...r, firedEvents: [...r.firedEvents, e.key] };
  switch (e.kind) {
    case 'approval-reminder':
      return {
        record: logged(
          base,
          nowMs,
          'approval-reminder',
          SYSTEM,
          null,
          'IT admins reminded to file or decline.',
        ),
        notices: [
          escalationNotice(
            base,
            'escalation-approval-reminder',
            e.key,
            `Sev ${r.severity} escalation ${r.id} waits for an IT admin.`,
            nowMs,
            'it-admins',
          ),
        ],
      };
    case 'ack-overdue':
    case 'update-overdue': {
      const what = e.kind === 'ack-overdue' ? 'initial response' : 'update';
      const text = `${r.target} is overdue with its ${what} (due ${iso(e.atMs)}).`;
      return {
        record: logged(base, nowMs, e.kind, SYSTEM, null, text),
        notices: [escalationNotice(base, 'escalation-overdue', e.key, text, nowMs, 'it-admins')],
      };
    }
    case 'engagement-downgrade': {
      const severity: Severity = r.severity === 'A' ? 'B' : 'C';
      const reason = `Sev A needs continuous 24x7 engagement; the request for action went unanswered for ${policy.sevAEngagementMinutes} min`;
      const next = { ...base, severity, clock: base.clock ? { ...base.clock, severity } : null };
      return {
        record: logged(
          next,
          nowMs,
          'severity-downgraded',
          SYSTEM,
          reason,
          `Downgraded from Sev ${r.severity} to Sev ${severity}.`,
        ),
        notices: [
          escalationNotice(
            next,
            'severity-downgraded',
            e.key,
            `Escalation ${r.id} downgraded to Sev ${severity}: ${reason}.`,
            nowMs,
            'it-admins',
          ),
        ],
      };
    }
    case 'unresponsive-close': {
      const reason = `no answer to the request for action within ${policy.unresponsiveCloseHours} h`;
      const next = {
        ...base,
        status: 'closed-unresponsive' as const,
        clock: base.clock ? recordResolution(base.clock, nowMs) : null,
      };
      return {
        record: logged(next, nowMs, 'closed', SYSTEM, reason, 'Mitigated and closed.'),
        notices: [
          escalationNotice(
            next,
            'escalation-closed',
            e.key,
            `Escalation ${r.id} closed: ${reason}.`,
            nowMs,
            'case-team',
          ),
        ],
      };
    }
    case 'vendor-follow-up':
      return {
        record: logged(base, nowMs, 'vendor-follow-up', SYSTEM, null, 'Follow-up with the vendor due.'),
        notices: [
          escalationNotice(
            base,
            'vendor-follow-up',
            e.key,
            `Follow up with the vendor on ${r.delivery?.externalReference ?? r.id}.`,
            nowMs,
            'case-team',
          ),
        ],
      };
  }
}

export function advanceEscalation(r: EscalationRecord, policy: EscalationPolicy, nowMs: number) {
  let current = r;
  const notices: Notice[] = [];
  for (let guard = 0; guard < 50; guard++) {
    const due = scheduledEvents(current, policy, nowMs)
      .filter((e) => e.atMs <= nowMs)
      .sort((a, b) => a.atMs - b.atMs)[0];
    if (!due) break;
    const out = fire(current, due, policy, nowMs);
    current = out.record;
    notices.push(...out.notices);
  }
  return { record: current, notices };
}

export function nextEscalationWake(
  r: EscalationRecord,
  policy: EscalationPolicy,
  nowMs: number,
): number | null {
  const future = scheduledEvents(r, policy, nowMs)
    .map((e) => e.atMs)
    .filter((t) => t > nowMs);
  return future.length ? Math.min(...future) : null;
}

export type EscalationView = z.infer<typeof escalationViewSchema>;

export function escalationView(r: EscalationRecord, policy: EscalationPolicy, nowMs: number): EscalationView {
  const d =
    r.clock && (r.status === 'filed' || r.status === 'acknowledged')
      ? computeDeadlines(responseSlaOf(r, policy), policy.calendar, r.clock, nowMs)
      : null;
  const isoOrNull = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : iso(ms));
  return {
    id: r.id,
    caseId: r.owner.kind === 'case' ? r.owner.id : null,
    incidentId: r.owner.kind === 'incident' ? r.owner.id : null,
    target: r.target,
    severity: r.severity,
    status: r.status,
    gate: r.gate,
    caseSeverity: r.caseSeverity,
    responseTable: r.responseTable,
    filedBy: r.filedBy,
    approvedBy: r.approvedBy,
    requestType: r.request.requestType,
    category: r.request.category,
    subCategory: r.request.subCategory,
    title: r.request.title,
    contact: r.request.contact,
    adminContact: r.adminContact,
    twentyFourSeven: r.twentyFourSeven,
    filedAt: isoOrNull(r.filedAtMs),
    delivery: r.delivery
      ? { at: iso(r.delivery.at), to: r.delivery.to, externalReference: r.delivery.externalReference }
      : null,
    initialResponseDue: isoOrNull(d?.firstResponseDue),
    nextUpdateDue: isoOrNull(d?.nextUpdateDue),
    needsInfo: r.needsInfo
      ? {
          message: r.needsInfo.message,
          at: iso(r.needsInfo.atMs),
          closesAt: iso(r.needsInfo.atMs + policy.unresponsiveCloseHours * HOUR_MS),
        }
      : null,
    resolution: r.resolution ? { message: r.resolution.message, at: iso(r.resolution.atMs) } : null,
    log: r.log,
  };
}

export const DEFAULT_ESCALATION_SLA = DEFAULT_SLA_POLICY;

const BUSINESS_DAY_MINUTES = 8 * 60;
/**
 * What a hardware vendor is expected to answer by default (an OEM's next-business-day support);
 * not the service's table. Deployments set their own contract (CASEFLOW_VENDOR_RESPONSE).
 */
export const DEFAULT_VENDOR_RESPONSE: SlaPolicy = {
  A: {
    firstResponseMinutes: 4 * 60,
    updateCadenceMinutes: 24 * 60,
    resolutionMinutes: 3 * 24 * 60,
    hours: '24x7',
    twentyFourSevenOnRequest: false,
  },
  B: {
    firstResponseMinutes: BUSINESS_DAY_MINUTES,
    updateCadenceMinutes: 2 * BUSINESS_DAY_MINUTES,
    resolutionMinutes: 5 * BUSINESS_DAY_MINUTES,
    hours: 'business-hours',
    twentyFourSevenOnRequest: false,
  },
  C: {
    firstResponseMinutes: 2 * BUSINESS_DAY_MINUTES,
    updateCadenceMinutes: 5 * BUSINESS_DAY_MINUTES,
    resolutionMinutes: 10 * BUSINESS_DAY_MINUTES,
    hours: 'business-hours',
    twentyFourSevenOnRequest: false,
  },
};
/**
 * The organisation's Unified/Premier contract by default; deployments set theirs
 * (CASEFLOW_MICROSOFT_CHANNEL_RESPONSE).
 */
export const DEFAULT_MICROSOFT_CHANNEL_RESPONSE: SlaPolicy = {
  A: {
    firstResponseMinutes: 60,
    updateCadenceMinutes: 4 * 60,
    resolutionMinutes: 24 * 60,
    hours: '24x7',
    twentyFourSevenOnRequest: false,
  },
  B: {
    firstResponseMinutes: 2 * 60,
    updateCadenceMinutes: BUSINESS_DAY_MINUTES,
    resolutionMinutes: 3 * BUSINESS_DAY_MINUTES,
    hours: 'business-hours',
    twentyFourSevenOnRequest: true,
  },
  C: {
    firstResponseMinutes: 4 * 60,
    updateCadenceMinutes: 2 * BUSINESS_DAY_MINUTES,
    resolutionMinutes: 5 * BUSINESS_DAY_MINUTES,
    hours: 'business-hours',
    twentyFourSevenOnRequest: false,
  },
};
export const DEFAULT_RESPONSE_TABLES: Record<Exclude<ResponseTable, 'service'>, SlaPolicy> = {
  vendor: DEFAULT_VENDOR_RESPONSE,
  'microsoft-channel': DEFAULT_MICROSOFT_CHANNEL_RESPONSE,
};
