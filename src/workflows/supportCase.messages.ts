import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CaseView, NewCase } from '../domain/case';
import type { CaseCommand, CaseFact, CaseRecord } from '../domain/case-lifecycle';
import type { CasePolicy } from '../domain/case-policy';
import type { ElevationRequest } from '../domain/elevation';
import type { EscalationRequest } from '../domain/escalation';

/** Every support case is one workflow with this ID, so the case id alone finds its history. */
export const caseWorkflowId = (caseId: string): string => `case:${caseId}`;

export interface SupportCaseInput extends NewCase {
  policy: CasePolicy;
  /** Set only by continue-as-new: the state the previous run handed over. */
  resume?: CaseRecord;
}

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

export const getCase = defineQuery<CaseView>('getCase');

// Agent commands: updates, so an invalid one is rejected with a reason instead of ignored.
export const assign = defineUpdate<CaseView, [AssignInput]>('assign');
export const changeSeverity = defineUpdate<CaseView, [ChangeSeverityInput]>('changeSeverity');
export const overrideCategory = defineUpdate<CaseView, [OverrideCategoryInput]>('overrideCategory');
export const requestInfo = defineUpdate<CaseView, [RequestInfoInput]>('requestInfo');
export const addNote = defineUpdate<CaseView, [AddNoteInput]>('addNote');
export const resolve = defineUpdate<CaseView, [ResolveInput]>('resolve');
export const reopen = defineUpdate<CaseView, [ReopenInput]>('reopen');

/** JIT elevation on the case's device (escalation team); the elevation runs as a child workflow. */
export const requestElevation = defineUpdate<
  { elevationId: string; workflowId: string },
  [RequestElevationInput]
>('requestElevation');
export interface RequestElevationInput {
  actor: string;
  request: ElevationRequest;
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

// Facts from the requester (relayed by the helpdesk): signals, always recorded.
export const requesterReplied = defineSignal<[RequesterReplyInput]>('requesterReplied');
export const requesterConfirmed = defineSignal<[RequesterConfirmationInput]>('requesterConfirmed');

/** The failure type an update validator uses for a command the case's state does not allow. */
export const INVALID_COMMAND = 'InvalidCaseCommand';
