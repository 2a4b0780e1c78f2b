import type { z } from 'zod';
import { fieldIssues, problems } from './problem';

/** Parses one part of a request; a failure is a 400 whose issues are addressed from that part. */
export function parseRequestPart<S extends z.ZodType>(
  schema: S,
  value: unknown,
  part: 'body' | 'query' | 'params' | 'headers',
): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw problems.validation(fieldIssues(result.error, part));
  return result.data;
}
