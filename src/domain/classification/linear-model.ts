/*
 * A multinomial logistic regression over sparse binary features, as plain JSON data: trained by
 * scripts/classification/train.ts, shipped as a versioned artefact, read here. Scoring is a sum
 * of weights, so the features that added most to the winner's score are its explanation.
 */

/** Weights of one softmax layer: a bias and, per feature, one weight per label. */
export interface SoftmaxLayer {
  readonly labels: readonly string[];
  readonly bias: readonly number[];
  readonly weights: Readonly<Record<string, readonly number[]>>;
}

export interface LinearModel {
  /** `<date>.<n>`; recorded with every classification the model makes. */
  readonly version: string;
  /** The rule set whose rule ids are features (`r:<id>`); another rule set's ids carry no weight. */
  readonly rulesVersion: string;
  /** A matched rule counts this many times as much as one word. */
  readonly ruleFeatureValue: number;
  /** A character n-gram counts this much against one word (a word yields many n-grams). */
  readonly charFeatureValue: number;
  /** Below this probability a person confirms the category; set by calibration, not by hand. */
  readonly triageThreshold: number;
  /**
   * The same per category the model answers, where calibration found one: some categories' answers
   * are reliable at lower confidence than others. A category without one uses `triageThreshold`.
   */
  readonly categoryThresholds?: Readonly<Record<string, number>>;
  readonly category: SoftmaxLayer;
  /** Printer, driver or VPN, for tickets the category layer put in infrastructure. */
  readonly infrastructureSubCategory: SoftmaxLayer;
  /** How the artefact was made, for the record: corpus size, settings, calibration figures. */
  readonly training: Readonly<Record<string, unknown>>;
}

/** The confidence below which an answer of `category` waits in triage. */
export function thresholdFor(model: LinearModel, category: string): number {
  return model.categoryThresholds?.[category] ?? model.triageThreshold;
}

/** A feature with its value in one ticket. */
export interface FeatureValue {
  readonly feature: string;
  readonly value: number;
}

export interface FeatureScale {
  readonly ruleFeatureValue: number;
  readonly charFeatureValue: number;
}

/** A rule that matched the ticket, as the model reads it. */
export interface RuleHit {
  readonly id: string;
  readonly category: string;
  readonly weight: number;
}

/**
 * Words and word pairs count 1, n-grams and rules as the model says, scaled so the vector has
 * length 1: a long ticket does not win by volume. A matched rule gives two features: its id
 * (`r:`), and its category's summed rule weight (`rc:`, a strong rule of weight 3 counting
 * `ruleFeatureValue`), so a rule the corpus rarely shows still speaks through its category.
 */
export function featureValues(
  textFeatures: readonly string[],
  ruleHits: readonly RuleHit[],
  scale: FeatureScale,
): FeatureValue[] {
  const ruleWeightByCategory = new Map<string, number>();
  for (const hit of ruleHits) {
    ruleWeightByCategory.set(hit.category, (ruleWeightByCategory.get(hit.category) ?? 0) + hit.weight);
  }
  const raw = [
    ...textFeatures.map((feature) => ({
      feature,
      value: feature.startsWith('c:') ? scale.charFeatureValue : 1,
    })),
    ...ruleHits.map((hit) => ({ feature: `r:${hit.id}`, value: scale.ruleFeatureValue })),
    ...[...ruleWeightByCategory].map(([category, weight]) => ({
      feature: `rc:${category}`,
      value: (scale.ruleFeatureValue * weight) / 3,
    })),
  ].filter(({ value }) => value > 0);
  const norm = Math.sqrt(raw.reduce((sum, { value }) => sum + value * value, 0));
  return norm === 0 ? [] : raw.map(({ feature, value }) => ({ feature, value: value / norm }));
}

export interface LayerScores {
  readonly probabilities: number[];
  /** Features of the ticket the layer has weights for. */
  readonly known: FeatureValue[];
}

export function scoreLayer(
  layer: SoftmaxLayer,
  values: readonly FeatureValue[],
  logitBonus?: ReadonlyMap<number, number>,
): LayerScores {
  const logits = [...layer.bias];
  const known: FeatureValue[] = [];
  for (const entry of values) {
    const weights = layer.weights[entry.feature];
    if (weights === undefined) continue;
    known.push(entry);
    for (let label = 0; label < logits.length; label++) logits[label]! += (weights[label] ?? 0) * entry.value;
  }
  for (const [label, bonus] of logitBonus ?? []) logits[label]! += bonus;
  return { probabilities: softmax(logits), known };
}

export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((logit) => Math.exp(logit - max));
  const sum = exps.reduce((total, value) => total + value, 0);
  return exps.map((value) => value / sum);
}

/** The index of the largest value; ties go to the earlier label, so the result never depends on luck. */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** The features that raised `label`'s score most, strongest first: the model's evidence. */
export function strongestFeatures(
  layer: SoftmaxLayer,
  known: readonly FeatureValue[],
  label: number,
  count: number,
): Array<{ feature: string; contribution: number }> {
  return known
    .map(({ feature, value }) => ({ feature, contribution: (layer.weights[feature]?.[label] ?? 0) * value }))
    .filter(({ contribution }) => contribution > 0)
    .sort((a, b) => b.contribution - a.contribution || (a.feature < b.feature ? -1 : 1))
    .slice(0, count);
}
