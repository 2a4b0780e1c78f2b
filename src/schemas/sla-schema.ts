import { z } from 'zod';
import { clockModeSchema } from './calendar-schema';
import { severitySchema } from './categories-schema';

/*
 * Validation of SLA policies and clock state, for the edges (configuration, API). Workflow code
 * imports the SLA's types only, so zod stays out of the workflow bundle.
 */

export const severityTargetsSchema = z.object({
  firstResponseMinutes: z.int().positive(),
  updateCadenceMinutes: z.int().positive(),
  resolutionMinutes: z.int().positive(),
  hours: clockModeSchema,
  /** The filer may choose 24x7 handling for this severity (the service allows it for Sev B). */
  twentyFourSevenOnRequest: z.boolean().default(false),
});

/** A deployment's change to some of a severity's targets; unlike the full schema, nothing defaults. */
export const severityTargetsOverrideSchema = z
  .object({
    firstResponseMinutes: z.int().positive().optional(),
    updateCadenceMinutes: z.int().positive().optional(),
    resolutionMinutes: z.int().positive().optional(),
    hours: clockModeSchema.optional(),
    twentyFourSevenOnRequest: z.boolean().optional(),
  })
  .strict();

export const slaPolicySchema = z.object({
  A: severityTargetsSchema,
  B: severityTargetsSchema,
  C: severityTargetsSchema,
});

export const pauseCauseSchema = z.string().trim().min(1).max(80);

export const pausedIntervalSchema = z.object({
  cause: pauseCauseSchema,
  fromMs: z.number(),
  toMs: z.number(),
});

export const slaClockStateSchema = z.object({
  startedAtMs: z.number(),
  severity: severitySchema,
  /** Chosen when the case was filed; only severities with `twentyFourSevenOnRequest` honour it. */
  twentyFourSeven: z.boolean(),
  pause: z.object({ cause: pauseCauseSchema, sinceMs: z.number() }).nullable(),
  /** Wall-clock milliseconds of finished pauses per cause: the figure reported to people. */
  pausedMsByCause: z.record(z.string(), z.number().nonnegative()),
  /**
   * Finished pauses in order. Deadlines need the intervals, not just totals, because paused time
   * counts only where it overlaps the clock's hours and only after each target's starting point.
   */
  pauseHistory: z.array(pausedIntervalSchema),
  firstResponseAtMs: z.number().nullable(),
  lastUpdateAtMs: z.number().nullable(),
  resolvedAtMs: z.number().nullable(),
});
