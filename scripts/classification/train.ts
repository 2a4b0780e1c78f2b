/**
 * Trains the classification model from the training split and writes the versioned artefact
 * src/domain/classification/trained-model.json. Deterministic: the same corpus, rules and
 * settings give the same file.
 *
 * Settings (rule and n-gram weight against words, L2 penalty, passes) are chosen from 5-fold
 * cross-validation on the training split (folds keep a template's tickets together): at each
 * candidate's own threshold, the lowest at which the cross-validated share of confident wrong
 * answers stays within the 2 % target with 95 % confidence (the share plus 1.645 standard errors,
 * templates as clusters), or at per-category thresholds where those held out of fold; the settings
 * that leave the most tickets correct win. The held-out split is read for one thing only, as the
 * issue that asked for it says: the shipped triage threshold, from its calibration
 * (heldout-calibration.ts). It never chooses a setting or a training phrasing.
 *
 *   npm run classify:train [-- --version 2026-12-02.1]
 *   npm run classify:train -- --cv-only --candidates '[{"ruleFeatureValue":2,"charFeatureValue":0.5,"l2":1e-6}]'
 */
import { parseArgs } from 'node:util';
import { CATEGORIES } from '../../src/domain/categories';
import { CLASSIFICATION_RULES_VERSION } from '../../src/domain/classification';
import type { LinearModel } from '../../src/domain/classification/linear-model';
import { readCorpus } from './corpus';
import { TARGETS } from './evaluation';
import { withHeldoutCalibration } from './heldout-calibration';
import { checkVersion, MODEL_PATH, writeModel } from './model-artefact';
import {
  type TrainingSettings,
  calibrateCategoryThresholdsOutOfFold,
  CALIBRATION_STANDARD_ERRORS,
  calibrateThresholdWithMargin,
  crossValidatedPredictions,
  prepare,
  TRAINING,
  trainCategoryLayer,
  trainSubCategoryLayer,
} from './training';

