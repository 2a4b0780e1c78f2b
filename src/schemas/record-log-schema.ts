import { z } from 'zod';

/** One step an elevation or escalation recorded: who, when, why, in words. */
export const recordLogEntrySchema = z.object({
  at: z.string(),
  type: z.string(),
  actor: z.string(),
  reason: z.string().nullable(),
  text: z.string(),
});
