import type { z } from 'zod';
import type { callbackSchema } from './callbacks-schema';
import { DEFAULT_TOLERANCE_SECONDS, type SignatureFailure, verifySignature } from './webhook-signature';

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
 * Checks a callback's `caseflow-signature` header against the raw body exactly as received: any
 * re-serialisation would change the bytes the party signed.
 */
export function verifyCallback(
  secret: string,
  signatureHeader: string | undefined,
  rawBody: string,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): CallbackVerdict {
  const verdict = verifySignature(secret, signatureHeader, rawBody, nowSeconds, toleranceSeconds);
  return verdict.ok ? { ok: true } : { ok: false, reason: verdict.reason };
}
