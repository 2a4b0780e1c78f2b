import type { CaseCategory, Severity } from './categories';
import { INFRASTRUCTURE_SUBCATEGORIES } from './categories';
import {
  type Breach,
  type CaseLogEntry,
  type CaseLogPage,
  type CaseStatus,
  type CaseUpdateView,
  type CaseView,
  type ClassificationRecord,
  type NewCase,
  TEST_DEVICE_GROUP,
  type Tier,
  TIERS,
} from './case';
import type { CasePolicy } from './case-policy';
import { type ElevationPolicy, type ElevationRequest, evaluateRequest } from './elevation';
import {
  type EscalationPolicy,
  type EscalationRequest,
  escalationIsOver,
  escalationRefusals,
  type EscalationStatus,
} from './escalation';
import { type FilerRole, severityChangeRefusal } from './escalation-gate';
import { type Notice, noticeFrom } from './notifications';
import { type EscalationTarget, type Route, routeFor } from './routing';
import {
  atRiskInstant,
  changeSeverity as changeClockSeverity,
  clockModeFor,
  computeDeadlines,
  instantAtFraction,
  pauseClock,
  pausedSeconds,
  recordFirstResponse,
  recordResolution,
  recordUpdate,
  reopenClock,
  resumeClock,
  SLA_TARGETS,
  type SlaClockState,
  type SlaTarget,
  startClock,
} from './sla';

/*
 * The support case's rules as pure functions over plain data. The workflow holds a CaseRecord,
 * asks `decide` whether a command is allowed (update validators reject with the reason), applies
 * commands and facts, and lets `advance` fire whatever timers are due. Times are epoch ms from the
 * workflow's clock, so everything here replays deterministically.
 */

export const SYSTEM_ACTOR = 'caseflow';
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

export interface InfoRequest {
  question: string;
  askedAtMs: number;
  askedBy: string;
  reminded: boolean;
}

export interface CaseRecord {
  id: string;
  status: CaseStatus;
  severity: Severity;
  /** When the current severity was set: obligations of a severity start with it. */
  severitySinceMs: number;
  twentyFourSeven: boolean;
  category: CaseCategory;
  subCategory: string | null;
  classification: ClassificationRecord | null;
  route: Route;
  tier: Tier;
  assignee: string | null;
  title: string;
  description: string;
  requester: { id: string; name: string; contact: string };
  device: { serial: string; group: string; isTestGroup: boolean };
  channel: string;
  externalTicketId: string | null;
  supportModel: NewCase['supportModel'];
  providerName: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  requestFingerprint: string;
  sla: SlaClockState;
  /** Keys of SLA and reminder events already fired, so none fires twice (also across continue-as-new). */
  firedEvents: string[];
  breaches: Breach[];
  infoRequest: InfoRequest | null;
  resolution: { note: string; atMs: number; by: string } | null;
  reopenCount: number;
  closedAtMs: number | null;
  closeReason: string | null;
  elevations: CaseElevation[];
  escalations: CaseEscalation[];
  /** The multi-user incident this case is linked to, if any. */
  incidentId: string | null;
  log: CaseLogEntry[];
  /** Log entries of earlier runs not carried over (they are in those runs' histories). */
  logCarried?: number;
}

/**
 * How a child workflow ended when it did not end by its own rules: the case maps a failed,
 * terminated, cancelled or timed-out child to that terminal status, so nothing waits on it.
 */
export const CHILD_ENDINGS = ['failed', 'terminated', 'cancelled', 'timed-out'] as const;
export type ChildEnding = (typeof CHILD_ENDINGS)[number];
export type CaseEscalationStatus = EscalationStatus | ChildEnding;
export const caseEscalationIsOver = (s: CaseEscalationStatus): boolean =>
  (CHILD_ENDINGS as readonly string[]).includes(s) || escalationIsOver(s as EscalationStatus);

/** What the receiving party of an escalation asked for, and when its 48 h run out. */
export interface EscalationAsk {
  message: string;
  atMs: number;
  closesAtMs: number;
}

/** An escalation filed from this case (its own child workflow holds the details). */
export interface CaseEscalation {
  id: string;
  workflowId: string;
  target: EscalationTarget;
  status: CaseEscalationStatus;
  externalReference: string | null;
  /** Absent on records from before the case showed it. */
  needsInfo?: EscalationAsk | null;
  /** Started with a parent-close policy that survives continue-as-new, so it may be handed over. */
  survivesHandOver?: boolean;
  /** The case asked it to withdraw (resolved with withdrawEscalation, or closed). */
  withdrawalRequested?: boolean;
}

