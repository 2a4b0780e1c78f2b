import { describe, expect, it } from 'vitest';
import { CATEGORIES, INFRASTRUCTURE_SUBCATEGORIES } from '../../src/domain/categories';
import { classifyTicket } from '../../src/domain/classification';
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

  it.each(['train', 'heldout'] as const)('covers every category and infrastructure sub-category in both languages (%s)', (split) => {
    const entries = split === 'train' ? train : heldout;
    for (const language of ['en', 'sv']) {
      const inLanguage = entries.filter((entry) => entry.language === language);
      for (const category of CATEGORIES) expect(inLanguage.some((entry) => entry.category === category)).toBe(true);
      for (const subCategory of INFRASTRUCTURE_SUBCATEGORIES) {
        expect(inLanguage.some((entry) => entry.subCategory === subCategory)).toBe(true);
      }
    }
  });

  it('keeps the held-out tickets apart from the training tickets', () => {
    const trainTexts = new Set(train.map((entry) => `${entry.title}\n${entry.description}`.toLowerCase()));
    expect(heldout.filter((entry) => trainTexts.has(`${entry.title}\n${entry.description}`.toLowerCase()))).toEqual([]);
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
  });
});

describe('held-out evaluation of the shipped model', () => {
  const evaluation = evaluate(heldout, (entry) => classifyTicket(entry, DEFAULT_MODEL));

  it('meets every target', () => {
    expect(missedTargets(evaluation, { timing: false }), JSON.stringify(evaluation.mistakes, null, 1)).toEqual([]);
  });

  it('reports figures that add up', () => {
    expect(evaluation.correct + evaluation.triage + evaluation.wrong).toBeCloseTo(1, 10);
    expect(evaluation.correct).toBeGreaterThanOrEqual(TARGETS.minCorrect);
    const confusionTotal = Object.values(evaluation.confusion)
      .flatMap((row) => Object.values(row))
      .reduce((sum, count) => sum + count, 0);
    expect(confusionTotal).toBe(heldout.length);
  });
});
