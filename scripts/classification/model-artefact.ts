import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'prettier';
import type { LinearModel } from '../../src/domain/classification/linear-model';

/** The shipped model's artefact, read by `src/domain/classification/default-model.ts`. */
export const MODEL_PATH = join(
  __dirname,
  '..',
  '..',
  'src',
  'domain',
  'classification',
  'trained-model.json',
);

export const readModel = (): LinearModel => JSON.parse(readFileSync(MODEL_PATH, 'utf8')) as LinearModel;

/** Writes the artefact as formatted JSON; answers its size in bytes. */
export async function writeModel(model: LinearModel): Promise<number> {
  const json = await format(JSON.stringify(model), { parser: 'json', printWidth: 110 });
  writeFileSync(MODEL_PATH, json);
  return json.length;
}

/** A model version: the day it was made and a number, e.g. 2026-12-02.1. */
export function checkVersion(version: string): string {
  if (!/^\d{4}-\d{2}-\d{2}\.\d+$/.test(version)) throw new Error('--version must look like 2026-12-02.1');
  return version;
}
