/*
 * The `Prefer` request header (RFC 7240), as far as caseflow honours it: `wait=N` asks the server
 * to wait up to N seconds for a fuller answer before it responds.
 */

/** The longest wait a client may ask for: an HTTP request should not hold a connection longer. */
export const MAX_PREFER_WAIT_SECONDS = 10;

/**
 * The seconds a `Prefer` header asks to wait (capped at the maximum), or 0 when it asks for no
 * wait or cannot be read. Preferences are hints: an unknown or malformed one is ignored, never an
 * error.
 */
export function preferredWaitSeconds(header: string | undefined): number {
  if (!header) return 0;
  for (const preference of header.split(',')) {
    const match = /^\s*wait\s*=\s*"?(\d{1,6})"?\s*(?:;.*)?$/i.exec(preference);
    if (match) return Math.min(Number(match[1]), MAX_PREFER_WAIT_SECONDS);
  }
  return 0;
}
