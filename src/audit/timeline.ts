import { z } from 'zod';
import { decodePayloads, eventKind, type JsonHistory } from './history-json';

/*
 * A case's timeline, derived only from the workflow histories of the case and its children: the
 * histories are the record, and nothing else is kept. Each entry names the workflow and event it
 * came from, so an auditor can check it against the raw history.
 */

export const timelineEntrySchema = z
  .object({
    at: z.string(),
    type: z.string(),
    actor: z.string(),
    reason: z.string().nullable(),
    text: z.string(),
    workflowId: z.string(),
    eventId: z.number().int(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'TimelineEntry' });
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

export const timelineSchema = z
  .object({ caseId: z.string(), entries: z.array(timelineEntrySchema) })
  .meta({ id: 'Timeline' });
export type Timeline = z.infer<typeof timelineSchema>;

type Args = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
/** A recorded value as text; histories are data from outside this process, so nothing is assumed. */
const t = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'boolean'
      ? `${v}`
      : v === null || v === undefined
        ? ''
        : JSON.stringify(v);
const obj = (v: unknown): Args => (v && typeof v === 'object' ? (v as Args) : {});

/** What each message means on the record: entry type, and how to read actor, reason and text. */
const UPDATES: Record<string, (a: Args) => Omit<TimelineEntry, 'at' | 'workflowId' | 'eventId'>> = {
  assign: (a) => ({
    type: 'assigned',
    actor: t(a.actor),
    reason: str(a.reason),
    text: `Assigned to ${t(a.assignee)} in ${t(a.tier)}.`,
  }),
  changeSeverity: (a) => ({
    type: 'severity-changed',
    actor: t(a.actor),
    reason: str(a.reason),
    text: `Severity set to ${t(a.severity)}; SLA deadlines recomputed.`,
  }),
  overrideCategory: (a) => ({
    type: 'category-overridden',
    actor: t(a.actor),
    reason: str(a.reason),
    text: `Category set to ${t(a.category)}${a.subCategory ? `/${t(a.subCategory)}` : ''}.`,
  }),
  requestInfo: (a) => ({
    type: 'info-requested',
    actor: t(a.actor),
    reason: null,
    text: `Asked the requester: ${t(a.question)} (SLA clock paused, cause requester).`,
  }),
  addNote: (a) => ({
    type: 'note-added',
    actor: t(a.actor),
    reason: null,
    text: `${a.visibleToRequester ? 'Update to the requester' : 'Internal note'}: ${t(a.text)}`,
  }),
  resolve: (a) => ({
    type: 'resolved',
    actor: t(a.actor),
    reason: null,
    text: `Resolved: ${t(a.resolution)}`,
  }),
  reopen: (a) => ({
    type: 'reopened',
    actor: t(a.actor),
    reason: str(a.reason),
    text: 'Reopened; back in progress.',
  }),
  requestElevation: (a) => {
    const r = obj(a.request);
    return {
      type: 'elevation-requested',
      actor: t(a.actor),
      reason: str(r.planOfAction),
      text: `JIT elevation requested on ${t(r.deviceSerial)} for ticket ${t(r.ticketId)}${r.breakGlass ? ' (break-glass)' : ''}: ${t(r.title)}.`,
    };
  },
  reviewBreakGlass: (a) => ({
    type: 'break-glass-reviewed',
    actor: t(a.actor),
    reason: str(a.findings),
    text: `Post-incident review of break-glass grant ${t(a.elevationId)}.`,
  }),
  fileEscalation: (a) => {
    const r = obj(a.request);
    return {
      type: 'escalation-requested',
      actor: t(a.actor),
      reason: str(r.reason),
      text: `Escalation requested${r.target ? ` to ${t(r.target)}` : ''}: ${t(r.title)} (${t(r.requestType)}, ${t(r.category)}).`,
    };
  },
  approveElevation: (a) => ({
    type: 'elevation-approved',
    actor: t(a.actor),
    reason: str(a.reason),
    text: `Elevation approved${a.acknowledgeNotRecommended ? ', not-recommended actions acknowledged' : ''}.`,
  }),
  denyElevation: (a) => ({
    type: 'elevation-denied',
    actor: t(a.actor),
    reason: str(a.reason),
    text: 'Elevation denied.',
  }),
  releaseElevation: (a) => ({
    type: 'elevation-released',
    actor: t(a.actor),
    reason: str(a.reason),
    text: a.actorIsAdmin ? 'Access revoked by an IT admin.' : 'Access released.',
  }),
  requestExtension: (a) => ({
    type: 'elevation-extension-requested',
    actor: t(a.actor),
    reason: str(a.reason),
    text: `Extension by ${t(a.minutes)} minutes requested.`,
  }),
  approveExtension: (a) => ({
    type: 'elevation-extended',
    actor: t(a.actor),
    reason: str(a.reason),
    text: 'Extension approved.',
  }),
  denyExtension: (a) => ({
    type: 'elevation-extension-denied',
    actor: t(a.actor),
    reason: str(a.reason),
    text: 'Extension denied.',
  }),
  approveEscalation: (a) => ({
    type: 'escalation-approved',
    actor: t(a.actor),
    reason: str(a.reason),
    text: 'Escalation filed by an IT admin.',
  }),
  declineEscalation: (a) => ({
    type: 'escalation-declined',
    actor: t(a.actor),
    reason: str(a.reason),
    text: 'Escalation declined; not filed.',
  }),
  answerNeedsInfo: (a) => ({
    type: 'escalation-answered',
    actor: t(a.actor),
    reason: null,
    text: t(a.message),
  }),
  receiveCallback: (a) => {
    const cb = obj(a.callback);
    return {
      type: `escalation-${t(cb.kind)}`,
      actor: t(a.target),
      reason: null,
      text: `${t(a.target)}: ${t(cb.message)}`,
      details: { callbackId: cb.callbackId },
    };
  },
  linkCases: (a) => ({
    type: 'incident-cases-linked',
    actor: t(a.actor),
    reason: null,
    text: `Cases linked: ${(a.caseIds as string[] | undefined)?.join(', ') ?? ''}.`,
  }),
};

const SIGNALS: Record<string, (a: Args) => Omit<TimelineEntry, 'at' | 'workflowId' | 'eventId'> | null> = {
  requesterReplied: (a) => ({
    type: 'requester-replied',
    actor: t(a.actor),
    reason: null,
    text: `The requester replied: ${t(a.message)} (SLA clock resumes if it waited on them).`,
  }),
  requesterConfirmed: (a) => ({
    type: a.accepted ? 'confirmed' : 'rejected',
    actor: t(a.actor),
    reason: str(a.comment),
    text: a.accepted ? 'The requester confirmed the resolution.' : 'The requester rejected the resolution.',
  }),
  passwordCheckedOut: (a) => ({
    type: 'elevation-checked-out',
    actor: t(a.actor),
    reason: null,
    text: `Password checked out at ${new Date(Number(a.atMs)).toISOString()}.`,
  }),
  caseEnded: (a) => ({
    type: 'elevation-ending',
    actor: 'caseflow',
    reason: str(a.reason),
    text: 'The case ended: access must end.',
  }),
  // From the device's account owner to an elevation holding a lease (elevationLease).
  leaseGranted: (a) => ({
    type: 'elevation-granted',
    actor: 'caseflow',
    reason: null,
    text: `Access granted on the device's account (password version ${t(a.version)}, rotated by ${new Date(Number(a.rotatesAtMs)).toISOString()} at the latest).`,
  }),
  leaseRefused: (a) => ({
    type: 'elevation-grant-failed',
    actor: 'caseflow',
    reason: str(a.reason),
    text: 'The device account owner could not grant access.',
  }),
  passwordRotated: (a) => ({
    type: 'elevation-password-rotated',
    actor: 'caseflow',
    reason: null,
    text: `The device password reached its maximum age and was rotated (version ${t(a.version)}); check out again.`,
  }),
  leaseClosed: (a) =>
    a.lastHolder
      ? {
          type: 'elevation-rotated',
          actor: 'caseflow',
          reason: null,
          text: 'Access closed in the vault; nobody else holds the device, so its password is rotated now.',
        }
      : {
          type: 'elevation-access-closed',
          actor: 'caseflow',
          reason: null,
          text: 'Access closed in the vault; others still hold the device, whose password rotates when the last leaves.',
        },
  escalationChanged: (a) => ({
    type: 'escalation-status',
    actor: t(a.target),
    reason: str(a.message),
    text: `Escalation ${t(a.escalationId)} is ${t(a.status)}${a.externalReference ? ` (ref ${t(a.externalReference)})` : ''}.`,
  }),
  linkIncident: (a) => ({
    type: 'incident-linked',
    actor: t(a.actor),
    reason: null,
    text: `Linked to incident ${t(a.incidentId)}.`,
  }),
  incidentResolved: (a) => ({
    type: 'incident-resolved',
    actor: 'caseflow',
    reason: null,
    text: `Incident ${t(a.incidentId)} resolved: ${t(a.message)}`,
  }),
};

/** A classification: from the classifyCase activity's result, or from the start (the API classified the intake). */
function classifiedEntry(result: Args): Omit<TimelineEntry, 'at' | 'workflowId' | 'eventId'> {
  const rules = (result.rules as string[] | undefined) ?? [];
  const classifier = classifierOf(result);
  return {
    type: 'classified',
    actor: 'caseflow',
    reason: `${classifier.versions}: ${rules.join(', ') || 'none'}`,
    text: `Classified as ${t(result.category)}${result.subCategory ? `/${t(result.subCategory)}` : ''} (confidence ${t(result.confidence)}${result.needsTriage ? ', left in triage' : ''}).${classifier.evidence ? ` Evidence: ${classifier.evidence}.` : ''}`,
    details: { rules, ...classifier.details },
  };
}

/** Activity results that are steps of the case; everything else an activity does is plumbing. */
function activityEntry(
  name: string,
  input: Args,
  result: Args,
): Omit<TimelineEntry, 'at' | 'workflowId' | 'eventId'> | null {
  switch (name) {
    case 'classifyCase':
      return classifiedEntry(result);
    case 'grantAccess':
      return {
        type: 'elevation-granted',
        actor: 'caseflow',
        reason: null,
        text: `Access granted until ${new Date(Number(input.endsAtMs)).toISOString()}.`,
      };
    case 'extendAccess':
      return {
        type: 'elevation-window-moved',
        actor: 'caseflow',
        reason: null,
        text: `Window now ends ${new Date(Number(input.endsAtMs)).toISOString()}.`,
      };
    case 'revokeAccess':
      return {
        type: 'elevation-rotated',
        actor: 'caseflow',
        reason: null,
        text: 'Device password rotated; access ended.',
      };
    case 'deliverEscalation':
      return {
        type: 'escalation-delivered',
        actor: 'caseflow',
        reason: null,
        text: `Delivered to ${t(input.target)}${result.externalReference ? ` (their reference ${t(result.externalReference)})` : ''}.`,
      };
    default:
      return null;
  }
}

/**
 * Who classified and on what evidence, from a recorded classification. Records from before the
 * model carry only rule ids and the rules' version; they read as they always did.
 */
function classifierOf(result: Args): { versions: string; evidence: string; details: Args } {
  const modelVersion = str(result.modelVersion);
  const evidence = Array.isArray(result.evidence) ? result.evidence.map(obj) : [];
  return {
    versions: `rules ${t(result.rulesVersion)}${modelVersion ? `, model ${modelVersion}` : ''}`,
    evidence: evidence.map((e) => `${t(e.term)} (${t(e.kind)} ${t(e.weight)})`).join(', '),
    details: {
      category: result.category,
      confidence: result.confidence,
      rulesVersion: result.rulesVersion,
      ...(modelVersion ? { modelVersion, evidence } : {}),
    },
  };
}

/**
 * An override names what it overrode: the classifier's category, versions and evidence, from the
 * case's last classification before it (which may sit in an earlier run of the case).
 */
function withClassificationBesideOverrides(entries: TimelineEntry[]): TimelineEntry[] {
  let classified: TimelineEntry | null = null;
  return entries.map((entry) => {
    if (entry.type === 'classified') classified = entry;
    if (entry.type !== 'category-overridden' || classified === null) return entry;
    const { details, reason } = classified;
    return {
      ...entry,
      text: `${entry.text} The classifier had said ${t(details?.category)} (confidence ${t(details?.confidence)}; ${t(reason)}).`,
      details: { ...entry.details, overridden: { ...details, eventId: classified.eventId } },
    };
  });
}

/** A notice the case sent, from the notification itself (or the part a local activity records). */
function noticeEntry(notice: Args): Omit<TimelineEntry, 'at' | 'workflowId' | 'eventId'> {
  return {
    type: t(notice.type),
    actor: 'caseflow',
    reason: null,
    text: t(notice.summary),
    details: { notice: notice.id, audience: notice.audience },
  };
}

/** Entries from one workflow's history. */
export function entriesOf(workflowId: string, history: JsonHistory): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const scheduled = new Map<string, { name: string; input: Args }>();
  const add = (
    event: { eventId: string; eventTime: string },
    e: Omit<TimelineEntry, 'at' | 'workflowId' | 'eventId'> | null,
  ) => {
    if (e) entries.push({ at: event.eventTime, workflowId, eventId: Number(event.eventId), ...e });
  };
  for (const event of history.events) {
    const { kind, attributes: a } = eventKind(event);
    switch (kind) {
      case 'workflowExecutionStarted': {
        const input = obj(decodePayloads(a.input as never)[0]);
        const type = t(obj(a.workflowType).name);
        if (input.resume)
          add(event, {
            type: 'continued',
            actor: 'caseflow',
            reason: null,
            text: 'The case continues in a new run with its state carried over.',
          });
        else if (type === 'supportCase') {
          const intake = obj(input.intake);
          add(event, {
            type: 'intake',
            actor: t(input.createdBy),
            reason: null,
            text: `Case opened: ${t(intake.title)} (Sev ${t(intake.severity)}, via ${t(intake.channel)}, ${t(input.supportModel)} by ${t(input.providerName)}).`,
          });
          if (input.classification) add(event, classifiedEntry(obj(input.classification)));
        } else if (type === 'elevation') {
          add(event, {
            type: 'elevation-started',
            actor: t(input.requestedBy),
            reason: null,
            text: `Elevation ${t(input.id)} opened.`,
          });
        } else if (type === 'escalation') {
          add(event, {
            type: 'escalation-started',
            actor: t(input.filedBy),
            reason: null,
            text: `Escalation ${t(input.id)} to ${t(input.target)} opened (Sev ${t(input.severity)}).`,
          });
        }
        break;
      }
      case 'workflowExecutionUpdateAccepted': {
        const request = obj(a.acceptedRequest);
        const inputs = obj(request.input);
        const name = t(inputs.name);
        const args = obj(decodePayloads(inputs.args as never)[0]);
        add(event, UPDATES[name]?.(args) ?? null);
        break;
      }
      case 'workflowExecutionSignaled': {
        const args = obj(decodePayloads(a.input as never)[0]);
        add(event, SIGNALS[t(a.signalName)]?.(args) ?? null);
        break;
      }
      case 'activityTaskScheduled': {
        const input = obj(decodePayloads(a.input as never)[0]);
        const name = t(obj(a.activityType).name);
        scheduled.set(t(event.eventId), { name, input });
        if (name === 'notify') add(event, noticeEntry(input));
        break;
      }
      case 'markerRecorded': {
        // A notice delivered as a local activity: its marker holds the result, which names it.
        if (a.markerName !== 'core_local_activity') break;
        const details = obj(a.details);
        const activity = obj(decodePayloads(details.data as never)[0]);
        const result = obj(decodePayloads(details.result as never)[0]);
        if (t(activity.activity_type) === 'notifyNow' && result.notice)
          add(event, noticeEntry(obj(result.notice)));
        break;
      }
      case 'activityTaskCompleted': {
        const origin = scheduled.get(t(a.scheduledEventId));
        if (origin)
          add(event, activityEntry(origin.name, origin.input, obj(decodePayloads(a.result as never)[0])));
        break;
      }
      case 'workflowExecutionCompleted': {
        const result = obj(decodePayloads(a.result as never)[0]);
        add(event, {
          type: 'finished',
          actor: 'caseflow',
          reason: null,
          text: `Finished: ${t(result.status)}.`,
          details: { status: result.status },
        });
        break;
      }
      case 'workflowExecutionContinuedAsNew':
        add(event, {
          type: 'continued-as-new',
          actor: 'caseflow',
          reason: 'history length threshold reached',
          text: 'Continued as a new run.',
        });
        break;
      case 'workflowExecutionTerminated':
        add(event, {
          type: 'terminated',
          actor: t(a.identity ?? 'operator'),
          reason: str(a.reason),
          text: 'Terminated by an operator.',
        });
        break;
      default:
        break;
    }
  }
  return entries;
}

/** The ids of the child workflows a history started (elevations, escalations). */
export function childWorkflowIds(history: JsonHistory): string[] {
  return history.events
    .map((e) => eventKind(e))
    .filter((e) => e.kind === 'startChildWorkflowExecutionInitiated')
    .map((e) => t(e.attributes.workflowId));
}

/** The whole case: its runs and children, merged in time order (ties keep each history's order). */
export function buildTimeline(
  caseId: string,
  histories: { workflowId: string; history: JsonHistory }[],
): Timeline {
  const entries = histories
    .flatMap(({ workflowId, history }, index) => entriesOf(workflowId, history).map((e) => ({ e, index })))
    .sort((x, y) => Date.parse(x.e.at) - Date.parse(y.e.at) || x.index - y.index || x.e.eventId - y.e.eventId)
    .map(({ e }) => e);
  return { caseId, entries: withClassificationBesideOverrides(entries) };
}