const FOLDS = 5;
/** What confident wrong answers may cost; the single threshold keeps a margin below it (see training.ts). */
const MAX_CALIBRATION_WRONG_SHARE = TARGETS.maxWrong;
/** Per-category thresholds fit the predictions they are scored on, so they get half the budget. */
const MAX_CATEGORY_WRONG_SHARE = TARGETS.maxWrong / 2;
/** Where per-category calibration starts: nearly nothing is confidently wrong this high. */
const HIGHEST_THRESHOLD = 0.99;
// Rules weighed 2 words, n-grams at half a word, and a weaker L2 penalty than before. Cross-validated
// on the training split of 4 491 tickets (correct within the wrong-answer budget): L2 1e-6 left 79.0 %
// correct against 75.5 % at 1e-5, 68.7 % at 1e-4 and 73.2 % with none; rules at 1 word 77.8 %;
// n-grams at 0.3 or 1 word did worse in an earlier sweep (72.7 %, 75.2 %). Earlier still: rules at 2 words
// beat 8 (a rule that fires on a stray word no longer outvotes the rest of the text).
// On the thirteenth round's 5 736 tickets 600 passes left 83.9 % against 83.8 % at 300 and L2 3e-6
// 83.5 % (on 5 718 of them, 300 and 600 passes tied at 83.8 %); 1 000 passes and L2 3e-7 had done no
// better than 600 on 4 797 tickets (80.4 %, 79.9 % against 80.5 %). Title words as features of their own
// and character 3-grams did worse (81.7 % against 83.0 %, 83.2 % against 84.2 %, on the round's first
// and second parts), and averaging the probabilities of three layers over different features (all;
// words, pairs and rules; n-grams and words) gained too little for three times the artefact (85.2 %
// against 84.8 %). After 2026-12-02.13 shipped: features kept only when they occur in at least two
// templates (`minTemplates: 2`) left 84.6 % against 83.9 % on these folds and 82.7 % against 82.2 % on
// another partition (`--partition 1`), at least three templates 83.5 %: under a point on average, so
// not a candidate here. A committee's confidence (cv-ensemble.ts) and one fitted to whether answers
// were right (cv-confidence.ts) did no better than the winner's probability (README).
const CANDIDATE_SETTINGS: readonly TrainingSettings[] = [
  { ruleFeatureValue: 2, charFeatureValue: 0.5, l2: 0.000001 },
  { ruleFeatureValue: 2, charFeatureValue: 0.5, l2: 0.000003 },
  { ruleFeatureValue: 2, charFeatureValue: 0.5, l2: 0.000001, iterations: 600 },
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      version: { type: 'string' },
      // Other settings to cross-validate, as JSON: [{"ruleFeatureValue":2,"charFeatureValue":0.5,"l2":0.0001}]
      candidates: { type: 'string' },
      // Print the cross-validated figures of each candidate and write no model.
      'cv-only': { type: 'boolean', default: false },
      // With --cv-only: another partition of the templates into folds (0, the default, is the one
      // training calibrates on), to see how much a difference between settings owes to the folds.
      partition: { type: 'string', default: '0' },
    },
  });
  const version = checkVersion(values.version ?? `${new Date().toISOString().slice(0, 10)}.1`);

  const partition = Number(values.partition);
  if (!Number.isInteger(partition) || partition < 0) throw new Error('--partition must be 0, 1, 2, …');
  if (partition !== 0 && !values['cv-only']) throw new Error('--partition goes with --cv-only');
  const entries = readCorpus('train').map(prepare);
  let best: {
    settings: TrainingSettings;
    predictions: ReturnType<typeof crossValidatedPredictions>;
    calibration: ReturnType<typeof calibrateThresholdWithMargin>;
    perCategory: ReturnType<typeof calibrateCategoryThresholdsOutOfFold>;
  } | null = null;
  const candidates: readonly TrainingSettings[] =
    values.candidates === undefined ? CANDIDATE_SETTINGS : parseCandidates(values.candidates);
  for (const settings of candidates) {
    const predictions = crossValidatedPredictions(entries, settings, FOLDS, partition);
    const calibration = calibrateThresholdWithMargin(predictions, MAX_CALIBRATION_WRONG_SHARE);
    const perCategory = calibrateCategoryThresholdsOutOfFold(
      predictions,
      CATEGORIES,
      HIGHEST_THRESHOLD,
      MAX_CATEGORY_WRONG_SHARE,
      FOLDS,
    );
    console.log(
      `rules ×${settings.ruleFeatureValue} n-grams ×${settings.charFeatureValue} l2 ${settings.l2} iterations ${settings.iterations ?? TRAINING.iterations}` +
        `${settings.minTemplates === undefined ? '' : ` features in ≥ ${settings.minTemplates} templates`}: threshold ${calibration.threshold.toFixed(2)}, ` +
        `correct ${pct(calibration.correct)}, wrong ${pct(calibration.wrong)} ± ${pct(calibration.wrongStandardError)}, triage ${pct(calibration.triage)}; ` +
        `per category (budget ${(perCategory.budget * 100).toFixed(2)} %): correct ${pct(perCategory.correct)}, wrong ${pct(perCategory.wrong)}, ` +
        `out of fold correct ${pct(perCategory.outOfFold.correct)}, wrong ${pct(perCategory.outOfFold.wrong)}`,
    );
    if (best === null || shippedCorrect({ calibration, perCategory }) > shippedCorrect(best))
      best = { settings, predictions, calibration, perCategory };
  }
  const { settings, predictions, calibration, perCategory } = best!;
  console.log(crossValidationReport(predictions, calibration.threshold));
  if (values['cv-only']) return;
  console.log(
    `chosen: rules ×${settings.ruleFeatureValue}, n-grams ×${settings.charFeatureValue}, l2 ${settings.l2}, iterations ${settings.iterations ?? TRAINING.iterations}, threshold ${calibration.threshold}, per category ${JSON.stringify(perCategory.thresholds)}`,
  );

  const trained: LinearModel = {
    version,
    rulesVersion: CLASSIFICATION_RULES_VERSION,
    ruleFeatureValue: settings.ruleFeatureValue,
    charFeatureValue: settings.charFeatureValue,
    triageThreshold: calibration.threshold,
    ...(usePerCategory({ calibration, perCategory }) ? { categoryThresholds: perCategory.thresholds } : {}),
    training: {
      corpus: 'test/fixtures/classification/train.jsonl',
      tickets: entries.length,
      settings,
      calibration: {
        method: `${FOLDS}-fold cross-validation on the training split; wrong share plus ${CALIBRATION_STANDARD_ERRORS} standard errors (templates as clusters) within ${MAX_CALIBRATION_WRONG_SHARE}`,
        threshold: calibration.threshold,
        ...roundShares(calibration),
        wrongStandardError: round3(calibration.wrongStandardError),
        perCategory: {
          thresholds: perCategory.thresholds,
          budget: perCategory.budget,
          ...roundShares(perCategory),
          outOfFold: {
            correct: round3(perCategory.outOfFold.correct),
            wrong: round3(perCategory.outOfFold.wrong),
          },
        },
      },
    },
    category: trainCategoryLayer(entries, settings),
    infrastructureSubCategory: trainSubCategoryLayer(entries, settings),
  };
  const model = withHeldoutCalibration(trained, readCorpus('heldout'));
  console.log(`triage threshold from the held-out split's calibration: ${model.triageThreshold}`);
  const bytes = await writeModel(model);
  console.log(
    `wrote ${MODEL_PATH}: ${Object.keys(model.category.weights).length} category features, ` +
      `${Object.keys(model.infrastructureSubCategory.weights).length} sub-category features, ${Math.round(bytes / 1024)} KiB`,
  );
}

