import { z } from 'zod';
import { caseCategorySchema, categorySchema, severitySchema } from './categories';

export const CASE_STATUSES = [
  'new',
  'triaged',
  'in-progress',
  'waiting-on-requester',
  'waiting-on-vendor',
  'waiting-on-escalation',
  'resolved',
  'closed',
  'closed-unresponsive',
] as const;
export const caseStatusSchema = z.enum(CASE_STATUSES);
export type CaseStatus = z.infer<typeof caseStatusSchema>;

export const CLOSED_STATUSES: readonly CaseStatus[] = ['closed', 'closed-unresponsive'];
export const isClosed = (status: CaseStatus): boolean => CLOSED_STATUSES.includes(status);

export const SUPPORT_MODELS = ['customer-led', 'partner-led'] as const;
export type SupportModel = (typeof SUPPORT_MODELS)[number];

export const CHANNELS = ['phone', 'email', 'chat', 'portal', 'walk-in', 'other'] as const;

/** Devices in the service's Test group may not be elevated or escalated (DOMAIN.md). */
export const TEST_DEVICE_GROUP = 'test';

const text = (max: number) => z.string().trim().min(1).max(max);

export const requesterSchema = z
  .object({
    id: text(128).describe("The requester's id in the organisation's directory"),
    name: text(200).describe('Display name'),
    contact: text(320).describe('E-mail address or phone number'),
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
    title: z.string().trim().min(3).max(200),
    description: text(10_000),
    requester: requesterSchema,
    device: deviceSchema,
    severity: severitySchema.default('C'),
    categoryHint: categorySchema.optional(),
    channel: z.enum(CHANNELS).default('portal'),
    externalTicketId: text(128).optional().describe("The helpdesk's own ticket id"),
  })
  .strict()
  .meta({ id: 'CaseIntake' });
export type CaseIntake = z.infer<typeof caseIntakeSchema>;

export const classificationSchema = z
  .object({
    category: caseCategorySchema,
    subCategory: z.string().nullable(),
    confidence: z.number().min(0).max(1),
    rules: z.array(z.string()).describe('Ids of the rules that matched, strongest first'),
    rulesVersion: z.string(),
    needsTriage: z.boolean().describe('True when confidence was too low and an agent must triage'),
  })
  .meta({ id: 'Classification' });
export type ClassificationRecord = z.infer<typeof classificationSchema>;

/** The case as the workflow holds it and as the API returns it: plain JSON, no class instances. */
export const caseSchema = z
  .object({
    id: z.string(),
    status: caseStatusSchema,
    severity: severitySchema,
    category: caseCategorySchema,
    classification: classificationSchema.nullable(),
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
    requestFingerprint: z
      .string()
      .describe('Hash of the creating request; a reused Idempotency-Key with another body is refused'),
  })
  .meta({ id: 'Case' });
export type CaseState = z.infer<typeof caseSchema>;

export interface NewCase {
  id: string;
  intake: CaseIntake;
  createdBy: string;
  supportModel: SupportModel;
  providerName: string;
  requestFingerprint: string;
}

export function openCase(input: NewCase, nowIso: string): CaseState {
  const { intake } = input;
  return {
    id: input.id,
    status: 'new',
    severity: intake.severity,
    category: 'unclassified',
    classification: null,
    title: intake.title,
    description: intake.description,
    requester: { ...intake.requester },
    device: {
      serial: intake.device.serial,
      group: intake.device.group,
      isTestGroup: intake.device.group === TEST_DEVICE_GROUP,
    },
    channel: intake.channel,
    externalTicketId: intake.externalTicketId ?? null,
    supportModel: input.supportModel,
    providerName: input.providerName,
    createdAt: nowIso,
    createdBy: input.createdBy,
    updatedAt: nowIso,
    requestFingerprint: input.requestFingerprint,
  };
}

/** A confident classification triages the case; a doubtful one leaves it for an agent to triage. */
export function applyClassification(
  state: CaseState,
  result: ClassificationRecord,
  nowIso: string,
): CaseState {
  return {
    ...state,
    classification: result,
    category: result.needsTriage ? 'unclassified' : result.category,
    status: result.needsTriage ? state.status : 'triaged',
    updatedAt: nowIso,
  };
}

export const caseCategoryFilterSchema = caseCategorySchema;
