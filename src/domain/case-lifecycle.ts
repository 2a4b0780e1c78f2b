/*
 * The support case's rules as pure functions over plain data. The workflow holds a CaseRecord,
 * asks `decide` whether a command is allowed (update validators reject with the reason), applies
 * commands and facts, and lets `advance` fire whatever timers are due. Times are epoch ms from the
 * workflow's clock, so everything here replays deterministically.
 *
 * One concern per module; this one gathers them for the workflow and the API.
 */

export {
  type CaseCommand,
  type CaseElevation,
  type CaseEscalation,
  type CaseEscalationStatus,
  type CaseFact,
  type CaseNotice,
  type CaseRecord,
  caseEscalationIsOver,
  CHILD_ENDINGS,
  type ChildEnding,
  type Decision,
  type EscalationAsk,
  type InfoRequest,
  isFinished,
  openCase,
  openClassifiedCase,
  applyClassification,
  type Outcome,
  SYSTEM_ACTOR,
} from './case-record';
export * from './case-children';
export { applyCommand, decide } from './case-commands';
export * from './case-facts';
export * from './case-timers';
export * from './case-view';
