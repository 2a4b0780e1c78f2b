import { CATEGORIES, INFRASTRUCTURE_SUBCATEGORIES } from '../../src/domain/categories';
import { DEFAULT_RULE_SET, classify } from '../../src/domain/classification';
import {
  type FeatureScale,
  type FeatureValue,
  type RuleHit,
  type SoftmaxLayer,
  argmax,
  featureValues,
  scoreLayer,
} from '../../src/domain/classification/linear-model';
import { extractTextFeatures } from '../../src/domain/classification/text-features';
import { ruleHits } from '../../src/domain/classification/ticket-classifier';
import type { CorpusEntry } from './corpus';

/*
 * Training the linear model: multinomial logistic regression with an L2 penalty, full-batch
 * AdaGrad in a fixed order, so the same corpus and settings always give the same weights.
 */

export interface TrainingSettings extends FeatureScale {
  readonly l2: number;
  /** Passes of full-batch AdaGrad; `TRAINING.iterations` when left out. Fewer passes regularise too. */
  readonly iterations?: number;
  /**
   * A feature must occur in the tickets of at least this many templates (a template's tickets are
   * near-copies of one phrasing); left out, in at least `MIN_DOCUMENT_FREQUENCY` tickets.
   */
  readonly minTemplates?: number;
}

export const TRAINING = { iterations: 300, learningRate: 0.5 };
/** A feature seen in fewer training tickets than this is noise (a name, a typo). */
const MIN_DOCUMENT_FREQUENCY = 2;
/** Weights this small change no decision; leaving them out keeps the artefact small. */
const PRUNE_BELOW = 0.002;

/** A ticket as the model reads it: its text features and the ids of the rules it matched. */
export interface PreparedEntry {
  readonly entry: CorpusEntry;
  readonly textFeatures: readonly string[];
  readonly ruleHits: readonly RuleHit[];
}

export function prepare(entry: CorpusEntry): PreparedEntry {
  return {
    entry,
    textFeatures: extractTextFeatures(entry.title, entry.description),
    ruleHits: ruleHits(
      classify({ title: entry.title, description: entry.description }, DEFAULT_RULE_SET).rules,
      DEFAULT_RULE_SET,
    ),
  };
}

interface Example {
  readonly values: readonly FeatureValue[];
  readonly label: number;
  /** The template the ticket was written from, for `minTemplates`. */
  readonly template?: string;
}

/** The template a corpus id was generated from: the id without its last number. */
export const templateOf = (id: string): string => id.replace(/-\d+$/, '');

