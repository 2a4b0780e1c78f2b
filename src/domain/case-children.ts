import type { CaseStatus } from './case';
import { type ElevationPolicy, type ElevationRequest, evaluateRequest } from './elevation';
import {
  escalationIsOver,
  type EscalationPolicy,
  escalationRefusals,
  type EscalationRequest,
  type EscalationStatus,
} from './escalation';
import type { FilerRole } from './escalation-gate';
import type { EscalationTarget } from './routing';
import { pauseClock, resumeClock } from './sla';
import {
  ALLOW,
  type CaseElevation,
  type CaseEscalation,
  caseEscalationIsOver,
  type CaseEscalationStatus,
  type CaseRecord,
  type ChildEnding,
  type Decision,
  type EscalationAsk,
  isFinished,
  iso,
  logged,
  notice,
  type Outcome,
  refuse,
  SYSTEM_ACTOR,
} from './case-record';

/* The case's children: JIT elevations and escalations it starts, and the incidents it joins. */

export const unreviewedBreakGlass = (record: CaseRecord): string[] =>
  record.elevations.filter((e) => e.breakGlass && e.review === null).map((e) => e.id);

export const activeElevations = (record: CaseRecord): CaseElevation[] =>
  record.elevations.filter((e) => !e.finished);

export function decideElevationRequest(
  record: CaseRecord,
  request: ElevationRequest,
  policy: ElevationPolicy,
): Decision {
  const { refusals } = evaluateRequest(
    request,
    {
      caseSeverity: record.severity,
      caseDeviceSerial: record.device.serial,
      deviceIsTestGroup: record.device.isTestGroup,
      caseOpen: !isFinished(record.status) && record.status !== 'resolved',
    },
    policy,
  );
  return refusals.length === 0 ? ALLOW : refuse(refusals.map((r) => `${r.rule}: ${r.reason}`).join(' '));
}

export const nextElevationId = (record: CaseRecord): string => `${record.id}.${record.elevations.length + 1}`;

/**
 * An earlier request under the same Idempotency-Key: `same` when it asked for the same thing (the
 * retry gets that elevation), `conflict` when the key was used for another request.
 */
export function elevationForKey(
  record: CaseRecord,
  requestKey: { key: string; fingerprint: string } | undefined,
): { same: CaseElevation } | { conflict: true } | null {
  if (!requestKey) return null;
  const earlier = record.elevations.find((e) => e.requestKey?.key === requestKey.key);
  if (!earlier) return null;
  return earlier.requestKey?.fingerprint === requestKey.fingerprint ? { same: earlier } : { conflict: true };
}

export function elevationStarted(
  record: CaseRecord,
  e: {
    id: string;
    workflowId: string;
    requestedBy: string;
    breakGlass: boolean;
    reason: string;
    requestKey?: { key: string; fingerprint: string };
  },
  nowMs: number,
): CaseRecord {
  const entry: CaseElevation = {
    id: e.id,
    workflowId: e.workflowId,
    requestedBy: e.requestedBy,
    breakGlass: e.breakGlass,
    finished: false,
    outcome: null,
    review: null,
    ...(e.requestKey ? { requestKey: e.requestKey } : {}),
  };
  return logged({ ...record, elevations: [...record.elevations, entry] }, nowMs, {
    type: 'elevation-requested',
    actor: e.requestedBy,
    reason: e.reason,
    text: `JIT elevation ${e.id} requested${e.breakGlass ? ' as break-glass' : ''} (workflow ${e.workflowId}).`,
  });
}

export function elevationFinished(
  record: CaseRecord,
  id: string,
  outcome: string,
  nowMs: number,
): CaseRecord {
  const elevations = record.elevations.map((e) => (e.id === id ? { ...e, finished: true, outcome } : e));
  return logged({ ...record, elevations }, nowMs, {
    type: 'elevation-finished',
    actor: SYSTEM_ACTOR,
    reason: null,
    text: `JIT elevation ${id} finished: ${outcome}.`,
  });
}

/** An elevation still counted as open although its workflow ended by itself: nothing to do. */
export const elevationIsOpen = (record: CaseRecord, id: string): boolean =>
  record.elevations.some((e) => e.id === id && !e.finished);

export function decideBreakGlassReview(record: CaseRecord, elevationId: string, actor: string): Decision {
  const e = record.elevations.find((x) => x.id === elevationId);
  if (!e) return refuse(`No elevation ${elevationId} on this case.`);
  if (!e.breakGlass) return refuse(`Elevation ${elevationId} was not break-glass; it needs no review.`);
  if (e.review) return refuse(`Elevation ${elevationId} was already reviewed by ${e.review.by}.`);
  if (actor === e.requestedBy) return refuse('The person who used break-glass cannot review it.');
  return ALLOW;
}