/** A JIT elevation started from this case (its own child workflow holds the details). */
export interface CaseElevation {
  id: string;
  workflowId: string;
  requestedBy: string;
  breakGlass: boolean;
  finished: boolean;
  outcome: string | null;
  review: { by: string; atMs: number; findings: string } | null;
  /** The client's Idempotency-Key and a fingerprint of its request: a retry gets this elevation. */
  requestKey?: { key: string; fingerprint: string };
}

/** What the rules want told to the outside world; the workflow hands it to the notifier activity. */
export type CaseNotice = Notice;

export interface Outcome {
  record: CaseRecord;
  notices: CaseNotice[];
}

export type CaseCommand =
  | { type: 'assign'; actor: string; tier: Tier; assignee: string; reason: string }
  | {
      type: 'change-severity';
      actor: string;
      severity: Severity;
      reason: string;
      /** Lowering a Sev A/B case to C needs an IT admin (absent on commands from before the rule). */
      actorIsAdmin?: boolean;
    }
  | {
      type: 'override-category';
      actor: string;
      category: CaseCategory;
      subCategory: string | null;
      reason: string;
    }
  | { type: 'request-info'; actor: string; question: string }
  | { type: 'add-note'; actor: string; text: string; visibleToRequester: boolean }
  | {
      type: 'resolve';
      actor: string;
      resolution: string;
      /** Withdraw the open escalation (the party is told) instead of being refused. */
      withdrawEscalation?: boolean;
    }
  | { type: 'reopen'; actor: string; reason: string };

export type CaseFact =
  | { type: 'requester-replied'; actor: string; message: string }
  | { type: 'requester-confirmed'; actor: string; accepted: boolean; comment: string | null };

const iso = (ms: number): string => new Date(ms).toISOString();
export const isFinished = (status: CaseStatus): boolean =>
  status === 'closed' || status === 'closed-unresponsive';

function logged(record: CaseRecord, nowMs: number, entry: Omit<CaseLogEntry, 'at'>): CaseRecord {
  return { ...record, updatedAt: iso(nowMs), log: [...record.log, { at: iso(nowMs), ...entry }] };
}

export function openCase(input: NewCase, nowMs: number): CaseRecord {
  const { intake } = input;
  const record: CaseRecord = {
    id: input.id,
    status: 'new',
    severity: intake.severity,
    severitySinceMs: nowMs,
    twentyFourSeven: intake.twentyFourSeven,
    category: 'unclassified',
    subCategory: null,
    classification: null,
    route: routeFor('unclassified'),
    tier: 'tier-1',
    assignee: null,
    title: intake.title,
    description: intake.description,
    requester: { ...intake.requester },
    device: {
      serial: intake.device.serial,
      group: intake.device.group,
      isTestGroup: intake.device.group === TEST_DEVICE_GROUP,
    },
    channel: intake.channel,
    externalTicketId: intake.externalTicketId ?? null,
    supportModel: input.supportModel,
    providerName: input.providerName,
    createdAt: iso(nowMs),
    createdBy: input.createdBy,
    updatedAt: iso(nowMs),
    requestFingerprint: input.requestFingerprint,
    sla: startClock(intake.severity, nowMs, { twentyFourSeven: intake.twentyFourSeven }),
    firedEvents: [],
    breaches: [],
    infoRequest: null,
    resolution: null,
    reopenCount: 0,
    closedAtMs: null,
    closeReason: null,
    elevations: [],
    escalations: [],
    incidentId: null,
    log: [],
  };
  const device = record.device.isTestGroup ? ' (device in the Test group)' : '';
  return logged(record, nowMs, {
    type: 'opened',
    actor: input.createdBy,
    reason: null,
    text: `Case opened via ${intake.channel} for ${intake.requester.name}, Sev ${intake.severity}${device}, supported ${input.supportModel} by ${input.providerName}.`,
  });
}

/** A confident classification triages the case; a doubtful one leaves it for an agent to triage. */
export function applyClassification(
  record: CaseRecord,
  result: ClassificationRecord,
  nowMs: number,
): CaseRecord {
  if (record.classification !== null || isFinished(record.status)) return record;
  const triaged = !result.needsTriage && record.category === 'unclassified';
  const category = triaged ? result.category : record.category;
  const next: CaseRecord = {
    ...record,
    classification: result,
    category,
    subCategory: triaged ? result.subCategory : record.subCategory,
    route: routeFor(category),
    status: triaged && record.status === 'new' ? 'triaged' : record.status,
  };
  const rules = result.rules.length > 0 ? result.rules.join(', ') : 'none';
  return logged(next, nowMs, {
    type: 'classified',
    actor: SYSTEM_ACTOR,
    reason: `rules ${result.rulesVersion}: ${rules}`,
    text: classificationText(record, result, triaged),
  });
}

