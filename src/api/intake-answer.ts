import { z } from 'zod';
import { isTemporalOutage } from './temporal-errors';

/**
 * What intake answers once the start of a case succeeded. From then on the case exists, so an
 * error would be a lie: a client told "500" or "503" would open the case again. When the first
 * read of the new case fails because Temporal or every worker is unavailable (a query waits for
 * a worker until the request's deadline), intake answers 202 with the case id and its Location
 * instead; the case runs as soon as a worker is there. Other failures stay errors.
 */
export type ReadAfterStart<T> = { ok: true; state: T } | { ok: false };

export async function readAfterStart<T>(read: () => Promise<T>): Promise<ReadAfterStart<T>> {
  try {
    return { ok: true, state: await read() };
  } catch (err) {
    if (isTemporalOutage(err)) return { ok: false };
    throw err;
  }
}

export const caseOpeningSchema = z
  .object({
    id: z.uuid(),
    status: z.literal('opening').describe('Created; its first state could not be read yet'),
  })
  .meta({ id: 'CaseOpening' });
