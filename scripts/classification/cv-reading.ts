import { TARGETS } from './evaluation';
import { type Prediction, calibrateThresholdWithMargin } from './training';

export const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
/** The classifier rounds confidence to two decimals before comparing it with a threshold. */
const confident = (p: Prediction, threshold: number) => Math.round(p.probability * 100) / 100 >= threshold;

/**
 * How one reading of confidence does on cross-validated predictions: the threshold calibrated on
 * all of them, by language, and each fold's threshold fitted on the other folds and applied to it
 * (so the threshold itself is measured out of fold).
 */
export function readingReport(
  predictions: ReadonlyArray<Prediction & { fold: number }>,
  folds: number,
): string {
  const total = predictions.length;
  const all = calibrateThresholdWithMargin(predictions, TARGETS.maxWrong);
  let right = 0;
  let wrong = 0;
  const thresholds: number[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const { threshold } = calibrateThresholdWithMargin(
      predictions.filter((p) => p.fold !== fold),
      TARGETS.maxWrong,
    );
    thresholds.push(threshold);
    for (const p of predictions.filter((q) => q.fold === fold)) {
      if (!confident(p, threshold)) continue;
      if (p.category === p.entry.category) right++;
      else wrong++;
    }
  }
  const byLanguage = ['en', 'sv']
    .map((language) => {
      const subset = predictions.filter((p) => p.entry.language === language);
      const ok = subset.filter((p) => confident(p, all.threshold) && p.category === p.entry.category).length;
      return `${language} ${pct(ok / subset.length)}`;
    })
    .join(', ');
  return (
    `threshold ${all.threshold.toFixed(2)}: correct ${pct(all.correct)}, wrong ${pct(all.wrong)} ± ${pct(all.wrongStandardError)}, ` +
    `triage ${pct(all.triage)} (${byLanguage}); thresholds fitted out of fold (${thresholds.join(', ')}): ` +
    `correct ${pct(right / total)}, wrong ${pct(wrong / total)}`
  );
}