function classificationText(record: CaseRecord, result: ClassificationRecord, triaged: boolean): string {
  const found = `${result.category}${result.subCategory ? `/${result.subCategory}` : ''} (confidence ${result.confidence})`;
  if (triaged) return `Classified as ${found}.`;
  if (record.category !== 'unclassified')
    return `Classifier suggested ${found}; the category an agent set (${record.category}) stands.`;
  return `Classification unsure (best guess ${result.category}, confidence ${result.confidence}): left in triage for an agent.`;
}

// ------------------------------------------------------------------------------------------------
// Commands (agent actions that need an answer)

export type Decision = { ok: true } | { ok: false; reason: string };
const refuse = (reason: string): Decision => ({ ok: false, reason });
const ALLOW: Decision = { ok: true };

/** Whether a command is allowed in the case's current state, and if not, why. */
export function decide(record: CaseRecord, command: CaseCommand): Decision {
  if (isFinished(record.status)) return refuse(`The case is ${record.status}; it takes no more commands.`);
  switch (command.type) {
    case 'reopen':
      return record.status === 'resolved'
        ? ALLOW
        : refuse(`Only a resolved case can be reopened; it is ${record.status}.`);
    case 'resolve': {
      if (record.status === 'resolved') return refuse('The case is already resolved.');
      const open = openEscalationOf(record);
      if (open && command.withdrawEscalation !== true) {
        return refuse(
          `Escalation ${open.id} to ${open.target} is still ${open.status}: wait for it, or resolve with withdrawEscalation to withdraw it (${open.target} is told).`,
        );
      }
      const unreviewed = unreviewedBreakGlass(record);
      return unreviewed.length > 0
        ? refuse(
            `Break-glass grant ${unreviewed.join(', ')} needs an IT admin's post-incident review before the case can close.`,
          )
        : ALLOW;
    }
    case 'change-severity':
      if (record.status === 'resolved') return refuse('Reopen the case before changing its severity.');
      if (command.severity === record.severity) return refuse(`The case is already Sev ${record.severity}.`);
      {
        const refusal = severityChangeRefusal(
          record.severity,
          command.severity,
          command.actorIsAdmin === true,
        );
        return refusal === null ? ALLOW : refuse(refusal);
      }
    case 'override-category':
      if (
        command.category === 'infrastructure' &&
        command.subCategory !== null &&
        !(INFRASTRUCTURE_SUBCATEGORIES as readonly string[]).includes(command.subCategory)
      ) {
        return refuse(`An infrastructure sub-category is one of ${INFRASTRUCTURE_SUBCATEGORIES.join(', ')}.`);
      }
      return command.category === record.category && command.subCategory === record.subCategory
        ? refuse(`The case is already ${record.category}.`)
        : ALLOW;
    case 'assign':
      if (record.status === 'resolved') return refuse('Reopen the case before reassigning it.');
      return command.tier === record.tier && command.assignee === record.assignee
        ? refuse(`The case is already with ${command.assignee} in ${command.tier}.`)
        : ALLOW;
    case 'request-info':
      return record.status === 'resolved' ? refuse('Reopen the case before asking the requester.') : ALLOW;
    case 'add-note':
      return ALLOW;
  }
}

/** A message to the requester is both a (first) response and an update, as the SLA counts them. */
function communicated(sla: SlaClockState, nowMs: number): SlaClockState {
  return recordUpdate(recordFirstResponse(sla, nowMs), nowMs);
}

const lowered = (from: Severity, to: Severity): boolean => from < to;

function tierMove(from: Tier, to: Tier): string {
  const [a, b] = [TIERS.indexOf(from), TIERS.indexOf(to)];
  if (b > a) return `moved up from ${from} to ${to}`;
  if (b < a) return `moved down from ${from} to ${to}`;
  return `reassigned within ${to}`;
}

function closeCase(
  record: CaseRecord,
  nowMs: number,
  status: CaseStatus,
  actor: string,
  reason: string,
): Outcome {
  const closed: CaseRecord = {
    ...record,
    status,
    sla: recordResolution(record.sla, nowMs),
    infoRequest: null,
    closedAtMs: nowMs,
    closeReason: reason,
  };
  return {
    record: logged(closed, nowMs, { type: 'closed', actor, reason, text: `Case ${status}.` }),
    notices: [notice(closed, nowMs, 'case-closed', `closed:${status}`, `Case ${status}: ${reason}`)],
  };
}

