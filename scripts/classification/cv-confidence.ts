/**
 * Cross-validation, on the training split only, of a confidence read from more than the winner's
 * probability: a small logistic regression over named signals of one answer (the winner's
 * log-odds, its lead over the runner-up, whether the rules' own answer agrees, how many known
 * features the ticket has, its language, the answered category) that predicts whether the answer
 * is right. Nested: each outer fold's tickets get a confidence from a regression fitted on the other
 * folds' cross-validated answers only, and the threshold is calibrated as training calibrates it,
 * also with each fold's threshold fitted on the other folds only. The held-out split is never read.
 *
 *   npx tsx scripts/classification/cv-confidence.ts [--dump <file>] [--from <file>]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CATEGORIES } from '../../src/domain/categories';
import { DEFAULT_RULE_SET, classify } from '../../src/domain/classification';
import { argmax, featureValues, scoreLayer } from '../../src/domain/classification/linear-model';
import { guessLanguage, tokenise } from '../../src/domain/classification/text-features';
import { readCorpus } from './corpus';
import { readingReport } from './cv-reading';
import { type Prediction, type TrainingSettings, foldOf, prepare, trainCategoryLayer } from './training';

const FOLDS = 5;
const settings: TrainingSettings = {
  ruleFeatureValue: 2,
  charFeatureValue: 0.5,
  l2: 0.000001,
  iterations: 600,
};

interface Answer {
  id: string;
  language: string;
  category: string;
  fold: number;
  probabilities: number[];
  rulesCategory: string;
  rulesSure: boolean;
  known: number;
}

const { values } = parseArgs({ options: { dump: { type: 'string' }, from: { type: 'string' } } });

let answers: Answer[];
if (values.from !== undefined) {
  answers = JSON.parse(readFileSync(values.from, 'utf8')) as Answer[];
} else {
  const entries = readCorpus('train').map(prepare);
  answers = [];
  for (let fold = 0; fold < FOLDS; fold++) {
    const layer = trainCategoryLayer(
      entries.filter((p) => foldOf(p.entry.id, FOLDS) !== fold),
      settings,
    );
    for (const p of entries.filter((q) => foldOf(q.entry.id, FOLDS) === fold)) {
      const { probabilities, known } = scoreLayer(layer, featureValues(p.textFeatures, p.ruleHits, settings));
      const byRules = classify({ title: p.entry.title, description: p.entry.description }, DEFAULT_RULE_SET);
      answers.push({
        id: p.entry.id,
        language: p.entry.language,
        category: p.entry.category,
        fold,
        probabilities,
        rulesCategory: byRules.category,
        rulesSure: !byRules.needsTriage,
        known: known.length,
      });
    }
    console.error(`fold ${fold} done`);
  }
  if (values.dump !== undefined) writeFileSync(values.dump, JSON.stringify(answers));
}

// The language as the classifier guesses it from the text (a new ticket carries no label).
const guessed = new Map(
  readCorpus('train').map((e) => [e.id, guessLanguage(tokenise(`${e.title} ${e.description}`))]),
);
const winnerOf = (a: Answer) => argmax(a.probabilities);
const signals = (a: Answer): number[] => {
  const best = winnerOf(a);
  const p1 = Math.min(a.probabilities[best]!, 1 - 1e-9);
  const p2 = Math.max(...a.probabilities.filter((_, k) => k !== best), 1e-12);
  const answered = CATEGORIES[best]!;
  return [
    Math.log(p1 / (1 - p1)),
    Math.log(p1 / p2),
    a.rulesCategory === answered ? 1 : 0,
    a.rulesCategory === answered && a.rulesSure ? 1 : 0,
    a.rulesCategory !== answered && a.rulesCategory !== 'unclassified' ? 1 : 0,
    Math.log(1 + a.known) / 5,
    guessed.get(a.id) === 'sv' ? 1 : 0,
    ...CATEGORIES.map((c) => (c === answered ? 1 : 0)),
  ];
};

/** Logistic regression, full-batch gradient descent in a fixed order: deterministic. */
function fit(rows: Array<{ x: number[]; y: number }>, l2 = 0.001, passes = 2000): number[] {
  const width = rows[0]!.x.length + 1;
  const w = new Array<number>(width).fill(0);
  const g2 = new Array<number>(width).fill(0);
  for (let pass = 0; pass < passes; pass++) {
    const grad = new Array<number>(width).fill(0);
    for (const { x, y } of rows) {
      const z = w[0]! + x.reduce((s, v, k) => s + v * w[k + 1]!, 0);
      const error = 1 / (1 + Math.exp(-z)) - y;
      grad[0]! += error / rows.length;
      x.forEach((v, k) => (grad[k + 1]! += (error * v) / rows.length));
    }
    for (let k = 0; k < width; k++) {
      const gk = grad[k]! + (k === 0 ? 0 : l2 * w[k]!);
      g2[k]! += gk * gk;
      w[k]! -= (0.5 * gk) / (Math.sqrt(g2[k]!) + 1e-8);
    }
  }
  return w;
}
const score = (w: number[], x: number[]) =>
  1 / (1 + Math.exp(-(w[0]! + x.reduce((s, v, k) => s + v * w[k + 1]!, 0))));

const entryOf = (a: Answer) =>
  ({ id: a.id, language: a.language, category: a.category }) as unknown as Prediction['entry'];

const readings: Record<string, (a: Answer) => number> = {};
readings['winner probability (as shipped)'] = (a) => a.probabilities[winnerOf(a)]!;
const nested = new Map<Answer, number>();
const nestedProbabilityOnly = new Map<Answer, number>();
for (let fold = 0; fold < FOLDS; fold++) {
  const rows = answers
    .filter((a) => a.fold !== fold)
    .map((a) => ({ x: signals(a), y: CATEGORIES[winnerOf(a)] === a.category ? 1 : 0 }));
  const w = fit(rows);
  const w1 = fit(rows.map((r) => ({ x: r.x.slice(0, 2), y: r.y })));
  for (const a of answers.filter((b) => b.fold === fold)) {
    nested.set(a, score(w, signals(a)));
    nestedProbabilityOnly.set(a, score(w1, signals(a).slice(0, 2)));
  }
  console.error(`fold ${fold} weights ${w.map((v) => v.toFixed(2)).join(' ')}`);
}
readings['regression over log-odds and lead only (nested)'] = (a) => nestedProbabilityOnly.get(a)!;
readings['regression over all signals (nested)'] = (a) => nested.get(a)!;

const total = answers.length;
for (const [name, read] of Object.entries(readings)) {
  const predictions = answers.map((a) => ({
    entry: entryOf(a),
    category: CATEGORIES[winnerOf(a)]!,
    probability: read(a),
    fold: a.fold,
  }));
  console.log(`${name}: ${readingReport(predictions, FOLDS)}`);
}
console.log(`${total} training tickets, ${FOLDS} folds, 600 passes`);
