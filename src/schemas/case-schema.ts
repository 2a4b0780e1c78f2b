import { z } from 'zod';
import { CASE_STATUSES, CHANNELS, LOG_TYPES, SUPPORT_MODELS, TIERS } from '../domain/case';
import { caseCategorySchema, categorySchema, severitySchema } from './categories-schema';
import { ESCALATION_TARGETS } from '../domain/routing';
import { SLA_TARGETS } from '../domain/sla';
import { unsafeInLine } from '../domain/text';

/*
 * The case's request and response shapes, for the API and the OpenAPI document. Workflow code
 * imports the case's types only (from ./case), so zod stays out of the workflow bundle.
 */

/** A trimmed single-line text field of min..max characters (see ./text for what it refuses). */
export const singleLineText = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .superRefine((value, ctx) => {
      const why = unsafeInLine(value);
      if (why) ctx.addIssue({ code: 'custom', message: `must be one line without ${why}` });
    });

export const caseStatusSchema = z.enum(CASE_STATUSES);

const text = (max: number) => z.string().trim().min(1).max(max);

export const requesterSchema = z
  .object({
    id: singleLineText(1, 128).describe("The requester's id in the organisation's directory"),
    name: singleLineText(1, 200).describe('Display name'),
    contact: singleLineText(1, 320).describe('E-mail address or phone number'),
  })
  .strict()
  .meta({ id: 'Requester' });

export const deviceSchema = z
  .object({
    serial: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, dot, underscore or dash (max 64)')
      .describe('Device serial number'),
    group: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9][a-z0-9 ._-]{0,63}$/, 'a device group name such as test, first, fast or broad')
      .describe('Deployment group of the device; "test" devices are recorded as such'),
  })
  .strict()
  .meta({ id: 'Device' });

export const caseIntakeSchema = z
  .object({
    title: singleLineText(3, 200),
    description: text(10_000),
    requester: requesterSchema,
    device: deviceSchema,
    severity: severitySchema.default('C'),
    twentyFourSeven: z
      .boolean()
      .default(false)
      .describe('Sev B only: the requester can engage around the clock, so the SLA counts 24x7'),
    categoryHint: categorySchema.optional(),
    channel: z.enum(CHANNELS).default('portal'),
    externalTicketId: singleLineText(1, 128).optional().describe("The helpdesk's own ticket id"),
  })
  .strict()
  .meta({ id: 'CaseIntake' });

export const classificationSchema = z
  .object({
    category: caseCategorySchema,
    subCategory: z.string().nullable(),
    confidence: z.number().min(0).max(1),
    rules: z.array(z.string()).describe('Ids of the rules that matched, strongest first'),
    rulesVersion: z.string(),
    needsTriage: z.boolean().describe('True when confidence was too low and an agent must triage'),
    modelVersion: z
      .string()
      .optional()
      .describe('The classification model that decided; absent when the rules alone decided'),
    evidence: z
      .array(
        z.object({
          kind: z.enum(['word', 'phrase', 'chars', 'concept', 'rule']),
          term: z.string(),
          weight: z.number().describe("What the feature added to the category's score (log-odds)"),
        }),
      )
      .optional()
      .describe("The model's strongest evidence for the category, strongest first"),
  })
  .meta({ id: 'Classification' });

export const tierSchema = z.enum(TIERS);

/** One step of the case as the workflow recorded it: who, when, why. */
export const caseLogEntrySchema = z
  .object({
    at: z.iso.datetime(),
    type: z.enum(LOG_TYPES),
    actor: z.string().describe('A principal, or "caseflow" for what the rules did by themselves'),
    reason: z.string().nullable(),
    text: z.string(),
  })
  .meta({ id: 'CaseLogEntry' });

export const breachSchema = z
  .object({
    target: z.enum(SLA_TARGETS),
    severity: severitySchema,
    dueAt: z.iso.datetime(),
    breachedAt: z.iso.datetime(),
  })
  .meta({ id: 'SlaBreach' });

export const routeSchema = z
  .object({
    handledBy: z.enum(['support-provider', 'escalation', 'triage']),
    target: z.enum(ESCALATION_TARGETS).nullable(),
    reason: z.string(),
  })
  .meta({ id: 'Route' });

const isoOrNull = z.iso.datetime().nullable();