export function trainLayer(
  examples: readonly Example[],
  labels: readonly string[],
  l2: number,
  iterations: number = TRAINING.iterations,
  minTemplates?: number,
): SoftmaxLayer {
  const documentFrequency = new Map<string, number>();
  for (const { values } of examples) {
    for (const { feature } of values)
      documentFrequency.set(feature, (documentFrequency.get(feature) ?? 0) + 1);
  }
  const templates = new Map<string, Set<string>>();
  if (minTemplates !== undefined) {
    for (const { values, template } of examples) {
      for (const { feature } of values) {
        const seen = templates.get(feature);
        if (seen === undefined) templates.set(feature, new Set([template ?? '']));
        else seen.add(template ?? '');
      }
    }
  }
  const vocabulary = [...documentFrequency]
    .filter(
      ([feature, count]) =>
        count >= MIN_DOCUMENT_FREQUENCY &&
        (minTemplates === undefined || templates.get(feature)!.size >= minTemplates),
    )
    .map(([feature]) => feature)
    .sort();
  const indexOf = new Map(vocabulary.map((feature, index) => [feature, index]));
  const rows = examples.map(({ values, label }) => {
    const known = values.filter(({ feature }) => indexOf.has(feature));
    return {
      label,
      indices: Int32Array.from(known, ({ feature }) => indexOf.get(feature)!),
      values: Float64Array.from(known, ({ value }) => value),
    };
  });

  const labelCount = labels.length;
  const weights = new Float64Array(vocabulary.length * labelCount);
  const bias = new Float64Array(labelCount);
  const squaredWeightGradients = new Float64Array(weights.length);
  const squaredBiasGradients = new Float64Array(labelCount);
  const weightGradient = new Float64Array(weights.length);
  const biasGradient = new Float64Array(labelCount);
  const logits = new Float64Array(labelCount);
  // Every label weighs the same in total: the corpus's mix of categories is how many phrasings were
  // written for each, not how often each problem happens, so the model learns no prior from it.
  const rowsPerLabel = new Array<number>(labels.length).fill(0);
  for (const row of rows) rowsPerLabel[row.label]!++;
  const presentLabels = rowsPerLabel.filter((count) => count > 0).length;
  const scaleOf = rowsPerLabel.map((count) => (count === 0 ? 0 : 1 / (count * presentLabels)));
  for (let iteration = 0; iteration < iterations; iteration++) {
    weightGradient.fill(0);
    biasGradient.fill(0);
    for (const row of rows) {
      logits.set(bias);
      for (let k = 0; k < row.indices.length; k++) {
        const offset = row.indices[k]! * labelCount;
        const value = row.values[k]!;
        for (let label = 0; label < labelCount; label++) logits[label]! += weights[offset + label]! * value;
      }
      let max = -Infinity;
      for (let label = 0; label < labelCount; label++) max = Math.max(max, logits[label]!);
      let sum = 0;
      for (let label = 0; label < labelCount; label++) {
        logits[label] = Math.exp(logits[label]! - max);
        sum += logits[label]!;
      }
      for (let label = 0; label < labelCount; label++) {
        const error = (logits[label]! / sum - (label === row.label ? 1 : 0)) * scaleOf[row.label]!;
        biasGradient[label]! += error;
        for (let k = 0; k < row.indices.length; k++) {
          weightGradient[row.indices[k]! * labelCount + label]! += error * row.values[k]!;
        }
      }
    }
    for (let i = 0; i < weights.length; i++) {
      const gradient = weightGradient[i]! + l2 * weights[i]!;
      squaredWeightGradients[i]! += gradient * gradient;
      weights[i]! -= (TRAINING.learningRate * gradient) / (Math.sqrt(squaredWeightGradients[i]!) + 1e-8);
    }
    for (let label = 0; label < labelCount; label++) {
      const gradient = biasGradient[label]!;
      squaredBiasGradients[label]! += gradient * gradient;
      bias[label]! -= (TRAINING.learningRate * gradient) / (Math.sqrt(squaredBiasGradients[label]!) + 1e-8);
    }
  }

  const round = (value: number) => Math.round(value * 10_000) / 10_000;
  const kept: Record<string, number[]> = {};
  vocabulary.forEach((feature, index) => {
    const row = Array.from(weights.subarray(index * labelCount, (index + 1) * labelCount));
    if (row.some((weight) => Math.abs(weight) >= PRUNE_BELOW)) kept[feature] = row.map(round);
  });
  return { labels: [...labels], bias: Array.from(bias, round), weights: kept };
}

const categoryLabels: readonly string[] = CATEGORIES;
const subCategoryLabels: readonly string[] = INFRASTRUCTURE_SUBCATEGORIES;

const valuesOf = (prepared: PreparedEntry, settings: TrainingSettings) =>
  featureValues(prepared.textFeatures, prepared.ruleHits, settings);

export function trainCategoryLayer(
  entries: readonly PreparedEntry[],
  settings: TrainingSettings,
): SoftmaxLayer {
  return trainLayer(
    entries.map((prepared) => ({
      values: valuesOf(prepared, settings),
      label: categoryLabels.indexOf(prepared.entry.category),
      template: templateOf(prepared.entry.id),
    })),
    categoryLabels,
    settings.l2,
    settings.iterations,
    settings.minTemplates,
  );
}

export function trainSubCategoryLayer(
  entries: readonly PreparedEntry[],
  settings: TrainingSettings,
): SoftmaxLayer {
  return trainLayer(
    entries
      .filter((prepared) => prepared.entry.category === 'infrastructure')
      .map((prepared) => ({
        values: valuesOf(prepared, settings),
        label: subCategoryLabels.indexOf(prepared.entry.subCategory ?? ''),
        template: templateOf(prepared.entry.id),
      })),
    subCategoryLabels,
    settings.l2,
    settings.iterations,
    settings.minTemplates,
  );
}

/**
 * Tickets written from one template (ids differing only in the last number) stay in one fold, so
 * a fold is never scored on near-copies of what it was trained on.
 */
export function foldOf(id: string, folds: number, partition = 0): number {
  // Another partition of the same templates, to see how much a figure owes to one draw of folds.
  const group = `${id.replace(/-\d+$/, '')}${partition === 0 ? '' : `#${partition}`}`;
  let hash = 2166136261;
  for (const character of group) hash = Math.imul(hash ^ character.charCodeAt(0), 16777619);
  return (hash >>> 0) % folds;
}

export interface Prediction {
  readonly entry: CorpusEntry;
  readonly category: string;
  readonly probability: number;
}

