import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CasePolicy } from '../domain/case-policy';
import type { Severity } from '../domain/categories';

export const incidentWorkflowId = (incidentId: string): string => `incident:${incidentId}`;

export interface IncidentInput {
  id: string;
  title: string;
  description: string;
  severity: Severity;
  caseIds: string[];
  openedBy: string;
  contact: string;
  policy: CasePolicy;
  /** Hash of the creating request: a reused Idempotency-Key with another body is refused. */
  requestFingerprint?: string;
}

export interface IncidentView {
  id: string;
  title: string;
  description: string;
  severity: Severity;
  status: 'open' | 'resolved' | 'closed';
  caseIds: string[];
  openedBy: string;
  escalationId: string | null;
  escalationStatus: string | null;
  resolution: string | null;
  requestFingerprint: string | null;
  log: { at: string; type: string; actor: string; reason: string | null; text: string }[];
}

export const getIncident = defineQuery<IncidentView>('getIncident');
export const linkCases = defineUpdate<IncidentView, [{ actor: string; caseIds: string[] }]>('linkCases');
export const INCIDENT_REFUSED = 'IncidentRefused';
