import { defineQuery } from '@temporalio/workflow';
import type { CaseState, NewCase } from '../domain/case';

/** Every support case is one workflow with this ID, so the case id alone finds its history. */
export const caseWorkflowId = (caseId: string): string => `case:${caseId}`;
export const CASE_WORKFLOW_ID_PREFIX = 'case:';

export type SupportCaseInput = NewCase;

export interface SupportCaseResult {
  id: string;
  status: CaseState['status'];
}

export const getCase = defineQuery<CaseState>('getCase');
