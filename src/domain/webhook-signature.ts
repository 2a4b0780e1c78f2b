import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signatures for JSON webhooks, in both directions: caseflow signs what it sends, and verifies
 * callbacks with the same scheme. The header is `t=<unix seconds>,v1=<hex HMAC-SHA256>` where the
 * MAC covers `<t>.<raw body>`, so neither the body nor the time can be swapped independently.
 * A header may carry several `v1=` values so a sender can sign with an old and a new secret
 * while receivers roll over; fields other than `t` and `v1` are ignored for future schemes.
 *
 * A signature can also be bound to a scope (what the message is about, e.g. one escalation of
 * one target): the MAC then covers `<t>.<scope>.<raw body>`, so a body signed for one scope is not
 * valid for another. A scope never contains `{` and bodies are JSON objects, so a scoped and an
 * unscoped base string can never coincide.
 */

/** Header names are lower case: Node's HTTP stack reports incoming headers that way. */
export const SIGNATURE_HEADER = 'caseflow-signature';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const EVENT_HEADER = 'caseflow-event';

/** How far the signed time may drift from the receiver's clock, either way, by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SignatureFailure = 'missing' | 'malformed' | 'bad-signature' | 'stale';
export type SignatureVerdict = { ok: true; timestamp: number } | { ok: false; reason: SignatureFailure };

const TIMESTAMP = /^\d{1,15}$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/i;

export function signPayload(secret: string, timestampSeconds: number, body: string, scope?: string): string {
  assertUsableSecret(secret);
  assertUsableScope(scope);
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError('timestampSeconds must be a non-negative whole number of seconds');
  }
  return `t=${timestampSeconds},v1=${macHex(secret, timestampSeconds, body, scope)}`;
}

export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
  scope?: string,
): SignatureVerdict {
  assertUsableSecret(secret);
  assertUsableScope(scope);
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing' };

  const parsed = parseSignatureHeader(header);
  if (!parsed) return { ok: false, reason: 'malformed' };

  // The MAC is checked before the clock so that 'stale' is only ever reported for a genuine
  // signature: an attacker learns nothing about the tolerance window from forged headers.
  const expected = Buffer.from(macHex(secret, parsed.timestamp, body, scope), 'hex');
  if (!matchesAny(expected, parsed.signatures)) return { ok: false, reason: 'bad-signature' };

  if (Math.abs(nowSeconds - parsed.timestamp) > toleranceSeconds) return { ok: false, reason: 'stale' };
  return { ok: true, timestamp: parsed.timestamp };
}

interface ParsedSignatureHeader {
  timestamp: number;
  signatures: Buffer[];
}

/** Returns undefined for anything that is not exactly one timestamp plus at least one v1 MAC. */
function parseSignatureHeader(header: string): ParsedSignatureHeader | undefined {
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const field of header.split(',')) {
    const eq = field.indexOf('=');
    if (eq <= 0) return undefined;
    const key = field.slice(0, eq).trim();
    const value = field.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !TIMESTAMP.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!HEX_SHA256.test(value)) return undefined;
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  if (timestamp === undefined || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}

/** The exact string the MAC covers; receivers and senders in other languages rebuild it the same way. */
export function signedContent(timestampSeconds: number, body: string, scope?: string): string {
  return scope === undefined ? `${timestampSeconds}.${body}` : `${timestampSeconds}.${scope}.${body}`;
}

function macHex(secret: string, timestampSeconds: number, body: string, scope?: string): string {
  return createHmac('sha256', secret)
    .update(signedContent(timestampSeconds, body, scope), 'utf8')
    .digest('hex');
}

/** Compares against every candidate, without stopping early, so timing says nothing about which matched. */
function matchesAny(expected: Buffer, candidates: readonly Buffer[]): boolean {
  let matched = false;
  for (const candidate of candidates) {
    // Lengths are equal by construction (64 hex digits each), which timingSafeEqual requires.
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
  }
  return matched;
}

/** An empty or brace-carrying scope would blur the line between scoped and unscoped signatures. */
function assertUsableScope(scope: string | undefined): void {
  if (scope !== undefined && (scope === '' || scope.includes('{'))) {
    throw new TypeError('a signature scope must be non-empty and must not contain "{"');
  }
}

/** An empty key still yields a MAC, which would make a missing secret look like a working setup. */
function assertUsableSecret(secret: string): void {
  if (secret.length === 0) throw new TypeError('a webhook signing secret must not be empty');
}
