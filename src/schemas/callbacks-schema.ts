import { z } from 'zod';
import { CALLBACK_KINDS } from '../domain/callbacks';

export const callbackSchema = z
  .object({
    // The party's own id for this callback: how a retried callback is recognised as a repeat.
    callbackId: z.string().regex(/^[A-Za-z0-9._:-]{8,128}$/, '8 to 128 of A-Z a-z 0-9 . _ : -'),
    kind: z.enum(CALLBACK_KINDS),
    message: z.string().trim().min(1).max(10_000),
    externalReference: z.string().max(200).optional(),
    occurredAt: z.iso.datetime().optional(),
  })
  // Strict, so a field a party believes it is sending (and caseflow would silently drop) is refused.
  .strict();