function notice(
  record: CaseRecord,
  nowMs: number,
  type: CaseNotice['type'],
  key: string,
  summary: string,
  details?: Record<string, unknown>,
): CaseNotice {
  return noticeFrom(
    { id: record.id, caseId: record.id, severity: record.severity },
    type,
    key,
    summary,
    nowMs,
    {
      details,
    },
  );
}

/** Applies an allowed command. Call `decide` first: this assumes the command is allowed. */
export function applyCommand(record: CaseRecord, command: CaseCommand, nowMs: number): Outcome {
  const none = (next: CaseRecord): Outcome => ({ record: next, notices: [] });
  switch (command.type) {
    case 'assign': {
      const next: CaseRecord = {
        ...record,
        tier: command.tier,
        assignee: command.assignee,
        status: record.status === 'new' || record.status === 'triaged' ? 'in-progress' : record.status,
      };
      return none(
        logged(next, nowMs, {
          type: 'assigned',
          actor: command.actor,
          reason: command.reason,
          text: `Assigned to ${command.assignee} (${tierMove(record.tier, command.tier)}).`,
        }),
      );
    }
    case 'change-severity': {
      const next: CaseRecord = {
        ...record,
        severity: command.severity,
        severitySinceMs: nowMs,
        sla: changeClockSeverity(record.sla, command.severity, nowMs),
      };
      return none(
        logged(next, nowMs, {
          type: 'severity-changed',
          actor: command.actor,
          reason: command.reason,
          text: `Severity ${lowered(record.severity, command.severity) ? 'lowered' : 'changed'} from ${record.severity} to ${command.severity}; SLA deadlines recomputed.`,
        }),
      );
    }
    case 'override-category': {
      const next: CaseRecord = {
        ...record,
        category: command.category,
        subCategory: command.subCategory,
        route: routeFor(command.category),
        status: record.status === 'new' ? 'triaged' : record.status,
      };
      const sub = command.subCategory ? `/${command.subCategory}` : '';
      return none(
        logged(next, nowMs, {
          type: 'category-overridden',
          actor: command.actor,
          reason: command.reason,
          text: `Category set to ${command.category}${sub} (was ${record.category}).`,
        }),
      );
    }
    case 'request-info': {
      const wasPaused = record.sla.pause !== null;
      const next: CaseRecord = {
        ...record,
        status: 'waiting-on-requester',
        sla: pauseClock(communicated(record.sla, nowMs), 'requester', nowMs),
        infoRequest: {
          question: command.question,
          askedAtMs: nowMs,
          askedBy: command.actor,
          reminded: false,
        },
      };
      const asked = logged(next, nowMs, {
        type: 'info-requested',
        actor: command.actor,
        reason: null,
        text: `Asked the requester: ${command.question}`,
      });
      return none(
        wasPaused
          ? asked
          : logged(asked, nowMs, {
              type: 'sla-paused',
              actor: SYSTEM_ACTOR,
              reason: 'waiting on the requester',
              text: 'SLA clock paused (cause: requester).',
            }),
      );
    }
    case 'add-note': {
      const next: CaseRecord = {
        ...record,
        sla: command.visibleToRequester ? communicated(record.sla, nowMs) : record.sla,
      };
      return none(
        logged(next, nowMs, {
          type: 'note-added',
          actor: command.actor,
          reason: null,
          text: `${command.visibleToRequester ? 'Update to the requester' : 'Internal note'}: ${command.text}`,
        }),
      );
    }
    case 'resolve': {
      const open = command.withdrawEscalation === true ? openEscalationOf(record) : undefined;
      const withdrawing = open
        ? withdrawalRequested(record, open.id, command.actor, command.resolution, nowMs)
        : record;
      const next: CaseRecord = {
        ...withdrawing,
        status: 'resolved',
        sla: recordResolution(communicated(record.sla, nowMs), nowMs),
        infoRequest: null,
        resolution: { note: command.resolution, atMs: nowMs, by: command.actor },
      };
      return {
        record: logged(next, nowMs, {
          type: 'resolved',
          actor: command.actor,
          reason: null,
          text: `Resolved: ${command.resolution}`,
        }),
        notices: [
          notice(next, nowMs, 'case-resolved', `resolved:${nowMs}`, `Resolved: ${command.resolution}`),
        ],
      };
    }
    case 'reopen':
      return none(reopen(record, nowMs, command.actor, command.reason, 'reopened'));
  }
}