/**
 * Where the cross-validated answers at the chosen threshold fall short, by category and language,
 * and the commonest confusions: what the next round of training phrasings should cover. Training
 * split only.
 */
function crossValidationReport(
  predictions: ReturnType<typeof crossValidatedPredictions>,
  threshold: number,
): string {
  const lines = ['cross-validated on the training split, at the chosen threshold:'];
  const confident = (p: (typeof predictions)[number]) => Math.round(p.probability * 100) / 100 >= threshold;
  const share = (subset: typeof predictions) =>
    subset.length === 0
      ? '-'
      : `${pct(subset.filter((p) => confident(p) && p.category === p.entry.category).length / subset.length)} correct, ` +
        `first choice ${pct(subset.filter((p) => p.category === p.entry.category).length / subset.length)}`;
  for (const category of CATEGORIES)
    lines.push(`  ${category}: ${share(predictions.filter((p) => p.entry.category === category))}`);
  for (const language of ['en', 'sv'])
    lines.push(`  ${language}: ${share(predictions.filter((p) => p.entry.language === language))}`);
  const confusions = new Map<string, number>();
  for (const p of predictions) {
    if (p.category === p.entry.category) continue;
    const key = `${p.entry.category} → ${p.category}`;
    confusions.set(key, (confusions.get(key) ?? 0) + 1);
  }
  const commonest = [...confusions].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 12);
  lines.push(`  commonest first-choice confusions: ${commonest.map(([key, n]) => `${key} ${n}`).join(', ')}`);
  return lines.join('\n');
}

function parseCandidates(json: string): TrainingSettings[] {
  const parsed: unknown = JSON.parse(json);
  const isSettings = (c: unknown): c is TrainingSettings =>
    typeof c === 'object' &&
    c !== null &&
    ['ruleFeatureValue', 'charFeatureValue', 'l2'].every(
      (key) => typeof (c as Record<string, unknown>)[key] === 'number',
    ) &&
    ['undefined', 'number'].includes(typeof (c as Record<string, unknown>).iterations) &&
    ['undefined', 'number'].includes(typeof (c as Record<string, unknown>).minTemplates);
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every(isSettings))
    throw new Error('--candidates must be a JSON list of {ruleFeatureValue, charFeatureValue, l2}');
  return parsed;
}

const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
/**
 * Per-category thresholds only where they held out of fold and leave more tickets correct than one
 * threshold for all; else one threshold for all.
 */
const usePerCategory = (c: {
  calibration: { correct: number };
  perCategory: { correct: number; outOfFold: { wrong: number } };
}) =>
  c.perCategory.outOfFold.wrong <= MAX_CATEGORY_WRONG_SHARE && c.perCategory.correct > c.calibration.correct;
const shippedCorrect = (c: Parameters<typeof usePerCategory>[0]) =>
  usePerCategory(c) ? c.perCategory.correct : c.calibration.correct;
const round3 = (share: number) => Math.round(share * 1000) / 1000;
const roundShares = (c: { correct: number; wrong: number; triage: number }) => ({
  correct: Math.round(c.correct * 1000) / 1000,
  wrong: Math.round(c.wrong * 1000) / 1000,
  triage: Math.round(c.triage * 1000) / 1000,
});

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