export function breakGlassReviewed(
  record: CaseRecord,
  elevationId: string,
  actor: string,
  findings: string,
  nowMs: number,
): CaseRecord {
  const elevations = record.elevations.map((e) =>
    e.id === elevationId ? { ...e, review: { by: actor, atMs: nowMs, findings } } : e,
  );
  return logged({ ...record, elevations }, nowMs, {
    type: 'break-glass-reviewed',
    actor,
    reason: findings,
    text: `Post-incident review of break-glass grant ${elevationId} recorded.`,
  });
}

// ------------------------------------------------------------------------------------------------
// Escalations and incidents

export const openEscalationOf = (record: CaseRecord): CaseEscalation | undefined =>
  record.escalations.find((e) => !caseEscalationIsOver(e.status));

/** Open escalations the case has asked to withdraw, or must (it closed): each gets one end signal. */
export const escalationsToWithdraw = (record: CaseRecord): CaseEscalation[] =>
  record.escalations.filter(
    (e) => !caseEscalationIsOver(e.status) && (e.withdrawalRequested === true || isFinished(record.status)),
  );

/** The case withdraws an open escalation: recorded now; the escalation tells its party and ends. */
export function withdrawalRequested(
  record: CaseRecord,
  escalationId: string,
  actor: string,
  reason: string,
  nowMs: number,
): CaseRecord {
  const entry = record.escalations.find((e) => e.id === escalationId);
  if (!entry || caseEscalationIsOver(entry.status) || entry.withdrawalRequested) return record;
  const escalations = record.escalations.map((e) =>
    e.id === escalationId ? { ...e, withdrawalRequested: true, needsInfo: null } : e,
  );
  return logged({ ...record, escalations }, nowMs, {
    type: 'escalation-withdrawn',
    actor,
    reason,
    text: `Escalation ${entry.id} to ${entry.target} withdrawn${entry.status === 'awaiting-approval' ? ' before it was filed' : `; ${entry.target} is told`}.`,
  });
}

/**
 * A child escalation's workflow ended: by its own rules (its status), or failed, terminated,
 * cancelled or timed out. Either way the case stops waiting on it.
 */
export function escalationEnded(
  record: CaseRecord,
  escalationId: string,
  ending: CaseEscalationStatus,
  detail: string | null,
  nowMs: number,
): CaseRecord {
  const entry = record.escalations.find((e) => e.id === escalationId);
  if (!entry || caseEscalationIsOver(entry.status)) return record;
  const escalations = record.escalations.map((e) =>
    e.id === escalationId ? { ...e, status: ending, needsInfo: null } : e,
  );
  let next: CaseRecord = { ...record, escalations };
  if (!isFinished(record.status) && isWaitingOnEscalation(record.status)) {
    next = { ...next, status: 'in-progress', sla: resumeClock(next.sla, nowMs) };
  }
  return logged(next, nowMs, {
    type: 'escalation-changed',
    actor: SYSTEM_ACTOR,
    reason: detail,
    text: `Escalation ${entry.id} ended: ${ending}.`,
  });
}

const isWaitingOnEscalation = (status: CaseStatus): boolean =>
  status === 'waiting-on-vendor' || status === 'waiting-on-escalation' || status === 'escalation-needs-info';

/** Maps how a child workflow failed to the terminal status the case records. */
export function childEndingOf(failureName: string | undefined): ChildEnding {
  switch (failureName) {
    case 'TerminatedFailure':
      return 'terminated';
    case 'CancelledFailure':
      return 'cancelled';
    case 'TimeoutFailure':
      return 'timed-out';
    default:
      return 'failed';
  }
}

export function decideEscalationFiling(
  record: CaseRecord,
  request: EscalationRequest,
  policy: EscalationPolicy,
  filer: FilerRole = 'escalation-team',
): Decision {
  const refusals = escalationRefusals(
    request,
    {
      ownerOpen: !isFinished(record.status) && record.status !== 'resolved',
      deviceIsTestGroup: record.device.isTestGroup,
      recommendedTarget: record.route.target,
      ownerSeverity: record.severity,
      openEscalation: openEscalationOf(record)?.id ?? null,
      filer,
    },
    policy,
  );
  return refusals.length === 0 ? ALLOW : refuse(refusals.join(' '));
}

export function escalationRequested(
  record: CaseRecord,
  e: { id: string; workflowId: string; target: EscalationTarget; actor: string; reason: string | null },
  nowMs: number,
): CaseRecord {
  const entry: CaseEscalation = {
    id: e.id,
    workflowId: e.workflowId,
    target: e.target,
    status: 'awaiting-approval',
    externalReference: null,
  };
  return logged({ ...record, escalations: [...record.escalations, entry] }, nowMs, {
    type: 'escalation-requested',
    actor: e.actor,
    reason: e.reason,
    text: `Escalation ${e.id} to ${e.target} requested (workflow ${e.workflowId}).`,
  });
}

/**
 * The case follows its escalation: waiting on the vendor (the SLA clock paused, charged to the
 * vendor) or on the escalation while it is filed, back in progress when it is over.
 */