function reopen(
  record: CaseRecord,
  nowMs: number,
  actor: string,
  reason: string,
  type: 'reopened' | 'rejected',
): CaseRecord {
  const next: CaseRecord = {
    ...record,
    status: 'in-progress',
    sla: reopenClock(record.sla, nowMs),
    resolution: null,
    reopenCount: record.reopenCount + 1,
  };
  return logged(next, nowMs, {
    type,
    actor,
    reason,
    text:
      type === 'rejected'
        ? `The requester rejected the resolution; back in progress (reopen ${next.reopenCount}).`
        : `Reopened; back in progress (reopen ${next.reopenCount}).`,
  });
}

// ------------------------------------------------------------------------------------------------
// Facts (signals): always recorded, even when they change nothing

export function applyFact(record: CaseRecord, fact: CaseFact, nowMs: number): Outcome {
  if (isFinished(record.status)) return { record, notices: [] };
  switch (fact.type) {
    case 'requester-replied': {
      if (record.status !== 'waiting-on-requester') {
        // The case may have moved on to wait on the vendor or an escalation meanwhile: the answer
        // still settles the question (no unresponsive close), but leaves that wait as it is.
        const answered = record.infoRequest !== null;
        return {
          record: logged({ ...record, infoRequest: null }, nowMs, {
            type: 'requester-replied',
            actor: fact.actor,
            reason: null,
            text: answered
              ? `The requester answered the pending question: ${fact.message}`
              : `The requester wrote (no question was pending): ${fact.message}`,
          }),
          notices: [],
        };
      }
      const next: CaseRecord = {
        ...record,
        status: 'in-progress',
        sla: resumeClock(record.sla, nowMs),
        infoRequest: null,
      };
      const replied = logged(next, nowMs, {
        type: 'requester-replied',
        actor: fact.actor,
        reason: null,
        text: `The requester replied: ${fact.message}`,
      });
      return {
        record: logged(replied, nowMs, {
          type: 'sla-resumed',
          actor: SYSTEM_ACTOR,
          reason: 'the requester replied',
          text: 'SLA clock resumed.',
        }),
        notices: [],
      };
    }
    case 'requester-confirmed': {
      const comment = fact.comment ? `: ${fact.comment}` : '';
      if (record.status !== 'resolved') {
        return {
          record: logged(record, nowMs, {
            type: fact.accepted ? 'confirmed' : 'rejected',
            actor: fact.actor,
            reason: fact.comment,
            text: `The requester's ${fact.accepted ? 'confirmation' : 'rejection'} arrived while the case was ${record.status}; nothing changed${comment}.`,
          }),
          notices: [],
        };
      }
      if (!fact.accepted)
        return {
          record: reopen(record, nowMs, fact.actor, fact.comment ?? 'resolution rejected', 'rejected'),
          notices: [],
        };
      const confirmed = logged(record, nowMs, {
        type: 'confirmed',
        actor: fact.actor,
        reason: fact.comment,
        text: `The requester confirmed the resolution${comment}.`,
      });
      return closeCase(confirmed, nowMs, 'closed', fact.actor, 'resolution confirmed by the requester');
    }
  }
}

// ------------------------------------------------------------------------------------------------
// JIT elevations started from the case

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

// ------------------------------------------------------------------------------------------------
// Timers: SLA risk and breach, reminders, engagement downgrade, automatic closes

export interface DueEvent {
  atMs: number;
  key: string;
  kind: 'at-risk' | 'breach' | 'info-reminder' | 'unresponsive-close' | 'engagement-downgrade' | 'auto-close';
  target?: SlaTarget;
  dueMs?: number;
}

const downgradeOneLevel = (severity: Severity): Severity => (severity === 'A' ? 'B' : 'C');

