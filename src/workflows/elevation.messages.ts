import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ElevationPolicy, ElevationView, NewElevation } from '../domain/elevation';

/** An elevation is a child of its case; its id is `<caseId>.<n>`. */
export const elevationWorkflowId = (caseId: string, n: number): string => `case:${caseId}:elevation:${n}`;

const ELEVATION_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([1-9][0-9]{0,3})$/;

/** The workflow ID for an API elevation id, or null when the id is not of that form. */
export function workflowIdOfElevation(elevationId: string): { caseId: string; workflowId: string } | null {
  const match = ELEVATION_ID.exec(elevationId);
  if (!match?.[1] || !match[2]) return null;
  return { caseId: match[1], workflowId: elevationWorkflowId(match[1], Number(match[2])) };
}

export interface ElevationInput extends NewElevation {
  policy: ElevationPolicy;
}

export interface ElevationResult {
  id: string;
  status: ElevationView['status'];
}

export const getElevation = defineQuery<ElevationView>('getElevation');

export const approveElevation = defineUpdate<
  ElevationView,
  [{ actor: string; reason: string; acknowledgeNotRecommended: boolean }]
>('approveElevation');
export const denyElevation = defineUpdate<ElevationView, [{ actor: string; reason: string }]>(
  'denyElevation',
);
export const releaseElevation = defineUpdate<
  ElevationView,
  [{ actor: string; reason: string; actorIsAdmin: boolean }]
>('releaseElevation');
export const requestExtension = defineUpdate<
  ElevationView,
  [{ actor: string; minutes: number; reason: string }]
>('requestExtension');
export const approveExtension = defineUpdate<ElevationView, [{ actor: string; reason: string }]>(
  'approveExtension',
);
export const denyExtension = defineUpdate<ElevationView, [{ actor: string; reason: string }]>(
  'denyExtension',
);

/** A checkout already happened (the API read the vault); the workflow records who and when. */
export const passwordCheckedOut = defineSignal<[{ actor: string; atMs: number }]>('passwordCheckedOut');
/** The case resolved or closed: access must end now. */
export const caseEnded = defineSignal<[{ reason: string }]>('caseEnded');

export const ELEVATION_REFUSED = 'ElevationRefused';
export const ELEVATION_FORBIDDEN = 'ElevationForbidden';

// From the device's account owner to the elevation holding a lease on it.
/** The device holds a password the holder may check out; it rotates at rotatesAtMs at the latest. */
export const leaseGranted =
  defineSignal<[{ leaseId: string; version: number; rotatesAtMs: number }]>('leaseGranted');
/** The owner could not grant (the cause says why); the elevation ends as grant-failed. */
export const leaseRefused = defineSignal<[{ leaseId: string; reason: string }]>('leaseRefused');
/** The password reached its maximum age and was replaced; holders check out again. */
export const passwordRotated =
  defineSignal<[{ leaseId: string; version: number; rotatesAtMs: number }]>('passwordRotated');
/** The vault no longer hands this lease the password; `lastHolder`: the device rotates now. */
export const leaseClosed = defineSignal<[{ leaseId: string; lastHolder: boolean }]>('leaseClosed');
