import type { CaseCategory, Severity } from './categories';
import {
  type Breach,
  type CaseLogEntry,
  type CaseStatus,
  type ClassificationRecord,
  type NewCase,
  TEST_DEVICE_GROUP,
  type Tier,
} from './case';
import { escalationIsOver, type EscalationStatus } from './escalation';
import { type Notice, noticeFrom } from './notifications';
import { type EscalationTarget, type Route, routeFor } from './routing';
import { type SlaClockState, startClock } from './sla';

/* The case record: its shape, opening and classification, and the helpers every rule uses. */

export const SYSTEM_ACTOR = 'caseflow';
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;

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
  /**
   * Principals who acted on the case (never the system), in the order they first did, at most
   * MAX_CASE_ACTORS. Kept apart from the log because the log is cut at continue-as-new and the
   * view shows only its tail, while who worked a case decides who may see it for its whole life.
   * Absent on records from before it was kept: `actorsOf` derives it from what they carry.
   */
  actors?: string[];
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

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isFinished = (status: CaseStatus): boolean =>
  status === 'closed' || status === 'closed-unresponsive';

export function logged(record: CaseRecord, nowMs: number, entry: Omit<CaseLogEntry, 'at'>): CaseRecord {
  return {
    ...record,
    updatedAt: iso(nowMs),
    log: [...record.log, { at: iso(nowMs), ...entry }],
    actors: withActor(actorsOf(record), entry.actor),
  };
}

/** How many distinct actors a case keeps; a case worked by more people than this is an outlier. */
export const MAX_CASE_ACTORS = 100;

/** Who acted on the case: the kept set, or (records from before it was kept) what the record names. */
export function actorsOf(record: CaseRecord): string[] {
  if (record.actors) return record.actors;
  const named = [
    ...record.log.map((e) => e.actor),
    record.infoRequest?.askedBy,
    record.resolution?.by,
    ...record.elevations.map((e) => e.requestedBy),
  ];
  return named.reduce<string[]>((actors, name) => (name ? withActor(actors, name) : actors), []);
}

function withActor(actors: string[], actor: string): string[] {
  if (actor === SYSTEM_ACTOR || actor === '' || actors.includes(actor) || actors.length >= MAX_CASE_ACTORS) {
    return actors;
  }
  return [...actors, actor];
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

/**
 * A case as it opens, classified already when its starter classified the intake (the API does):
 * its first run then needs no classification activity, and its start indexes its category.
 */
export function openClassifiedCase(
  input: NewCase,
  classification: ClassificationRecord | undefined,
  nowMs: number,
): CaseRecord {
  const opened = openCase(input, nowMs);
  return classification ? applyClassification(opened, classification, nowMs) : opened;
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

export type Decision = { ok: true } | { ok: false; reason: string };
export const refuse = (reason: string): Decision => ({ ok: false, reason });
export const ALLOW: Decision = { ok: true };
export function notice(
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
