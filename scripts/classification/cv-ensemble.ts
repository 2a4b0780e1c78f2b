/**
 * Nested cross-validation, on the training split only, of ways to say how sure the model is. For
 * each outer fold (the folds training uses, templates kept together) a model is trained on the
 * other folds as training does, and so are `--members` committee members, each on those folds
 * less one inner fold of their own (templates kept together there too), as a committee trained
 * on the whole split would be. The outer fold's tickets are then scored by each, and every way of
 * reading the scores is calibrated as training calibrates (the lowest threshold whose wrong share
 * plus 1.645 cluster standard errors stays within 2 %), and also with each outer fold's threshold
 * fitted on the other folds' tickets only. The held-out split is never read.
 *
 *   npx tsx scripts/classification/cv-ensemble.ts [--members 5 --iterations 600 --salt 0 --dump <file>]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CATEGORIES } from '../../src/domain/categories';
import { argmax, featureValues, scoreLayer } from '../../src/domain/classification/linear-model';
import { readCorpus } from './corpus';
import { pct, readingReport } from './cv-reading';
import {
  type PreparedEntry,
  type Prediction,
  type TrainingSettings,
  foldOf,
  prepare,
  trainCategoryLayer,
} from './training';

const FOLDS = 5;

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '5' },
    iterations: { type: 'string', default: '600' },
    // Another partition of the templates into outer folds (0: the one training uses).
    salt: { type: 'string', default: '0' },
    // Write every ticket's scores (id, language, label, outer fold, probabilities) as JSON.
    dump: { type: 'string' },
  },
});
const members = Number(values.members);
const settings: TrainingSettings = {
  ruleFeatureValue: 2,
  charFeatureValue: 0.5,
  l2: 0.000001,
  iterations: Number(values.iterations),
};
const salt = values.salt === '0' ? '' : `#${values.salt}`;
const outerFold = (id: string) => foldOf(`${id.replace(/-\d+$/, '')}${salt}-0`, FOLDS);
const innerFold = (id: string) => foldOf(`${id.replace(/-\d+$/, '')}#inner-0`, members);

interface Scored {
  readonly entry: PreparedEntry['entry'];
  readonly fold: number;
  readonly base: number[];
  readonly members: number[][];
}

const entries = readCorpus('train').map(prepare);
const scored: Scored[] = [];
const started = Date.now();
for (let fold = 0; fold < FOLDS; fold++) {
  const training = entries.filter((p) => outerFold(p.entry.id) !== fold);
  const testing = entries.filter((p) => outerFold(p.entry.id) === fold);
  const base = trainCategoryLayer(training, settings);
  const committee = Array.from({ length: members }, (_, j) =>
    trainCategoryLayer(
      training.filter((p) => innerFold(p.entry.id) !== j),
      settings,
    ),
  );
  for (const p of testing) {
    const values = featureValues(p.textFeatures, p.ruleHits, settings);
    scored.push({
      entry: p.entry,
      fold,
      base: scoreLayer(base, values).probabilities,
      members: committee.map((layer) => scoreLayer(layer, values).probabilities),
    });
  }
  console.error(`outer fold ${fold} done after ${Math.round((Date.now() - started) / 1000)} s`);
}

if (values.dump !== undefined) {
  writeFileSync(
    values.dump,
    JSON.stringify(
      scored.map((s) => ({
        id: s.entry.id,
        language: s.entry.language,
        category: s.entry.category,
        fold: s.fold,
        base: s.base,
        members: s.members,
      })),
    ),
  );
}

const mean = (rows: number[][]) => rows[0]!.map((_, k) => rows.reduce((s, r) => s + r[k]!, 0) / rows.length);
const logMean = (rows: number[][]) => {
  const logs = rows[0]!.map((_, k) => rows.reduce((s, r) => s + Math.log(r[k]!), 0) / rows.length);
  const max = Math.max(...logs);
  const exps = logs.map((l) => Math.exp(l - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
};

/** Each way of reading the scores: a category and a confidence per ticket. */
const readings: Record<string, (s: Scored) => { category: number; probability: number }> = {
  'single model (as shipped)': (s) => {
    const best = argmax(s.base);
    return { category: best, probability: s.base[best]! };
  },
  'committee, mean probability': (s) => {
    const m = mean(s.members);
    const best = argmax(m);
    return { category: best, probability: m[best]! };
  },
  'committee, mean logits (one averaged layer)': (s) => {
    const m = logMean(s.members);
    const best = argmax(m);
    return { category: best, probability: m[best]! };
  },
  'committee, least member probability of its mean winner': (s) => {
    const best = argmax(mean(s.members));
    return { category: best, probability: Math.min(...s.members.map((r) => r[best]!)) };
  },
  'single model, sure only when every member agrees': (s) => {
    const best = argmax(s.base);
    const agree = s.members.every((r) => argmax(r) === best);
    return { category: best, probability: agree ? s.base[best]! : 0 };
  },
  'single model, least of its and the members\u2019 probability of its winner': (s) => {
    const best = argmax(s.base);
    return { category: best, probability: Math.min(s.base[best]!, ...s.members.map((r) => r[best]!)) };
  },
};

const total = scored.length;
for (const [name, read] of Object.entries(readings)) {
  const predictions: Array<Prediction & { fold: number }> = scored.map((s) => {
    const { category, probability } = read(s);
    return { entry: s.entry, category: CATEGORIES[category]!, probability, fold: s.fold };
  });
  const firstChoice = predictions.filter((p) => p.category === p.entry.category).length / total;
  console.log(`${name}: first choice ${pct(firstChoice)}; ${readingReport(predictions, FOLDS)}`);
}
console.log(
  `${total} training tickets, ${FOLDS} outer folds${salt === '' ? '' : ` (partition ${values.salt})`}, ` +
    `${members} members each, ${settings.iterations} passes`,
);
