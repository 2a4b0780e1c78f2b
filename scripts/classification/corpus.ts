import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { INFRASTRUCTURE_SUBCATEGORIES } from '../../src/domain/categories';
import { categorySchema } from '../../src/schemas/categories-schema';

/** Where the labelled corpus lives: train.jsonl, heldout.jsonl, candidates/ and the README. */
export const CORPUS_DIR = join(__dirname, '..', '..', 'test', 'fixtures', 'classification');

export const corpusEntrySchema = z
  .object({
    id: z.string().min(1),
    language: z.enum(['en', 'sv']),
    title: z.string(),
    description: z.string(),
    category: categorySchema,
    subCategory: z.string().nullable(),
  })
  .refine(
    (entry) =>
      entry.category !== 'infrastructure' ||
      (INFRASTRUCTURE_SUBCATEGORIES as readonly (string | null)[]).includes(entry.subCategory),
    { message: `an infrastructure ticket needs a sub-category: ${INFRASTRUCTURE_SUBCATEGORIES.join(', ')}` },
  );
export type CorpusEntry = z.infer<typeof corpusEntrySchema>;

/** One JSON object a line; a bad line is named by its number. */
export function parseCorpus(text: string, source: string): CorpusEntry[] {
  const entries: CorpusEntry[] = [];
  const ids = new Set<string>();
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const parsed = corpusEntrySchema.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`${source}:${index + 1}: ${parsed.error.message}`);
    if (ids.has(parsed.data.id)) throw new Error(`${source}:${index + 1}: duplicate id ${parsed.data.id}`);
    ids.add(parsed.data.id);
    entries.push(parsed.data);
  });
  return entries;
}

export function serialiseCorpus(entries: readonly CorpusEntry[]): string {
  return entries.map((entry) => JSON.stringify(entry)).join('\n') + '\n';
}

export function readCorpus(split: 'train' | 'heldout'): CorpusEntry[] {
  const path = join(CORPUS_DIR, `${split}.jsonl`);
  return parseCorpus(readFileSync(path, 'utf8'), path);
}
