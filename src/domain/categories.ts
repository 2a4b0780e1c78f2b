import { z } from 'zod';

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
export const categorySchema = z.enum(CATEGORIES);
export type Category = z.infer<typeof categorySchema>;

/** A case whose text matched no rule well enough waits in triage under this value. */
export const UNCLASSIFIED = 'unclassified' as const;
export const caseCategorySchema = z.enum([...CATEGORIES, UNCLASSIFIED]);
export type CaseCategory = z.infer<typeof caseCategorySchema>;

export const INFRASTRUCTURE_SUBCATEGORIES = ['printer', 'driver', 'vpn'] as const;
export const subCategorySchema = z.string().trim().min(1).max(80);

export const SEVERITIES = ['A', 'B', 'C'] as const;
export const severitySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof severitySchema>;
