import type { z } from 'zod';
import type { caseCategorySchema, categorySchema, severitySchema } from '../schemas/categories-schema';

/** Where a support case belongs, per the managed-desktop service's scope of support. */
export const CATEGORIES = [
  'windows-os',
  'microsoft-apps',
  'browser',
  'device',
  'infrastructure',
  'line-of-business-app',
  'hardware',
  'managed-desktop-service',
  'other-microsoft',
] as const;
export type Category = z.infer<typeof categorySchema>;

/** A case whose text matched no rule well enough waits in triage under this value. */
export const UNCLASSIFIED = 'unclassified' as const;
export type CaseCategory = z.infer<typeof caseCategorySchema>;

export const INFRASTRUCTURE_SUBCATEGORIES = ['printer', 'driver', 'vpn'] as const;

export const SEVERITIES = ['A', 'B', 'C'] as const;
export type Severity = z.infer<typeof severitySchema>;
