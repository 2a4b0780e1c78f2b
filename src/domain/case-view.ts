import type { CaseLogPage, CaseUpdateView, CaseView } from './case';
import type { CasePolicy } from './case-policy';
import { atRiskInstant, clockModeFor, computeDeadlines, pausedSeconds, SLA_TARGETS } from './sla';
import { actorsOf, caseEscalationIsOver, type CaseRecord, iso } from './case-record';

/* The view the API returns, the case without its log for command results, and log pages. */

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
    actors: actorsOf(record),
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
