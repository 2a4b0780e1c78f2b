import { z } from 'zod';
import { singleLineText } from './case-schema';
import { severitySchema } from './categories-schema';
import { ESCALATION_AREAS, ESCALATION_STATUSES, REQUEST_TYPES } from '../domain/escalation';
import { recordLogEntrySchema } from './record-log-schema';
import { ESCALATION_TARGETS } from '../domain/routing';

/** Validation of escalation requests and the escalation view, for the API; workflows import types only. */

export const escalationRequestSchema = z
  .object({
    target: z.enum(ESCALATION_TARGETS).optional().describe("Defaults to the case's recommended route"),
    severity: severitySchema.optional().describe("Defaults to the case's severity"),
    requestType: z.enum(REQUEST_TYPES),
    category: z.enum(ESCALATION_AREAS).describe('The admin area: app packaging, devices, security or other'),
    subCategory: singleLineText(1, 120),
    title: singleLineText(3, 200),
    description: z.string().trim().min(10).max(10_000),
    contact: singleLineText(3, 320).describe('Primary contact for the receiving team'),
    twentyFourSeven: z
      .boolean()
      .default(false)
      .describe('Sev B only: the customer can engage around the clock'),
    reason: z.string().trim().min(3).max(2_000).optional().describe('Required when choosing another target'),
  })
  .strict()
  .meta({ id: 'EscalationRequest' });

export const escalationViewSchema = z
  .object({
    id: z.string(),
    caseId: z.string().nullable(),
    incidentId: z.string().nullable(),
    target: z.enum(ESCALATION_TARGETS),
    severity: severitySchema,
    status: z.enum(ESCALATION_STATUSES),
    gate: z.string(),
    caseSeverity: severitySchema.describe('The case severity the gate applied'),
    responseTable: z
      .enum(['service', 'vendor', 'microsoft-channel'])
      .describe(
        "Whose response expectations the clocks follow: the service's, the vendor's or the Microsoft channel's",
      ),
    filedBy: z.string(),
    approvedBy: z.string().nullable(),
    requestType: z.string(),
    category: z.string(),
    subCategory: z.string(),
    title: z.string(),
    contact: z.string(),
    adminContact: z.string(),
    twentyFourSeven: z.boolean(),
    filedAt: z.string().nullable(),
    delivery: z
      .object({ at: z.string(), to: z.string(), externalReference: z.string().nullable() })
      .nullable(),
    initialResponseDue: z.string().nullable(),
    nextUpdateDue: z.string().nullable(),
    needsInfo: z.object({ message: z.string(), at: z.string(), closesAt: z.string() }).nullable(),
    resolution: z.object({ message: z.string(), at: z.string() }).nullable(),
    log: z.array(recordLogEntrySchema),
  })
  .meta({ id: 'Escalation' });