/** Each training ticket scored by a model trained on the other folds: honest figures for calibration. */
export function crossValidatedPredictions(
  entries: readonly PreparedEntry[],
  settings: TrainingSettings,
  folds: number,
  partition = 0,
): Prediction[] {
  const predictions: Prediction[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const layer = trainCategoryLayer(
      entries.filter((prepared) => foldOf(prepared.entry.id, folds, partition) !== fold),
      settings,
    );
    for (const prepared of entries.filter((p) => foldOf(p.entry.id, folds, partition) === fold)) {
      const { probabilities } = scoreLayer(layer, valuesOf(prepared, settings));
      const best = argmax(probabilities);
      predictions.push({
        entry: prepared.entry,
        category: layer.labels[best]!,
        probability: probabilities[best]!,
      });
    }
  }
  return predictions;
}

export interface Calibration {
  readonly threshold: number;
  /** Shares of the calibration tickets at that threshold. */
  readonly correct: number;
  readonly wrong: number;
  readonly triage: number;
}

export interface CategoryCalibration {
  readonly thresholds: Record<string, number>;
  readonly correct: number;
  readonly wrong: number;
  readonly triage: number;
}

/** Never sure of an answer the model gives less than even odds, whatever calibration finds. */
export const LOWEST_CATEGORY_THRESHOLD = 0.5;

/**
 * A threshold per predicted category, from `start` down: step by step, lower one category's
 * threshold to the value that adds most correct answers (each wrong one counting as two lost) per
 * wrong answer it adds, while confident but wrong answers stay within `maxWrongShare`; stop when
 * no step gains. Categories whose answers are
 * reliable at lower confidence then stop waiting in triage, the others keep the stricter threshold.
 * Deterministic: ties go to the earlier category in `labels`.
 */
export function calibrateCategoryThresholds(
  predictions: readonly Prediction[],
  labels: readonly string[],
  start: number,
  maxWrongShare: number,
): CategoryCalibration {
  const total = predictions.length;
  const byCategory = new Map<string, Array<{ probability: number; right: boolean }>>();
  for (const label of labels) byCategory.set(label, []);
  for (const p of predictions) {
    byCategory.get(p.category)?.push({
      probability: Math.round(p.probability * 100) / 100,
      right: p.category === p.entry.category,
    });
  }
  const countAt = (label: string, threshold: number) => {
    let right = 0;
    let wrong = 0;
    for (const p of byCategory.get(label)!) {
      if (p.probability < threshold) continue;
      if (p.right) right++;
      else wrong++;
    }
    return { right, wrong };
  };
  const thresholds: Record<string, number> = Object.fromEntries(labels.map((label) => [label, start]));
  let wrongTotal = labels.reduce((sum, label) => sum + countAt(label, start).wrong, 0);
  for (;;) {
    let best: { label: string; lower: number; worth: number; addedWrong: number } | null = null;
    for (const label of labels) {
      const now = countAt(label, thresholds[label]!);
      const lowerValues = [...new Set(byCategory.get(label)!.map((p) => p.probability))]
        .filter((value) => value < thresholds[label]! && value >= LOWEST_CATEGORY_THRESHOLD)
        .sort((x, y) => y - x);
      for (const lower of lowerValues) {
        const then = countAt(label, lower);
        const addedWrong = then.wrong - now.wrong;
        if ((wrongTotal + addedWrong) / total > maxWrongShare) break;
        const gain = then.right - now.right - 2 * addedWrong;
        // Gain per wrong answer it costs: cheap steps first, so one category does not spend the budget.
        const worth = gain / (addedWrong + 1);
        if (gain > 0 && (best === null || worth > best.worth)) best = { label, lower, worth, addedWrong };
      }
    }
    if (best === null) break;
    thresholds[best.label] = best.lower;
    wrongTotal += best.addedWrong;
  }
  const correct = labels.reduce((sum, label) => sum + countAt(label, thresholds[label]!).right, 0) / total;
  const wrong = wrongTotal / total;
  return { thresholds, correct, wrong, triage: 1 - correct - wrong };
}

/** Shares of the predictions that are confidently right, confidently wrong and left to triage. */
export function sharesAt(predictions: readonly Prediction[], threshold: number) {
  const confident = predictions.filter((p) => Math.round(p.probability * 100) / 100 >= threshold);
  const right = confident.filter((p) => p.category === p.entry.category).length;
  const total = predictions.length || 1;
  return {
    correct: right / total,
    wrong: (confident.length - right) / total,
    triage: 1 - confident.length / total,
  };
}

/**
 * The lowest threshold (from `lowest`, 0.30 unless given, to 0.95 in steps of 0.01) at which
 * confident but wrong answers stay within `maxWrongShare`: the lowest such threshold leaves the
 * fewest tickets to triage.
 */
export function calibrateThreshold(
  predictions: readonly Prediction[],
  maxWrongShare: number,
  lowest = 0.3,
): Calibration {
  let fallback: Calibration | null = null;
  for (let step = Math.round(lowest * 100); step <= 95; step++) {
    const threshold = step / 100;
    const calibration = { threshold, ...sharesAt(predictions, threshold) };
    if (calibration.wrong <= maxWrongShare) return calibration;
    fallback = calibration;
  }
  return fallback!;
}

