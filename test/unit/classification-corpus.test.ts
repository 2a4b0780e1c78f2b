import { describe, expect, it } from 'vitest';
import { CATEGORIES, INFRASTRUCTURE_SUBCATEGORIES } from '../../src/domain/categories';
import { classify, classifyTicket } from '../../src/domain/classification';
import { DEFAULT_MODEL } from '../../src/domain/classification/default-model';
import { parseCorpus, readCorpus } from '../../scripts/classification/corpus';
import { TARGETS, evaluate, missedTargets } from '../../scripts/classification/evaluation';
import { prepare, trainCategoryLayer } from '../../scripts/classification/training';

const train = readCorpus('train');
const heldout = readCorpus('heldout');

describe('the labelled corpus', () => {
  it('holds at least 600 tickets, about half of them Swedish', () => {
    const all = [...train, ...heldout];
    expect(all.length).toBeGreaterThanOrEqual(600);
    const swedishShare = all.filter((entry) => entry.language === 'sv').length / all.length;
    expect(swedishShare).toBeGreaterThan(0.4);
    expect(swedishShare).toBeLessThan(0.6);
  });

  it.each(['train', 'heldout'] as const)(
    'covers every category and infrastructure sub-category in both languages (%s)',
    (split) => {
      const entries = split === 'train' ? train : heldout;
      for (const language of ['en', 'sv']) {
        const inLanguage = entries.filter((entry) => entry.language === language);
        for (const category of CATEGORIES)
          expect(inLanguage.some((entry) => entry.category === category)).toBe(true);
        for (const subCategory of INFRASTRUCTURE_SUBCATEGORIES) {
          expect(inLanguage.some((entry) => entry.subCategory === subCategory)).toBe(true);
        }
      }
    },
  );

  it('keeps the held-out tickets apart from the training tickets', () => {
    const trainTexts = new Set(train.map((entry) => `${entry.title}\n${entry.description}`.toLowerCase()));
    expect(
      heldout.filter((entry) => trainTexts.has(`${entry.title}\n${entry.description}`.toLowerCase())),
    ).toEqual([]);
    expect(new Set([...train, ...heldout].map((entry) => entry.id)).size).toBe(train.length + heldout.length);
  });

  it('refuses an entry without a valid label, naming the line', () => {
    const good = JSON.stringify(train[0]);
    const bad = JSON.stringify({ ...train[0], id: 'x', category: 'printers' });
    expect(() => parseCorpus(`${good}\n${bad}\n`, 'extra.jsonl')).toThrow(/extra\.jsonl:2/);
    const noSub = JSON.stringify({ ...train[0], id: 'y', category: 'infrastructure', subCategory: null });
    expect(() => parseCorpus(noSub, 'extra.jsonl')).toThrow(/sub-category/);
  });
});

describe('training', () => {
  it('is deterministic', () => {
    const sample = train.filter((_, index) => index % 10 === 0).map(prepare);
    const settings = { ruleFeatureValue: 8, charFeatureValue: 0.3, l2: 0.00001 };
    expect(trainCategoryLayer(sample, settings)).toEqual(trainCategoryLayer(sample, settings));
  }, 60_000);
});

/**
 * What the shipped model measured on the held-out split (README, "Classification"). A change to the
 * rules, the features, the training or the corpus may not make these worse; raise them when a
 * retrained model measures better. Model 2026-12-02.17 on the three held-out sets (432 tickets, 216
 * a language): 405 correct (93.8 %), 8 wrong (1.9 %), lowest recall 41 of 48 (browser), English 202
 * of 216 correct (93.5 %), Swedish 203 (94.0 %). Each language's correct share and the wrong share
 * are what a retrained model must keep to ship.
 */
const SHIPPED_FLOOR = {
  minCorrect: 405 / 432,
  maxWrong: 8 / 432,
  minRecall: 41 / 48,
  minCorrectByLanguage: { en: 202 / 216, sv: 203 / 216 },
};

describe('held-out evaluation of the shipped model', () => {
  const evaluation = evaluate(heldout, (entry) => classifyTicket(entry, DEFAULT_MODEL));

  // The targets: at least 92 % correct without triage, at most 2 % wrong, every
  // category's recall at least 85 %, Swedish and English within 3 points.
  it('meets the targets', () => {
    expect(
      missedTargets(evaluation, { timing: false }),
      JSON.stringify(evaluation.mistakes, null, 1),
    ).toEqual([]);
  });

  it('does not fall below the figures measured for the shipped model', () => {
    const { minCorrectByLanguage, ...floor } = SHIPPED_FLOOR;
    // The language gap is held by the targets above, not by a floor: a gap of 1 is never missed here.
    const missed = missedTargets(evaluation, {
      timing: false,
      targets: { ...TARGETS, ...floor, maxLanguageGap: 1 },
    });
    for (const [language, minCorrect] of Object.entries(minCorrectByLanguage)) {
      const correct = evaluation.byLanguage[language]!.correct;
      if (correct < minCorrect)
        missed.push(
          `${language} correct ${(correct * 100).toFixed(1)} % < ${(minCorrect * 100).toFixed(1)} %`,
        );
    }
    expect(missed, JSON.stringify(evaluation.mistakes, null, 1)).toEqual([]);
  });

  it('does better than the rules alone', () => {
    const rulesOnly = evaluate(heldout, (entry) => classify(entry));
    expect(evaluation.correct).toBeGreaterThan(rulesOnly.correct);
    expect(evaluation.wrong).toBeLessThanOrEqual(rulesOnly.wrong);
  });

  it('reports figures that add up', () => {
    expect(evaluation.correct + evaluation.triage + evaluation.wrong).toBeCloseTo(1, 10);
    const confusionTotal = Object.values(evaluation.confusion)
      .flatMap((row) => Object.values(row))
      .reduce((sum, count) => sum + count, 0);
    expect(confusionTotal).toBe(heldout.length);
    for (const category of CATEGORIES) {
      const row = evaluation.confusion[category]!;
      expect(row[category]! / evaluation.byCategory[category]!.tickets).toBeCloseTo(
        evaluation.byCategory[category]!.recall,
        10,
      );
    }
  });

  it('names every missed target', () => {
    const perfect = { ...evaluation, correct: 1, wrong: 0 };
    expect(missedTargets({ ...perfect, correct: 0.9 }, { timing: false })).toContain(
      'correct 90.0 % < 92.0 %',
    );
    expect(missedTargets({ ...perfect, wrong: 0.03 }, { timing: false })).toContain('wrong 3.0 % > 2.0 %');
    const slow = { ...perfect, timing: { meanMs: 3, p99Ms: 3, maxMs: 3, cpuMeanMs: 3 } };
    expect(missedTargets(slow, { timing: true }).some((m) => m.startsWith('mean 3.00 ms'))).toBe(true);
  });
});
