import type { z } from 'zod';
import type { callbackSchema } from '../schemas/callbacks-schema';
import {
  DEFAULT_TOLERANCE_SECONDS,
  type SignatureFailure,
  signPayload,
  verifySignature,
} from './webhook-signature';

/**
 * Callbacks: what an escalation party (service operations, the Microsoft channel, the vendor)
 * tells caseflow about an escalation it received. They arrive signed with that party's own
 * secret, in the same scheme caseflow signs its deliveries with.
 *
 * This module pulls in node:crypto through webhook-signature, so workflow code may import its
 * types only; the API verifies and parses, and hands the workflow a plain `Callback`.
 */

export const CALLBACK_KINDS = ['acknowledged', 'update', 'needs-info', 'resolved'] as const;
export type CallbackKind = (typeof CALLBACK_KINDS)[number];

export type Callback = z.infer<typeof callbackSchema>;

export type CallbackVerdict = { ok: true } | { ok: false; reason: SignatureFailure };

/**
 * What a callback's signature is bound to: the target it comes from and the escalation it is
 * about. The MAC covers `<t>.<target>.<escalationId>.<raw body>`, so a signed "resolved" captured
 * for one escalation is worthless for any other escalation of the same target. Signatures over
 * the body alone are refused.
 */
export function callbackScope(target: string, escalationId: string): string {
  return `${target}.${escalationId}`;
}

export interface CallbackAddress {
  target: string;
  escalationId: string;
}

/** The `caseflow-signature` header a party sends with a callback (what parties and tests compute). */
export function signCallback(
  secret: string,
  timestampSeconds: number,
  rawBody: string,
  address: CallbackAddress,
): string {
  return signPayload(secret, timestampSeconds, rawBody, callbackScope(address.target, address.escalationId));
}

/** Where a party sends its callbacks for one escalation; deliveries tell the party this path. */
export function callbackPath(target: string, escalationId: string): string {
  return `/v1/callbacks/${encodeURIComponent(target)}/${encodeURIComponent(escalationId)}`;
}

/**
 * Checks a callback's `caseflow-signature` header against the raw body exactly as received (any
 * re-serialisation would change the bytes the party signed), bound to the target and escalation
 * the callback is addressed to.
 */
export function verifyCallback(
  secret: string,
  signatureHeader: string | undefined,
  rawBody: string,
  address: CallbackAddress,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): CallbackVerdict {
  const scope = callbackScope(address.target, address.escalationId);
  const verdict = verifySignature(secret, signatureHeader, rawBody, nowSeconds, toleranceSeconds, scope);
  return verdict.ok ? { ok: true } : { ok: false, reason: verdict.reason };
}