export const slaViewSchema = z
  .object({
    clock: z.enum(['24x7', 'business-hours']),
    firstResponseDue: isoOrNull.describe('Null once met, or while the clock is paused'),
    firstResponseAt: isoOrNull,
    nextUpdateDue: isoOrNull.describe('Due once a first response was given; null while paused'),
    resolutionDue: isoOrNull,
    paused: z.string().nullable().describe('Why the clock is paused now (requester, vendor), or null'),
    pausedSeconds: z
      .record(z.string(), z.number())
      .describe('Paused time per cause, including a pause in progress'),
    atRisk: z.array(z.enum(SLA_TARGETS)).describe('Targets with 75 % or more of their time used'),
    breaches: z.array(breachSchema),
  })
  .meta({ id: 'Sla' });

/** The case as the API returns it: the workflow's live state, computed at query time. */
export const caseSchema = z
  .object({
    id: z.string(),
    status: caseStatusSchema,
    severity: severitySchema,
    twentyFourSeven: z.boolean(),
    category: caseCategorySchema,
    subCategory: z.string().nullable(),
    classification: classificationSchema.nullable(),
    route: routeSchema,
    tier: tierSchema,
    assignee: z.string().nullable(),
    title: z.string(),
    description: z.string(),
    requester: z.object({ id: z.string(), name: z.string(), contact: z.string() }),
    device: z.object({ serial: z.string(), group: z.string(), isTestGroup: z.boolean() }),
    channel: z.string(),
    externalTicketId: z.string().nullable(),
    supportModel: z.enum(SUPPORT_MODELS),
    providerName: z.string(),
    createdAt: z.iso.datetime(),
    createdBy: z.string().describe('The authenticated principal that opened the case'),
    updatedAt: z.iso.datetime(),
    sla: slaViewSchema,
    pendingQuestion: z
      .object({ question: z.string(), askedAt: z.iso.datetime(), askedBy: z.string() })
      .nullable(),
    resolution: z.object({ note: z.string(), at: z.iso.datetime(), by: z.string() }).nullable(),
    reopenCount: z.number().int(),
    closedAt: isoOrNull,
    closeReason: z.string().nullable(),
    elevations: z.array(
      z.object({
        id: z.string(),
        requestedBy: z.string(),
        breakGlass: z.boolean(),
        finished: z.boolean(),
        outcome: z.string().nullable(),
        review: z.object({ by: z.string(), at: z.iso.datetime(), findings: z.string() }).nullable(),
      }),
    ),
    escalations: z.array(
      z.object({
        id: z.string(),
        target: z.string(),
        status: z
          .string()
          .describe(
            "The escalation's status; failed, terminated, cancelled or timed-out when its workflow ended so",
          ),
        externalReference: z.string().nullable(),
      }),
    ),
    escalationNeedsInfo: z
      .object({
        escalationId: z.string(),
        target: z.string(),
        message: z.string(),
        askedAt: z.iso.datetime(),
        closesAt: z.iso.datetime().describe('Unanswered until then, the escalation is mitigated and closed'),
      })
      .nullable()
      .describe('What the receiving party of an open escalation asked for, until it is answered'),
    incidentId: z.string().nullable(),
    actors: z
      .array(z.string())
      .describe(
        'Principals who have acted on the case over its whole life (at most 100), whatever the log shows',
      ),
    log: z
      .array(caseLogEntrySchema)
      .describe('The most recent entries (at most 50); GET /v1/cases/{id}/log pages through all of this run'),
    logEntries: z.number().int().describe('How many entries the log of the current run holds'),
    requestFingerprint: z
      .string()
      .describe('Hash of the creating request; a reused Idempotency-Key with another body is refused'),
  })
  .meta({ id: 'Case' });

/** What a command returns: the case without its log, so update results stay small in the history. */
export const caseUpdateSchema = caseSchema.omit({ log: true }).meta({ id: 'CaseAfterCommand' });

/** A page of a case's log (the current run; earlier runs are on the timeline). */
export const caseLogPageSchema = z
  .object({
    entries: z.array(caseLogEntrySchema),
    nextCursor: z.string().nullable(),
    earlierRuns: z
      .boolean()
      .describe('The case continued as new: entries of earlier runs are on GET /v1/cases/{id}/timeline'),
  })
  .meta({ id: 'CaseLogPage' });
