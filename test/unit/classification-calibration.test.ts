import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL } from '../../src/domain/classification/default-model';
import { type LinearModel, thresholdFor } from '../../src/domain/classification/linear-model';
import {
  LOWEST_CATEGORY_THRESHOLD,
  type Prediction,
  calibrateCategoryThresholds,
  calibrateThreshold,
} from '../../scripts/classification/training';
import type { CorpusEntry } from '../../scripts/classification/corpus';

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