/** Every timed event the case is waiting for, fired or not yet; `advance` and `nextWakeAt` filter. */
function everyScheduledEvent(record: CaseRecord, policy: CasePolicy, nowMs: number): DueEvent[] {
  if (isFinished(record.status)) return [];
  const events: DueEvent[] = [];
  for (const target of SLA_TARGETS) {
    const dueMs = instantAtFraction(policy.sla, policy.calendar, record.sla, target, 1, nowMs);
    const riskMs = atRiskInstant(policy.sla, policy.calendar, record.sla, target, nowMs);
    if (dueMs === null || riskMs === null) continue;
    events.push({ atMs: riskMs, key: `${target}@${dueMs}:at-risk`, kind: 'at-risk', target, dueMs });
    events.push({ atMs: dueMs, key: `${target}@${dueMs}:breach`, kind: 'breach', target, dueMs });
  }
  const ask = record.infoRequest;
  // A case with an unreviewed break-glass grant cannot close, not even by itself; so neither the
  // close nor the reminder announcing it is scheduled until the review is in.
  const mayClose = unreviewedBreakGlass(record).length === 0;
  if (ask && mayClose) {
    const closeMs = ask.askedAtMs + policy.unresponsiveCloseHours * HOUR_MS;
    if (!ask.reminded) {
      events.push({
        atMs: closeMs - policy.infoReminderBeforeCloseHours * HOUR_MS,
        key: `info@${ask.askedAtMs}:reminder`,
        kind: 'info-reminder',
        dueMs: closeMs,
      });
    }
    events.push({ atMs: closeMs, key: `info@${ask.askedAtMs}:close`, kind: 'unresponsive-close' });
  }
  if (ask && record.severity === 'A') {
    // The 24x7 engagement is owed only while the case is Sev A: count from the later of the
    // question and the upgrade.
    const since = Math.max(ask.askedAtMs, record.severitySinceMs);
    events.push({
      atMs: since + policy.sevAEngagementMinutes * MINUTE_MS,
      key: `info@${ask.askedAtMs}:engagement@${since}`,
      kind: 'engagement-downgrade',
    });
  }
  if (record.status === 'resolved' && record.resolution) {
    events.push({
      atMs: record.resolution.atMs + policy.autoCloseAfterResolutionHours * HOUR_MS,
      key: `resolved@${record.resolution.atMs}:auto-close`,
      kind: 'auto-close',
    });
  }
  return events;
}

const scheduledEvents = (record: CaseRecord, policy: CasePolicy, nowMs: number): DueEvent[] =>
  everyScheduledEvent(record, policy, nowMs).filter((e) => !record.firedEvents.includes(e.key));

const allScheduledKeys = (record: CaseRecord, policy: CasePolicy, nowMs: number): string[] =>
  everyScheduledEvent(record, policy, nowMs).map((e) => e.key);

const TARGET_NAMES: Record<SlaTarget, string> = {
  firstResponse: 'first response',
  nextUpdate: 'next update',
  resolution: 'resolution',
};

function fire(record: CaseRecord, event: DueEvent, policy: CasePolicy, nowMs: number): Outcome {
  const base: CaseRecord = { ...record, firedEvents: [...record.firedEvents, event.key] };
  switch (event.kind) {
    case 'at-risk': {
      const target = event.target as SlaTarget;
      // Already past the deadline too (e.g. after an upgrade): the breach says it all.
      if ((event.dueMs ?? 0) <= nowMs) return { record: base, notices: [] };
      const text = `SLA at risk: ${TARGET_NAMES[target]} due ${iso(event.dueMs ?? nowMs)} (75 % of the time used).`;
      return {
        record: logged(base, nowMs, { type: 'sla-at-risk', actor: SYSTEM_ACTOR, reason: null, text }),
        notices: [
          notice(base, nowMs, 'sla-at-risk', event.key, text, { target, dueAt: iso(event.dueMs ?? nowMs) }),
        ],
      };
    }
    case 'breach': {
      const target = event.target as SlaTarget;
      const breach: Breach = {
        target,
        severity: record.severity,
        dueAt: iso(event.dueMs ?? nowMs),
        breachedAt: iso(nowMs),
      };
      const text = `SLA breached: ${TARGET_NAMES[target]} was due ${breach.dueAt}.`;
      return {
        record: logged({ ...base, breaches: [...base.breaches, breach] }, nowMs, {
          type: 'sla-breach',
          actor: SYSTEM_ACTOR,
          reason: null,
          text,
        }),
        notices: [notice(base, nowMs, 'sla-breach', event.key, text, { target, dueAt: breach.dueAt })],
      };
    }
    case 'info-reminder': {
      const ask = record.infoRequest as InfoRequest;
      // Running late, past the close itself: the close says it all.
      if ((event.dueMs ?? Infinity) <= nowMs) {
        return { record: { ...base, infoRequest: { ...ask, reminded: true } }, notices: [] };
      }
      const closeAt = iso(ask.askedAtMs + policy.unresponsiveCloseHours * HOUR_MS);
      const text = `Reminder sent to the requester: the case closes at ${closeAt} unless they answer.`;
      return {
        record: logged({ ...base, infoRequest: { ...ask, reminded: true } }, nowMs, {
          type: 'info-reminder',
          actor: SYSTEM_ACTOR,
          reason: null,
          text,
        }),
        notices: [
          notice(base, nowMs, 'info-request-reminder', event.key, text, {
            question: ask.question,
            requester: record.requester.contact,
            closesAt: closeAt,
          }),
        ],
      };
    }
    case 'unresponsive-close':
      return closeCase(
        base,
        nowMs,
        'closed-unresponsive',
        SYSTEM_ACTOR,
        `no answer from the requester within ${policy.unresponsiveCloseHours} h of the last request`,
      );
    case 'engagement-downgrade': {
      const severity = downgradeOneLevel(record.severity);
      const reason = `Sev A needs continuous 24x7 engagement; the requester left a request unanswered for ${policy.sevAEngagementMinutes} min`;
      const next: CaseRecord = {
        ...base,
        severity,
        severitySinceMs: nowMs,
        sla: changeClockSeverity(base.sla, severity, nowMs),
      };
      return {
        record: logged(next, nowMs, {
          type: 'severity-downgraded',
          actor: SYSTEM_ACTOR,
          reason,
          text: `Severity downgraded from ${record.severity} to ${severity}.`,
        }),
        notices: [
          notice(
            next,
            nowMs,
            'severity-downgraded',
            event.key,
            `Downgraded from Sev ${record.severity} to Sev ${severity}: ${reason}.`,
          ),
        ],
      };
    }
    case 'auto-close':
      return closeCase(
        base,
        nowMs,
        'closed',
        SYSTEM_ACTOR,
        `the requester did not answer the resolution within ${policy.autoCloseAfterResolutionHours} h`,
      );
  }
}

