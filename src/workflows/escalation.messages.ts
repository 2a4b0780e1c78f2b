import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  EscalationPolicy,
  EscalationStatus,
  EscalationView,
  IncomingCallback,
  NewEscalation,
} from '../domain/escalation';
import type { EscalationTarget } from '../domain/routing';

/** A case's escalations are its children; an incident files one of its own. */
export const escalationWorkflowId = (owner: { kind: 'case' | 'incident'; id: string }, n: number): string =>
  `${owner.kind}:${owner.id}:escalation:${n}`;

/** API ids: `<case id>.x<n>`, or `<incident id>.x<n>` where incident ids start with `inc-`. */
export const escalationApiId = (ownerId: string, n: number): string => `${ownerId}.x${n}`;
const API_ID = /^((inc-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.x([1-9][0-9]{0,3})$/;

export function workflowIdOfEscalation(apiId: string): string | null {
  const match = API_ID.exec(apiId);
  if (!match?.[1] || !match[3]) return null;
  return escalationWorkflowId({ kind: match[2] ? 'incident' : 'case', id: match[1] }, Number(match[3]));
}

export interface EscalationInput extends NewEscalation {
  policy: EscalationPolicy;
}

export const getEscalation = defineQuery<EscalationView>('getEscalation');
export const approveEscalation = defineUpdate<EscalationView, [{ actor: string; reason: string }]>(
  'approveEscalation',
);
export const declineEscalation = defineUpdate<EscalationView, [{ actor: string; reason: string }]>(
  'declineEscalation',
);
export const receiveCallback = defineUpdate<EscalationView, [{ target: string; callback: IncomingCallback }]>(
  'receiveCallback',
);
export const answerNeedsInfo = defineUpdate<EscalationView, [{ actor: string; message: string }]>(
  'answerNeedsInfo',
);

/** Sent by an escalation to its case or incident whenever its status changes. */
export interface EscalationChange {
  escalationId: string;
  target: EscalationTarget;
  status: EscalationStatus;
  message: string | null;
  externalReference: string | null;
  /** What the receiving party asked for and when it closes; absent from escalations that predate it. */
  needsInfo?: { message: string; atMs: number; closesAtMs: number } | null;
}
export const escalationChanged = defineSignal<[EscalationChange]>('escalationChanged');

/**
 * The owner withdraws the escalation: its case was resolved with `withdrawEscalation`, or ended.
 * The escalation ends as `withdrawn`, and a party it was delivered to gets a signed
 * `escalation-withdrawn` delivery.
 */
export const withdrawEscalation = defineSignal<[{ actor: string; reason: string }]>('withdrawEscalation');

export const ESCALATION_REFUSED = 'EscalationRefused';
