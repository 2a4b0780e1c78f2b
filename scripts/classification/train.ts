/**
 * Trains the classification model from the training split and writes the versioned artefact
 * src/domain/classification/trained-model.json. Deterministic: the same corpus, rules and
 * settings give the same file. The held-out split is never read here.
 *
 * Settings (rule weight against text, L2 penalty) and the triage threshold are chosen from
 * 5-fold cross-validation on the training split (folds keep a template's tickets together): the
 * threshold is the lowest at which the cross-validated share of confident wrong answers stays
 * within 1 %, half the 2 % the held-out target allows.
 *
 *   npm run classify:train [-- --version 2026-12-02.1]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { format } from 'prettier';
import { CLASSIFICATION_RULES_VERSION } from '../../src/domain/classification';
import type { LinearModel } from '../../src/domain/classification/linear-model';
import { readCorpus } from './corpus';
import {
  type TrainingSettings,
  calibrateThreshold,
  crossValidatedPredictions,
  prepare,
  trainCategoryLayer,
  trainSubCategoryLayer,
} from './training';

export const MODEL_PATH = join(
  __dirname,
  '..',
  '..',
  'src',
  'domain',
  'classification',
  'trained-model.json',
);
const FOLDS = 5;
const MAX_CALIBRATION_WRONG_SHARE = 0.01;
// Text alone as a baseline, then rules weighed 4 or 8 words, n-grams at half a word.
const CANDIDATE_SETTINGS: readonly TrainingSettings[] = [
  { ruleFeatureValue: 0, charFeatureValue: 0.3, l2: 0.00001 },
  { ruleFeatureValue: 4, charFeatureValue: 0.5, l2: 0.00001 },
  { ruleFeatureValue: 8, charFeatureValue: 0.5, l2: 0.00001 },
];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { version: { type: 'string' } } });
  const version = values.version ?? `${new Date().toISOString().slice(0, 10)}.1`;
  if (!/^\d{4}-\d{2}-\d{2}\.\d+$/.test(version)) throw new Error('--version must look like 2026-12-02.1');

  const entries = readCorpus('train').map(prepare);
  let best: { settings: TrainingSettings; calibration: ReturnType<typeof calibrateThreshold> } | null = null;
  for (const settings of CANDIDATE_SETTINGS) {
    const calibration = calibrateThreshold(
      crossValidatedPredictions(entries, settings, FOLDS),
      MAX_CALIBRATION_WRONG_SHARE,
    );
    console.log(
      `rules ×${settings.ruleFeatureValue} n-grams ×${settings.charFeatureValue} l2 ${settings.l2}: threshold ${calibration.threshold.toFixed(2)}, ` +
        `correct ${pct(calibration.correct)}, wrong ${pct(calibration.wrong)}, triage ${pct(calibration.triage)}`,
    );
    if (best === null || calibration.correct > best.calibration.correct) best = { settings, calibration };
  }
  const { settings, calibration } = best!;
  console.log(
    `chosen: rules ×${settings.ruleFeatureValue}, n-grams ×${settings.charFeatureValue}, l2 ${settings.l2}, threshold ${calibration.threshold}`,
  );

  const model: LinearModel = {
    version,
    rulesVersion: CLASSIFICATION_RULES_VERSION,
    ruleFeatureValue: settings.ruleFeatureValue,
    charFeatureValue: settings.charFeatureValue,
    triageThreshold: calibration.threshold,
    training: {
      corpus: 'test/fixtures/classification/train.jsonl',
      tickets: entries.length,
      settings,
      calibration: {
        method: `${FOLDS}-fold cross-validation on the training split`,
        ...roundShares(calibration),
      },
    },
    category: trainCategoryLayer(entries, settings),
    infrastructureSubCategory: trainSubCategoryLayer(entries, settings),
  };
  const json = await format(JSON.stringify(model), { parser: 'json', printWidth: 110 });
  writeFileSync(MODEL_PATH, json);
  console.log(
    `wrote ${MODEL_PATH}: ${Object.keys(model.category.weights).length} category features, ` +
      `${Object.keys(model.infrastructureSubCategory.weights).length} sub-category features, ${Math.round(json.length / 1024)} KiB`,
  );
}

const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
const roundShares = (c: { threshold: number; correct: number; wrong: number; triage: number }) => ({
  threshold: c.threshold,
  correct: Math.round(c.correct * 1000) / 1000,
  wrong: Math.round(c.wrong * 1000) / 1000,
  triage: Math.round(c.triage * 1000) / 1000,
});

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