/** A calibration with how uncertain its wrong share is, as an estimate of the share on new tickets. */
export interface BoundedCalibration extends Calibration {
  /** Standard error of `wrong`, counting a template's tickets as one draw (they err together). */
  readonly wrongStandardError: number;
}

/** One-sided 95 %: the wrong share on new tickets exceeds the estimate by this many standard errors one time in twenty. */
export const CALIBRATION_STANDARD_ERRORS = 1.645;

/**
 * The lowest threshold (0.30–0.99 in steps of 0.01) at which the share of confident but wrong
 * answers, plus `standardErrors` standard errors of that share, stays within `maxWrongShare`. The
 * predictions are cross-validated, so the share estimates what new tickets will see; the standard
 * error is cluster-robust over templates (`templateOf`), because the tickets of one template are
 * near-copies that are right or wrong together, and a few such clusters make the estimate less
 * certain than its ticket count suggests. Without a margin, a threshold fitted to the predictions
 * would sit at the limit and overshoot it on new tickets about half the time.
 */
export function calibrateThresholdWithMargin(
  predictions: readonly Prediction[],
  maxWrongShare: number,
  standardErrors: number = CALIBRATION_STANDARD_ERRORS,
  templateOf: (id: string) => string = (id) => id.replace(/-\d+$/, ''),
): BoundedCalibration {
  const total = predictions.length;
  const templates = new Map<string, Prediction[]>();
  for (const p of predictions) {
    const key = templateOf(p.entry.id);
    const list = templates.get(key);
    if (list === undefined) templates.set(key, [p]);
    else list.push(p);
  }
  const clusters = [...templates.values()];
  let fallback: BoundedCalibration | null = null;
  for (let step = 30; step <= 99; step++) {
    const threshold = step / 100;
    const confident = (p: Prediction) => Math.round(p.probability * 100) / 100 >= threshold;
    const isWrong = (p: Prediction) => confident(p) && p.category !== p.entry.category;
    const right = predictions.filter((p) => confident(p) && p.category === p.entry.category).length;
    const wrongCount = predictions.filter(isWrong).length;
    const wrong = wrongCount / total;
    let variance = 0;
    for (const cluster of clusters) {
      const residual = cluster.filter(isWrong).length - wrong * cluster.length;
      variance += residual * residual;
    }
    const g = clusters.length;
    const wrongStandardError = g > 1 ? Math.sqrt((g / (g - 1)) * variance) / total : 0;
    const calibration = {
      threshold,
      correct: right / total,
      wrong,
      triage: 1 - (right + wrongCount) / total,
      wrongStandardError,
    };
    if (wrong + standardErrors * wrongStandardError <= maxWrongShare) return calibration;
    fallback = calibration;
  }
  return fallback!;
}

/** Wrong-answer budgets tried for the per-category thresholds, loosest first. */
const CATEGORY_BUDGETS = [0.01, 0.0075, 0.005, 0.0035, 0.0025, 0.0015] as const;

/**
 * Thresholds fitted to the predictions they are scored on look better than they are. So the budget
 * for the per-category thresholds is itself checked out of sample: for each fold, thresholds are
 * fitted on the other folds' cross-validated predictions and scored on this fold's. The loosest
 * budget whose out-of-fold wrong share stays within `maxWrongShare` (else the strictest tried) is
 * used on all predictions.
 */
export function calibrateCategoryThresholdsOutOfFold(
  predictions: readonly Prediction[],
  labels: readonly string[],
  start: number,
  maxWrongShare: number,
  folds: number,
): CategoryCalibration & { budget: number; outOfFold: { correct: number; wrong: number } } {
  let chosen: { budget: number; outOfFold: { correct: number; wrong: number } } | null = null;
  for (const budget of CATEGORY_BUDGETS) {
    let right = 0;
    let wrong = 0;
    for (let fold = 0; fold < folds; fold++) {
      const inFold = (p: Prediction) => foldOf(p.entry.id, folds) === fold;
      const { thresholds } = calibrateCategoryThresholds(
        predictions.filter((p) => !inFold(p)),
        labels,
        start,
        budget,
      );
      for (const p of predictions.filter(inFold)) {
        if (Math.round(p.probability * 100) / 100 < (thresholds[p.category] ?? start)) continue;
        if (p.category === p.entry.category) right++;
        else wrong++;
      }
    }
    chosen = {
      budget,
      outOfFold: { correct: right / predictions.length, wrong: wrong / predictions.length },
    };
    if (chosen.outOfFold.wrong <= maxWrongShare) break;
  }
  return { ...calibrateCategoryThresholds(predictions, labels, start, chosen!.budget), ...chosen! };
}