/** Fires every event due at `nowMs`, earliest first (one may change the next: a close ends them all). */
export function advance(record: CaseRecord, policy: CasePolicy, nowMs: number): Outcome {
  let current = record;
  const notices: CaseNotice[] = [];
  for (let guard = 0; guard < 100; guard++) {
    const due = scheduledEvents(current, policy, nowMs)
      .filter((e) => e.atMs <= nowMs)
      .sort((a, b) => a.atMs - b.atMs)[0];
    if (!due) break;
    const outcome = fire(current, due, policy, nowMs);
    current = outcome.record;
    notices.push(...outcome.notices);
  }
  return { record: current, notices };
}

/** When the workflow must next wake up by itself, or null when only a message can move the case. */
export function nextWakeAt(record: CaseRecord, policy: CasePolicy, nowMs: number): number | null {
  const future = scheduledEvents(record, policy, nowMs)
    .map((e) => e.atMs)
    .filter((at) => at > nowMs);
  return future.length > 0 ? Math.min(...future) : null;
}

/** Marks the hand-over to a fresh run, so the record shows where one history ends and the next begins. */
export function continuedAsNew(record: CaseRecord, nowMs: number): CaseRecord {
  return logged(record, nowMs, {
    type: 'continued-as-new',
    actor: SYSTEM_ACTOR,
    reason: 'history length threshold reached',
    text: 'The case continues in a new workflow run with its state and SLA clocks carried over.',
  });
}

/** How many log entries a hand-over carries: the rest is in the run's history (the timeline). */
export const HANDED_OVER_LOG_TAIL = 20;

/**
 * What continue-as-new hands to the next run: the current state, open clocks, children and
 * counters, but not the log (the history is the record; the timeline reads it) and only the fired
 * event keys that can still come due, so the hand-over stays the same size however long the case.
 */
export function handOverSummary(record: CaseRecord, policy: CasePolicy, nowMs: number): CaseRecord {
  const marked = continuedAsNew(record, nowMs);
  const pending = new Set(allScheduledKeys(record, policy, nowMs));
  return {
    ...marked,
    firedEvents: record.firedEvents.filter((key) => pending.has(key)),
    logCarried:
      (record.logCarried ?? 0) + marked.log.length - Math.min(marked.log.length, HANDED_OVER_LOG_TAIL),
    log: marked.log.slice(-HANDED_OVER_LOG_TAIL),
  };
}

/** Records how a notification went: delivered (to whom) or given up on after its retries. */
export function recordDelivery(
  record: CaseRecord,
  sent: CaseNotice,
  deliveredTo: string[],
  failure: string | null,
  nowMs: number,
): CaseRecord {
  if (failure !== null) {
    return logged(record, nowMs, {
      type: 'notification-failed',
      actor: SYSTEM_ACTOR,
      reason: failure,
      text: `Notification ${sent.type} (${sent.id}) could not be delivered.`,
    });
  }
  const to = deliveredTo.length > 0 ? deliveredTo.join(', ') : 'no subscribers configured';
  return logged(record, nowMs, {
    type: 'notification-delivered',
    actor: SYSTEM_ACTOR,
    reason: null,
    text: `Notification ${sent.type} (${sent.id}) delivered: ${to}.`,
  });
}

