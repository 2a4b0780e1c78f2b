import { z } from 'zod';
import { singleLineText } from './case-schema';
import { ELEVATION_ACTION_IDS, ELEVATION_STATUSES } from '../domain/elevation';
import { recordLogEntrySchema } from './record-log-schema';

/*
 * Validation of elevation policies and requests, and the elevation view, for the edges
 * (configuration, API). Workflow code imports the elevation's types only.
 */

export const elevationPolicySchema = z.object({
  approvalTimeoutMinutes: z
    .int()
    .positive()
    .max(7 * 24 * 60)
    .default(60),
  approvalReminderBeforeMinutes: z.int().positive().default(15),
  defaultWindowMinutes: z.int().positive().default(120),
  /** No single grant or extension may be longer than this. */
  maxWindowMinutes: z.int().positive().default(240),
  /** A grant with all its extensions may not last longer than this. */
  maxTotalMinutes: z.int().positive().default(480),
  expiryWarningMinutes: z.int().positive().default(15),
  /** No checked-out password stays set on the device longer than this (the seed's two hours). */
  passwordMaxAgeMinutes: z.int().positive().default(120),
  /** A rotation still failing after this long is notified (`elevation-rotation-failing`). */
  rotationFailingAfterMinutes: z.int().positive().default(15),
  /** A grant not settled after this long ends the elevation as grant-failed. */
  grantTimeoutMinutes: z.int().positive().default(10),
  /** A device's account owner with no lease finishes after this long. */
  deviceIdleMinutes: z.int().positive().default(60),
});

export const elevationRequestSchema = z
  .object({
    ticketId: singleLineText(1, 128).describe("The support ticket id in the provider's own system"),
    deviceSerial: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a device serial number'),
    category: singleLineText(1, 80),
    title: singleLineText(3, 200),
    planOfAction: z.string().trim().min(10).max(5_000),
    actions: z
      .array(z.enum(ELEVATION_ACTION_IDS))
      .min(1)
      .max(ELEVATION_ACTION_IDS.length)
      .refine((a) => new Set(a).size === a.length, 'each action once'),
    durationMinutes: z
      .int()
      .min(1)
      .max(24 * 60)
      .optional(),
    breakGlass: z
      .object({ reason: z.string().trim().min(10).max(2_000) })
      .strict()
      .optional()
      .describe(
        'Sev A only: self-approve at once; every IT admin is told and the case needs a review to close',
      ),
  })
  .strict()
  .meta({ id: 'ElevationRequest' });

/** The elevation as the API shows it. */
export const elevationViewSchema = z
  .object({
    id: z.string(),
    caseId: z.string(),
    status: z.enum(ELEVATION_STATUSES),
    requestedBy: z.string(),
    approvedBy: z.string().nullable(),
    startsAt: z.iso.datetime().nullable(),
    endsAt: z.iso.datetime().nullable(),
    ticketId: z.string(),
    deviceSerial: z.string(),
    category: z.string(),
    title: z.string(),
    planOfAction: z.string(),
    actions: z.array(z.string()),
    notRecommended: z.array(z.string()),
    breakGlass: z.boolean(),
    requestedAt: z.iso.datetime(),
    checkouts: z.array(z.object({ by: z.string(), at: z.iso.datetime() })),
    pendingExtension: z
      .object({ minutes: z.number(), reason: z.string(), requestedAt: z.iso.datetime() })
      .nullable(),
    endedReason: z.string().nullable(),
    rotatedAt: z.iso.datetime().nullable(),
    nextRotationAt: z.iso
      .datetime()
      .nullable()
      .describe('While active: when the shared device password rotates at the latest (check out again then)'),
    accessClosedAt: z.iso.datetime().nullable(),
    grantFailure: z.string().nullable(),
    policyVersion: z.string(),
    log: z.array(recordLogEntrySchema),
  })
  .meta({ id: 'Elevation' });
