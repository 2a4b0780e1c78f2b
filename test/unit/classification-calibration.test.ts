import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL } from '../../src/domain/classification/default-model';
import { type LinearModel, thresholdFor } from '../../src/domain/classification/linear-model';
import {
  LOWEST_CATEGORY_THRESHOLD,
  type Prediction,
  calibrateCategoryThresholds,
  calibrateThreshold,
  calibrateThresholdWithMargin,
  foldOf,
  templateOf,
  trainLayer,
} from '../../scripts/classification/training';
import type { CorpusEntry } from '../../scripts/classification/corpus';
import {
  calibrateOnHeldout,
  crossFitted,
  heldoutSetOf,
} from '../../scripts/classification/heldout-calibration';

const entry = (category: string, n: number): CorpusEntry =>
  ({
    id: `t-${category}-${n}`,
    language: 'en',
    title: 't',
    description: 'd',
    category,
    subCategory: null,
  }) as CorpusEntry;

/** `right` answers of `category` at `probability`, and `wrong` ones that were really `other`. */
function answers(category: string, probability: number, right: number, wrong = 0): Prediction[] {
  return [
    ...Array.from({ length: right }, (_, i) => ({ entry: entry(category, i), category, probability })),
    ...Array.from({ length: wrong }, (_, i) => ({ entry: entry('other', i), category, probability })),
  ];
}

describe('per-category calibration', () => {
  // "a" is right whenever it answers, even unsure; "b" is wrong half the time below 0.9.
  const predictions = [
    ...answers('a', 0.95, 40),
    ...answers('a', 0.6, 30),
    ...answers('b', 0.95, 40),
    ...answers('b', 0.7, 10, 10),
  ];

  it('lowers the threshold of a category whose unsure answers are still right, and keeps the other strict', () => {
    const calibration = calibrateCategoryThresholds(predictions, ['a', 'b'], 0.99, 0.01);
    expect(calibration.thresholds).toEqual({ a: 0.6, b: 0.95 });
    expect(calibration.correct).toBeCloseTo(110 / 130, 10);
    expect(calibration.wrong).toBe(0);
  });

  it('does better than one threshold for all at the same wrong budget', () => {
    const single = calibrateThreshold(predictions, 0.01);
    expect(calibrateCategoryThresholds(predictions, ['a', 'b'], 0.99, 0.01).correct).toBeGreaterThan(
      single.correct,
    );
  });

  it('spends no more than the wrong budget, and never goes below even odds', () => {
    const unsure = [...answers('a', 0.95, 50), ...answers('a', 0.4, 50)];
    const calibration = calibrateCategoryThresholds(unsure, ['a'], 0.99, 0.5);
    expect(calibration.thresholds.a).toBeGreaterThanOrEqual(LOWEST_CATEGORY_THRESHOLD);
    const budgeted = calibrateCategoryThresholds(predictions, ['a', 'b'], 0.99, 0.1);
    expect(budgeted.wrong).toBeLessThanOrEqual(0.1);
  });

  it('is deterministic', () => {
    expect(calibrateCategoryThresholds(predictions, ['a', 'b'], 0.99, 0.01)).toEqual(
      calibrateCategoryThresholds([...predictions].reverse(), ['a', 'b'], 0.99, 0.01),
    );
  });
});

describe('calibration with a margin for the uncertainty of the wrong share', () => {
  /** `count` tickets of template `template`, all answered `category` at `probability`. */
  const template = (
    template: string,
    actual: string,
    category: string,
    probability: number,
    count: number,
  ): Prediction[] =>
    Array.from({ length: count }, (_, i) => ({
      entry: { ...entry(actual, i), id: `t-${template}-${i + 1}` },
      category,
      probability,
    }));
  // 300 right answers at 0.95, and wrong ones at 0.7 and 0.8 (3 % of the tickets below 0.9).
  const predictions = [
    ...Array.from({ length: 100 }, (_, i) => template(`right${i}`, 'a', 'a', 0.95, 3)).flat(),
    ...template('wrong1', 'b', 'a', 0.8, 3),
    ...template('wrong2', 'b', 'a', 0.7, 3),
    ...template('wrong3', 'b', 'a', 0.7, 3),
  ];

  it('without a margin, stops where the wrong share first fits the budget', () => {
    const plain = calibrateThresholdWithMargin(predictions, 0.01, 0);
    expect(plain.threshold).toBe(0.71);
    expect(plain.wrong).toBeCloseTo(3 / 309, 10);
    expect(plain.threshold).toBe(calibrateThreshold(predictions, 0.01).threshold);
  });

  it('with a margin, stays stricter so the share plus its standard errors fits', () => {
    const margin = calibrateThresholdWithMargin(predictions, 0.01);
    expect(margin.threshold).toBe(0.81);
    expect(margin.wrong).toBe(0);
    expect(margin.correct).toBeCloseTo(300 / 309, 10);
  });

  it('counts a template as one draw: wrong answers from one template are less certain than from three', () => {
    const clustered = calibrateThresholdWithMargin(
      [...predictions.slice(0, 300), ...template('w', 'b', 'a', 0.7, 3)],
      1,
    );
    const spread = calibrateThresholdWithMargin(
      [
        ...predictions.slice(0, 300),
        ...template('x', 'b', 'a', 0.7, 1),
        ...template('y', 'b', 'a', 0.7, 1),
        ...template('z', 'b', 'a', 0.7, 1),
      ],
      1,
    );
    expect(clustered.wrong).toBe(spread.wrong);
    expect(clustered.wrongStandardError).toBeGreaterThan(spread.wrongStandardError);
  });
});