// ------------------------------------------------------------------------------------------------
// The view the API returns

export function caseView(record: CaseRecord, policy: CasePolicy, nowMs: number): CaseView {
  const deadlines = computeDeadlines(policy.sla, policy.calendar, record.sla, nowMs);
  const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
  const atRisk = SLA_TARGETS.filter((target) => {
    const risk = atRiskInstant(policy.sla, policy.calendar, record.sla, target, nowMs);
    return risk !== null && risk <= nowMs;
  });
  return {
    id: record.id,
    status: record.status,
    severity: record.severity,
    twentyFourSeven: record.twentyFourSeven,
    category: record.category,
    subCategory: record.subCategory,
    classification: record.classification,
    route: record.route,
    tier: record.tier,
    assignee: record.assignee,
    title: record.title,
    description: record.description,
    requester: record.requester,
    device: record.device,
    channel: record.channel,
    externalTicketId: record.externalTicketId,
    supportModel: record.supportModel,
    providerName: record.providerName,
    createdAt: record.createdAt,
    createdBy: record.createdBy,
    updatedAt: record.updatedAt,
    sla: {
      clock: clockModeFor(policy.sla, record.severity, record.twentyFourSeven),
      firstResponseDue: isoOrNull(deadlines.firstResponseDue),
      firstResponseAt: isoOrNull(record.sla.firstResponseAtMs),
      nextUpdateDue: isoOrNull(deadlines.nextUpdateDue),
      resolutionDue: isoOrNull(deadlines.resolutionDue),
      paused: record.sla.pause?.cause ?? null,
      pausedSeconds: pausedSeconds(record.sla, nowMs),
      atRisk,
      breaches: record.breaches,
    },
    pendingQuestion: record.infoRequest
      ? {
          question: record.infoRequest.question,
          askedAt: iso(record.infoRequest.askedAtMs),
          askedBy: record.infoRequest.askedBy,
        }
      : null,
    resolution: record.resolution
      ? { note: record.resolution.note, at: iso(record.resolution.atMs), by: record.resolution.by }
      : null,
    reopenCount: record.reopenCount,
    closedAt: isoOrNull(record.closedAtMs),
    closeReason: record.closeReason,
    elevations: record.elevations.map((e) => ({
      id: e.id,
      requestedBy: e.requestedBy,
      breakGlass: e.breakGlass,
      finished: e.finished,
      outcome: e.outcome,
      review: e.review ? { by: e.review.by, at: iso(e.review.atMs), findings: e.review.findings } : null,
    })),
    escalations: record.escalations.map((e) => ({
      id: e.id,
      target: e.target,
      status: e.status,
      externalReference: e.externalReference,
    })),
    escalationNeedsInfo: escalationAskOf(record),
    incidentId: record.incidentId,
    log: record.log.slice(-VIEW_LOG_TAIL),
    logEntries: record.log.length,
    requestFingerprint: record.requestFingerprint,
  };
}

/** The most recent log entries the case view shows; the log endpoint pages through all of them. */
export const VIEW_LOG_TAIL = 50;

function escalationAskOf(record: CaseRecord): CaseView['escalationNeedsInfo'] {
  const e = record.escalations.find((x) => x.needsInfo && !caseEscalationIsOver(x.status));
  if (!e?.needsInfo) return null;
  return {
    escalationId: e.id,
    target: e.target,
    message: e.needsInfo.message,
    askedAt: iso(e.needsInfo.atMs),
    closesAt: iso(e.needsInfo.closesAtMs),
  };
}

/** The case as a command returns it: everything but the log. */
export function caseUpdateView(record: CaseRecord, policy: CasePolicy, nowMs: number): CaseUpdateView {
  const { log: _log, ...rest } = caseView(record, policy, nowMs);
  return rest;
}

/** A page of the current run's log, oldest first; the cursor is the index of the next entry. */
export function logPage(record: CaseRecord, cursor: number, limit: number): CaseLogPage {
  const entries = record.log.slice(cursor, cursor + limit);
  const next = cursor + entries.length;
  return {
    entries,
    nextCursor: next < record.log.length ? String(next) : null,
    earlierRuns: (record.logCarried ?? 0) > 0,
  };
}
