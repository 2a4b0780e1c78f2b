import { z } from 'zod';
import { CATEGORIES, SEVERITIES, UNCLASSIFIED } from '../domain/categories';

/** Validation of categories and severities, for the edges; workflow code imports the types only. */

export const categorySchema = z.enum(CATEGORIES);
export const caseCategorySchema = z.enum([...CATEGORIES, UNCLASSIFIED]);
export const subCategorySchema = z.string().trim().min(1).max(80);
export const severitySchema = z.enum(SEVERITIES);
