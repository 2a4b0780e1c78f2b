/**
 * How a record shows that a delivery needed retries: " on attempt 7, after 6 failed attempts"
 * for the attempt that landed, nothing for a first-time delivery or an unknown attempt.
 */
export function retriesNote(attempt: number | undefined): string {
  if (attempt === undefined || attempt <= 1) return '';
  return ` on attempt ${attempt}, after ${attempt - 1} failed attempt${attempt === 2 ? '' : 's'}`;
}