export function escalationStatusChanged(
  record: CaseRecord,
  change: {
    escalationId: string;
    status: EscalationStatus;
    message: string | null;
    externalReference: string | null;
    /** Absent from escalations that predate it: then the case does not show asks. */
    needsInfo?: { message: string; atMs: number; closesAtMs: number } | null;
  },
  nowMs: number,
): CaseRecord {
  const entry = record.escalations.find((e) => e.id === change.escalationId);
  if (!entry || isFinished(record.status) || caseEscalationIsOver(entry.status)) return record;
  const asked = change.needsInfo === undefined ? (entry.needsInfo ?? null) : change.needsInfo;
  const askChanged = (asked?.atMs ?? null) !== (entry.needsInfo?.atMs ?? null);
  if (askChanged && !escalationIsOver(change.status)) {
    return escalationAskChanged(record, entry, change, asked, nowMs);
  }
  const statusChanged = entry.status !== change.status;
  if (!statusChanged && entry.externalReference === change.externalReference) return record;
  const escalations = record.escalations.map((e) =>
    e.id === change.escalationId
      ? {
          ...e,
          status: change.status,
          externalReference: change.externalReference,
          needsInfo: escalationIsOver(change.status) ? null : asked,
        }
      : e,
  );
  let next: CaseRecord = { ...record, escalations };
  if (!statusChanged) {
    // Only the receiving party's reference arrived (e.g. the vendor's ticket): record it, nothing else moves.
    return logged(next, nowMs, {
      type: 'escalation-changed',
      actor: entry.target,
      reason: null,
      text: `Escalation ${entry.id}: ${entry.target} reference ${change.externalReference ?? 'none'}.`,
    });
  }
  const waiting = change.status === 'filed' || change.status === 'acknowledged';
  const caseIsWaiting = isWaitingOnEscalation(record.status);
  if (waiting && record.status !== 'resolved') {
    const vendor = entry.target === 'vendor';
    next = {
      ...next,
      status: vendor ? 'waiting-on-vendor' : 'waiting-on-escalation',
      sla: vendor ? pauseClock(next.sla, 'vendor', nowMs) : next.sla,
    };
  } else if (!waiting && caseIsWaiting) {
    next = { ...next, status: 'in-progress', sla: resumeClock(next.sla, nowMs) };
  }
  const detail = change.message ? `: ${change.message}` : '';
  return logged(next, nowMs, {
    type: 'escalation-changed',
    actor: entry.target,
    reason: null,
    text: `Escalation ${entry.id} is ${change.status}${change.externalReference ? ` (ref ${change.externalReference})` : ''}${detail}.`,
  });
}

/**
 * The receiving party asked for something (needs-info), or its ask was answered: the case shows
 * it in `escalation-needs-info` until then, and goes back to waiting on the escalation after.
 */
function escalationAskChanged(
  record: CaseRecord,
  entry: CaseEscalation,
  change: { status: EscalationStatus; externalReference: string | null },
  asked: EscalationAsk | null,
  nowMs: number,
): CaseRecord {
  const escalations = record.escalations.map((e) =>
    e.id === entry.id
      ? { ...e, status: change.status, externalReference: change.externalReference, needsInfo: asked }
      : e,
  );
  const resolved = record.status === 'resolved';
  if (asked) {
    return logged(
      { ...record, escalations, status: resolved ? record.status : 'escalation-needs-info' },
      nowMs,
      {
        type: 'escalation-needs-info',
        actor: entry.target,
        reason: null,
        text: `${entry.target} needs information on escalation ${entry.id}: ${asked.message} (unanswered, it is closed at ${iso(asked.closesAtMs)}).`,
      },
    );
  }
  const back: CaseStatus = entry.target === 'vendor' ? 'waiting-on-vendor' : 'waiting-on-escalation';
  return logged(
    { ...record, escalations, status: record.status === 'escalation-needs-info' ? back : record.status },
    nowMs,
    {
      type: 'escalation-changed',
      actor: SYSTEM_ACTOR,
      reason: null,
      text: `What ${entry.target} asked for on escalation ${entry.id} was answered.`,
    },
  );
}

export function incidentLinked(
  record: CaseRecord,
  incidentId: string,
  actor: string,
  nowMs: number,
): CaseRecord {
  if (record.incidentId === incidentId || isFinished(record.status)) return record;
  return logged({ ...record, incidentId }, nowMs, {
    type: 'incident-linked',
    actor,
    reason: null,
    text: `Linked to multi-user incident ${incidentId}; it is escalated once for all its cases.`,
  });
}

export function incidentResolved(
  record: CaseRecord,
  incidentId: string,
  message: string,
  nowMs: number,
): Outcome {
  if (record.incidentId !== incidentId || isFinished(record.status)) return { record, notices: [] };
  const next = logged(record, nowMs, {
    type: 'incident-resolved',
    actor: SYSTEM_ACTOR,
    reason: null,
    text: `Incident ${incidentId} resolved: ${message}`,
  });
  return {
    record: next,
    notices: [
      notice(
        next,
        nowMs,
        'incident-resolved',
        `incident:${incidentId}:resolved`,
        `Incident ${incidentId} resolved: ${message}`,
      ),
    ],
  };
}
