import { retriesNote } from './delivery-attempts';
import type { Severity } from './categories';
import type { Breach } from './case';
import type { CasePolicy } from './case-policy';
import {
  atRiskInstant,
  changeSeverity as changeClockSeverity,
  instantAtFraction,
  SLA_TARGETS,
  type SlaTarget,
} from './sla';
import {
  type CaseNotice,
  type CaseRecord,
  HOUR_MS,
  type InfoRequest,
  isFinished,
  iso,
  logged,
  MINUTE_MS,
  notice,
  type Outcome,
  SYSTEM_ACTOR,
} from './case-record';
import { unreviewedBreakGlass } from './case-children';
import { closeCase } from './case-commands';

/* Timers: SLA risk and breach, reminders, engagement downgrade, automatic closes, and the hand-over to a new run. */

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

/** What the workflow's next timer waits for ("first response due"), to name the timer in the Web UI. */
export function nextWakeLabel(record: CaseRecord, policy: CasePolicy, nowMs: number): string | null {
  const next = scheduledEvents(record, policy, nowMs)
    .filter((e) => e.atMs > nowMs)
    .sort((a, b) => a.atMs - b.atMs)[0];
  if (!next) return null;
  switch (next.kind) {
    case 'at-risk':
      return `${TARGET_NAMES[next.target as SlaTarget]} at risk`;
    case 'breach':
      return `${TARGET_NAMES[next.target as SlaTarget]} due`;
    case 'info-reminder':
      return 'requester reminder';
    case 'unresponsive-close':
      return 'close if requester stays silent';
    case 'engagement-downgrade':
      return 'Sev A engagement check';
    case 'auto-close':
      return 'auto-close after resolution';
  }
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
  /** The attempt that landed, when known: the record then shows the retries it took. */
  attempt?: number,
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
    text: `Notification ${sent.type} (${sent.id}) delivered: ${to}${retriesNote(attempt)}.`,
  });
}
