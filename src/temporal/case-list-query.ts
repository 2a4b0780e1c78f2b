import { z } from 'zod';
import { CASE_STATUSES, TIERS } from '../domain/case';
import type { CaseListScope } from '../domain/case-access';
import { caseCategorySchema, severitySchema } from '../schemas/categories-schema';
import type { PersonalAttribute } from './personal-index';

/**
 * Free-text filter values may only hold characters that cannot end a quoted string or start an
 * operator, so a value can never change the shape of the visibility query.
 */
const safeValue = z
  .string()
  .regex(/^[A-Za-z0-9._@:+-]{1,128}$/, 'letters, digits and . _ @ : + - only (max 128)');

export const caseListFiltersSchema = z
  .object({
    status: z.enum(CASE_STATUSES).optional(),
    severity: severitySchema.optional(),
    category: caseCategorySchema.optional(),
    tier: z.enum(TIERS).optional(),
    assignee: safeValue.optional(),
    requester: safeValue.optional(),
    device: safeValue.optional(),
    breached: z.enum(['true', 'false']).optional(),
  })
  .strict();
export type CaseListFilters = z.infer<typeof caseListFiltersSchema>;

/**
 * The values a personal attribute may hold for a filter value (its keyed hashes, see
 * personal-index.ts); the filter matches any of them.
 */
export type PersonalCandidates = (attribute: PersonalAttribute, value: string) => string[];

/** `A = 'x'`, or `A IN ('x', 'y')`: from validated values and the hashes made of them only. */
export function matchAny(attribute: PersonalAttribute, values: readonly string[]): string {
  const safe = values.filter((v) => safeValue.safeParse(v).success);
  if (safe.length === 0) throw new Error(`no value to match ${attribute} against`);
  return safe.length === 1
    ? `${attribute} = '${safe[0]}'`
    : `${attribute} IN (${safe.map((v) => `'${v}'`).join(', ')})`;
}

const FILTER_ATTRIBUTES: Record<Exclude<keyof CaseListFilters, 'breached'>, string> = {
  status: 'CaseStatus',
  severity: 'CaseSeverity',
  category: 'CaseCategory',
  tier: 'CaseTier',
  assignee: 'CaseAssignee',
  requester: 'RequesterId',
  device: 'DeviceSerial',
};

/**
 * A visibility query over support cases only, from filters that passed caseListFiltersSchema,
 * narrowed to the cases the scope may see; undefined when the scope can see none (no query needed).
 */
export function buildCaseListQuery(
  raw: CaseListFilters,
  scope: CaseListScope = { kind: 'all' },
  personal: PersonalCandidates = (_attribute, value) => [value],
): string | undefined {
  const filters = caseListFiltersSchema.parse(raw);
  // One row per case: the current run only, not the runs it continued as new from.
  const clauses = [`WorkflowType = 'supportCase'`, `ExecutionStatus != 'ContinuedAsNew'`];
  if (scope.kind === 'none') return undefined;
  if (scope.kind === 'participant') {
    // A name that could change the query's shape matches no case rather than being quoted.
    if (!safeValue.safeParse(scope.name).success) return undefined;
    // CaseAssignee too: cases whose runs began before CaseParticipants was kept still list for their assignee.
    clauses.push(`(CaseParticipants = '${scope.name}' OR CaseAssignee = '${scope.name}')`);
  }
  for (const [key, attribute] of Object.entries(FILTER_ATTRIBUTES)) {
    const value = filters[key as keyof typeof FILTER_ATTRIBUTES];
    if (value === undefined) continue;
    clauses.push(
      attribute === 'RequesterId' || attribute === 'DeviceSerial'
        ? matchAny(attribute, personal(attribute, value))
        : `${attribute} = '${value}'`,
    );
  }
  if (filters.breached !== undefined) clauses.push(`SlaBreached = ${filters.breached}`);
  return clauses.join(' AND ');
}
