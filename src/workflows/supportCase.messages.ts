import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CaseLogPage, CaseUpdateView, CaseView, ClassificationRecord, NewCase } from '../domain/case';
import type { CaseCommand, CaseFact, CaseRecord } from '../domain/case-lifecycle';
import type { CasePolicy } from '../domain/case-policy';
import type { ElevationRequest } from '../domain/elevation';
import type { EscalationRequest } from '../domain/escalation';

/** Every support case is one workflow with this ID, so the case id alone finds its history. */
export const caseWorkflowId = (caseId: string): string => `case:${caseId}`;

/** Memo field with the case's creation time; every run carries it over, so lists show it. */
export const CREATED_AT_MEMO = 'caseCreatedAt';

export interface SupportCaseInput extends NewCase {
  policy: CasePolicy;
  /** Set only by continue-as-new: the state the previous run handed over. */
  resume?: CaseRecord;
  /**
   * The starter set the case's search attributes (the API does): a run need not upsert them again
   * while they still match. Absent on cases opened before, whose histories upsert at once.
   */
  indexedAtStart?: boolean;
  /**
   * What the case indexes for its requester and device (RequesterId, DeviceSerial): keyed hashes
   * the starter computed where keys are configured, so the workflow needs no key. Absent on cases
   * opened before, which indexed the values themselves.
   */
  personalIndex?: { requesterId: string; deviceSerial: string };
  /**
   * The case indexes its participants (CaseParticipants) from its first run. Cases opened since
   * say so here, so their runs need no `patched()` call to tell: a patch marker costs every new
   * case two history events and a visibility write. Absent on cases opened before, whose runs
   * ask `patched('case-participants')` as they always did.
   */
  indexesParticipants?: boolean;
  /**
   * What the starter's classifier made of the intake (the API classifies it before the start, so
   * the case opens classified and indexed by category). Absent where the starter could not, and on
   * cases opened before: their first run classifies with the `classifyCase` activity.
   */
  classification?: ClassificationRecord;
  /**
   * A notification's delivery is written into the record without waking the case's loop: it moves
   * no clock, so a wake-up would only cancel the loop's timer and start the same one again (two
   * commands, two history events and a timer task for every notice). Cases opened since say so
   * here; cases opened before woke on every delivery, and replay that way.
   */
  quietDeliveries?: boolean;
  /**
   * Notifications are first tried as a local activity, inside the workflow task that raised them;
   * only one that fails there goes to the `notify` activity, which retries for a day. A regular
   * activity costs the server a task and a second workflow task for every notice, which is what
   * held back a thousand SLA timers firing together. Cases opened since say so here; cases opened
   * before scheduled every notice as an activity, and replay that way.
   */
  localNotifications?: boolean;
}

/** Memo field with the requester's id and the device serial, sealed with the payloads, for lists. */
export const PERSONAL_MEMO = 'casePersonal';
/** Memo field with an elevation's device serial, sealed with the payloads, for lists. */
export const ELEVATION_DEVICE_MEMO = 'elevationDevice';

export interface SupportCaseResult {
  id: string;
  status: CaseView['status'];
}

/** The command's own fields, without its discriminator: what an update carries. */
type CommandInput<T extends CaseCommand['type']> = Omit<Extract<CaseCommand, { type: T }>, 'type'>;
type FactInput<T extends CaseFact['type']> = Omit<Extract<CaseFact, { type: T }>, 'type'>;

export type AssignInput = CommandInput<'assign'>;
export type ChangeSeverityInput = CommandInput<'change-severity'>;
export type OverrideCategoryInput = CommandInput<'override-category'>;
export type RequestInfoInput = CommandInput<'request-info'>;
export type AddNoteInput = CommandInput<'add-note'>;
export type ResolveInput = CommandInput<'resolve'>;
export type ReopenInput = CommandInput<'reopen'>;
export type RequesterReplyInput = FactInput<'requester-replied'>;
export type RequesterConfirmationInput = FactInput<'requester-confirmed'>;

/** The case with the most recent entries of its log. */
export const getCase = defineQuery<CaseView>('getCase');
/** A page of the current run's log; `cursor` is where the previous page ended. */
export const getLog = defineQuery<CaseLogPage, [{ cursor: number; limit: number }]>('getLog');

// Agent commands: updates, so an invalid one is rejected with a reason instead of ignored. They
// return the case without its log: update results are stored in the history.
export const assign = defineUpdate<CaseUpdateView, [AssignInput]>('assign');
export const changeSeverity = defineUpdate<CaseUpdateView, [ChangeSeverityInput]>('changeSeverity');
export const overrideCategory = defineUpdate<CaseUpdateView, [OverrideCategoryInput]>('overrideCategory');
export const requestInfo = defineUpdate<CaseUpdateView, [RequestInfoInput]>('requestInfo');
export const addNote = defineUpdate<CaseUpdateView, [AddNoteInput]>('addNote');
export const resolve = defineUpdate<CaseUpdateView, [ResolveInput]>('resolve');
export const reopen = defineUpdate<CaseUpdateView, [ReopenInput]>('reopen');

/** JIT elevation on the case's device (escalation team); the elevation runs as a child workflow. */
export const requestElevation = defineUpdate<
  { elevationId: string; workflowId: string },
  [RequestElevationInput]
>('requestElevation');
export interface RequestElevationInput {
  actor: string;
  request: ElevationRequest;
  /** From the client's Idempotency-Key: a retry returns the elevation the first request started. */
  requestKey?: { key: string; fingerprint: string };
}
/** An IT admin's post-incident review of a break-glass grant; the case cannot close without it. */
export const reviewBreakGlass = defineUpdate<
  CaseView,
  [{ actor: string; elevationId: string; findings: string }]
>('reviewBreakGlass');

/** Escalation out of the provider (escalation team or IT admin), through the severity gate. */
export const fileEscalation = defineUpdate<
  { escalationId: string; workflowId: string },
  [FileEscalationInput]
>('fileEscalation');
export interface FileEscalationInput {
  actor: string;
  actorIsAdmin: boolean;
  request: EscalationRequest;
}
/** An IT admin linked the case to a multi-user incident, or the incident was resolved. */
export const linkIncident = defineSignal<[{ incidentId: string; actor: string }]>('linkIncident');
export const incidentResolved = defineSignal<[{ incidentId: string; message: string }]>('incidentResolved');

/**
 * A child (elevation or escalation) tells its case that it ended, and how. The case also awaits
 * the result of every child it started itself; this signal covers children handed over from an
 * earlier run by continue-as-new, whose results the new run cannot await. Sent once, as the
 * child's last step; repeats and signals for children already over change nothing.
 */
export const childEnded = defineSignal<[ChildEndedInput]>('childEnded');
export interface ChildEndedInput {
  kind: 'elevation' | 'escalation';
  /** The API id of the child (`<case id>.<n>` or `<case id>.x<n>`). */
  id: string;
  /** Its final status, or failed when it ended by an error. */
  status: string;
  detail?: string;
}

// Facts from the requester (relayed by the helpdesk): signals, always recorded.
export const requesterReplied = defineSignal<[RequesterReplyInput]>('requesterReplied');
export const requesterConfirmed = defineSignal<[RequesterConfirmationInput]>('requesterConfirmed');

/** An Idempotency-Key already used for a different request (the API answers 422). */
export const IDEMPOTENCY_KEY_REUSED = 'IdempotencyKeyReused';

/** The failure type an update validator uses for a command the case's state does not allow. */
export const INVALID_COMMAND = 'InvalidCaseCommand';