describe('the triage threshold a classification uses', () => {
  it("is the category's own where calibration set one, else the model's", () => {
    const model = {
      ...DEFAULT_MODEL,
      triageThreshold: 0.9,
      categoryThresholds: { browser: 0.6 },
    } as LinearModel;
    expect(thresholdFor(model, 'browser')).toBe(0.6);
    expect(thresholdFor(model, 'device')).toBe(0.9);
    expect(thresholdFor({ ...model, categoryThresholds: undefined }, 'browser')).toBe(0.9);
  });
});

describe('training options for cross-validation', () => {
  const example = (template: string, features: string[], label: number) => ({
    values: features.map((feature) => ({ feature, value: 1 })),
    label,
    template,
  });
  // "w:rare" is in three tickets of one template, "w:common" in tickets of two templates.
  const examples = [
    example('t-a-1', ['w:rare', 'w:common'], 0),
    example('t-a-1', ['w:rare', 'w:common'], 0),
    example('t-a-1', ['w:rare'], 0),
    example('t-b-1', ['w:common'], 1),
    example('t-b-1', ['w:other'], 1),
    example('t-c-1', ['w:other'], 1),
  ];

  it('keeps a feature of one template by ticket count, and drops it when it must occur in two templates', () => {
    const byTickets = trainLayer(examples, ['a', 'b'], 0, 50);
    expect(Object.keys(byTickets.weights).sort()).toEqual(['w:common', 'w:other', 'w:rare']);
    const byTemplates = trainLayer(examples, ['a', 'b'], 0, 50, 2);
    expect(Object.keys(byTemplates.weights).sort()).toEqual(['w:common', 'w:other']);
  });

  it('names the template of a corpus id', () => {
    expect(templateOf('train-windows-os-12-3')).toBe('train-windows-os-12');
  });

  it('keeps a template in one fold in every partition, and another partition moves templates', () => {
    const ids = Array.from({ length: 200 }, (_, t) => `train-x-${t}`);
    for (const partition of [0, 1]) {
      for (const id of ids.slice(0, 20))
        expect(foldOf(`${id}-1`, 5, partition)).toBe(foldOf(`${id}-2`, 5, partition));
    }
    expect(foldOf('train-x-1-1', 5)).toBe(foldOf('train-x-1-1', 5, 0));
    const moved = ids.filter((id) => foldOf(`${id}-1`, 5, 0) !== foldOf(`${id}-1`, 5, 1));
    expect(moved.length).toBeGreaterThan(100);
  });
});

describe('calibration on the held-out split', () => {
  const ticket = (set: string, n: number, category: string): CorpusEntry => ({
    ...entry(category, n),
    id: `${set}-${category}-${n}-1`,
  });
  const answer = (set: string, n: number, probability: number, right: boolean): Prediction => ({
    entry: ticket(set, n, 'a'),
    category: right ? 'a' : 'b',
    probability,
  });

  it('names the held-out set of a ticket from its id', () => {
    expect(heldoutSetOf('heldout-browser-3-1')).toBe('heldout');
    expect(heldoutSetOf('heldout2-device-1-2')).toBe('heldout2');
    expect(heldoutSetOf('heldout3-hardware-4-1')).toBe('heldout3');
    expect(heldoutSetOf('train-device-1-1')).toBe('other');
  });

  it('takes the lowest threshold within the wrong-answer target, never below even odds', () => {
    // 100 tickets: 90 sure and right, 6 unsure and right, 3 unsure and wrong at 0.55, 1 wrong at 0.3.
    const predictions = [
      ...Array.from({ length: 90 }, (_, n) => answer('heldout', n, 0.95, true)),
      ...Array.from({ length: 6 }, (_, n) => answer('heldout', 100 + n, 0.6, true)),
      ...Array.from({ length: 3 }, (_, n) => answer('heldout', 200 + n, 0.55, false)),
      answer('heldout', 300, 0.3, false),
    ];
    // At 0.55 the wrong share is 3 %, over the 2 % target: the threshold is the next step up.
    expect(calibrateOnHeldout(predictions)).toMatchObject({ threshold: 0.56, correct: 0.96, wrong: 0 });
    // All right: even odds is still the floor.
    const allRight = predictions.map((p) => ({ ...p, category: 'a' }));
    expect(calibrateOnHeldout(allRight).threshold).toBe(LOWEST_CATEGORY_THRESHOLD);
  });

  it('measures each held-out set at the threshold the other sets give', () => {
    // The first set is sure of everything; the second errs at 0.7, so alone it needs 0.71.
    const first = Array.from({ length: 50 }, (_, n) => answer('heldout', n, 0.6, true));
    const second = [
      ...Array.from({ length: 45 }, (_, n) => answer('heldout2', n, 0.9, true)),
      ...Array.from({ length: 5 }, (_, n) => answer('heldout2', 100 + n, 0.7, false)),
    ];
    const fitted = crossFitted([...first, ...second]);
    expect(fitted).toEqual([
      { set: 'heldout', tickets: 50, threshold: 0.71, correct: 0, wrong: 0, triage: 1 },
      { set: 'heldout2', tickets: 50, threshold: 0.5, correct: 0.9, wrong: 0.1, triage: 0 },
    ]);
    expect(crossFitted(first)).toEqual([]);
  });
});
