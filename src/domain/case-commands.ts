import { INFRASTRUCTURE_SUBCATEGORIES, type Severity } from './categories';
import { type CaseStatus, type Tier, TIERS } from './case';
import { severityChangeRefusal } from './escalation-gate';
import { routeFor } from './routing';
import {
  changeSeverity as changeClockSeverity,
  pauseClock,
  recordFirstResponse,
  recordResolution,
  recordUpdate,
  reopenClock,
  type SlaClockState,
} from './sla';
import {
  ALLOW,
  type CaseCommand,
  type CaseRecord,
  type Decision,
  isFinished,
  logged,
  notice,
  type Outcome,
  refuse,
  SYSTEM_ACTOR,
} from './case-record';
import { openEscalationOf, unreviewedBreakGlass, withdrawalRequested } from './case-children';

/* Commands: agent actions that need an answer (`decide` says whether one is allowed and why not). */

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
export function communicated(sla: SlaClockState, nowMs: number): SlaClockState {
  return recordUpdate(recordFirstResponse(sla, nowMs), nowMs);
}

const lowered = (from: Severity, to: Severity): boolean => from < to;

function tierMove(from: Tier, to: Tier): string {
  const [a, b] = [TIERS.indexOf(from), TIERS.indexOf(to)];
  if (b > a) return `moved up from ${from} to ${to}`;
  if (b < a) return `moved down from ${from} to ${to}`;
  return `reassigned within ${to}`;
}

export function closeCase(
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

export function reopen(
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
