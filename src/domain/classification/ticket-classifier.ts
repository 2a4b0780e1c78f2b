import { UNCLASSIFIED, type Category } from '../categories';
import { categorySchema } from '../../schemas/categories-schema';
import {
  type Classification,
  type ClassificationEvidence,
  type ClassificationInput,
  classify,
} from './classify';
import {
  type FeatureValue,
  type LinearModel,
  type RuleHit,
  argmax,
  featureValues,
  scoreLayer,
  strongestFeatures,
  thresholdFor,
} from './linear-model';
import { DEFAULT_RULE_SET, type RuleSet } from './rules';
import { extractTextFeatures } from './text-features';

/*
 * The classifier cases use: the rules run first and their hits become features of the linear
 * model next to the ticket's words, word pairs and character n-grams; the model decides, and
 * the case records both the matched rules and the model's strongest evidence, with both versions.
 */

/** What a valid category hint adds to that category's log-odds: it breaks ties, never outvotes the text. */
export const HINT_LOGIT = 1;

/** How many of the strongest features a classification records. */
export const EVIDENCE_COUNT = 5;

const EVIDENCE_KINDS: Readonly<Record<string, ClassificationEvidence['kind']>> = {
  w: 'word',
  p: 'phrase',
  c: 'chars',
  s: 'concept',
  r: 'rule',
  rc: 'rule',
};

export function classifyTicket(
  input: ClassificationInput,
  model: LinearModel,
  ruleSet: RuleSet = DEFAULT_RULE_SET,
): Classification {
  if (ruleSet.version !== model.rulesVersion) {
    throw new Error(
      `The classification model ${model.version} was trained with rules ${model.rulesVersion}, not ${ruleSet.version}: retrain it (npm run classify:train).`,
    );
  }
  const byRules = classify(input, ruleSet);
  const values = featureValues(
    extractTextFeatures(input.title, input.description),
    ruleHits(byRules.rules, ruleSet),
    model,
  );
  const hint = parseCategoryHint(input.categoryHint);
  const hintBonus = hint === null ? undefined : new Map([[model.category.labels.indexOf(hint), HINT_LOGIT]]);
  const { probabilities, known } = scoreLayer(model.category, values, hintBonus);
  if (known.length === 0 && hint === null) {
    return {
      ...byRules,
      category: UNCLASSIFIED,
      subCategory: null,
      confidence: 0,
      needsTriage: true,
      modelVersion: model.version,
      evidence: [],
    };
  }

  if (known.length === 0 && hint !== null) {
    // Nothing in the text speaks, so the model's biases would decide: the hint is the better guess.
    const index = model.category.labels.indexOf(hint);
    return {
      ...byRules,
      category: hint,
      subCategory: null,
      confidence: Math.round(probabilities[index]! * 100) / 100,
      needsTriage: true,
      modelVersion: model.version,
      evidence: [],
    };
  }

  const winner = argmax(probabilities);
  const category = categorySchema.parse(model.category.labels[winner]);
  const confidence = Math.round(probabilities[winner]! * 100) / 100;
  return {
    category,
    subCategory: subCategoryFor(category, values, byRules.rules, model, ruleSet),
    confidence,
    rules: winnerRulesFirst(byRules.rules, category),
    rulesVersion: ruleSet.version,
    needsTriage: confidence < thresholdFor(model, category),
    modelVersion: model.version,
    evidence: strongestFeatures(model.category, known, winner, EVIDENCE_COUNT).map(toEvidence),
  };
}

/** The matched rules with the category and weight the model reads from them. */
export function ruleHits(ruleIds: readonly string[], ruleSet: RuleSet): RuleHit[] {
  return ruleSet.rules.filter((rule) => ruleIds.includes(rule.id));
}

function parseCategoryHint(hint: string | undefined): Category | null {
  if (hint === undefined) return null;
  const parsed = categorySchema.safeParse(hint.trim().toLowerCase());
  return parsed.success ? parsed.data : null;
}

/**
 * Infrastructure has its own layer (printer, driver, VPN); other categories take the sub-category
 * with the most rule weight among the matched rules of that category, as the rules alone would.
 */
function subCategoryFor(
  category: Category,
  values: readonly FeatureValue[],
  ruleIds: readonly string[],
  model: LinearModel,
  ruleSet: RuleSet,
): string | null {
  if (category === 'infrastructure') {
    const { probabilities, known } = scoreLayer(model.infrastructureSubCategory, values);
    if (known.length > 0) return model.infrastructureSubCategory.labels[argmax(probabilities)] ?? null;
  }
  const weights = new Map<string, number>();
  for (const rule of ruleSet.rules) {
    if (rule.category !== category || rule.subCategory === undefined || !ruleIds.includes(rule.id)) continue;
    weights.set(rule.subCategory, (weights.get(rule.subCategory) ?? 0) + rule.weight);
  }
  let best: string | null = null;
  for (const id of ruleIds) {
    const subCategory = ruleSet.rules.find((rule) => rule.id === id)?.subCategory;
    if (subCategory === undefined || !weights.has(subCategory)) continue;
    if (best === null || weights.get(subCategory)! > weights.get(best)!) best = subCategory;
  }
  return best;
}

/** The rules of the decided category first, each group in the rules' own order (best first). */
function winnerRulesFirst(ruleIds: readonly string[], category: Category): string[] {
  const ofWinner = (id: string) => id.startsWith(`${category}.`);
  return [...ruleIds.filter(ofWinner), ...ruleIds.filter((id) => !ofWinner(id))];
}

function toEvidence({
  feature,
  contribution,
}: {
  feature: string;
  contribution: number;
}): ClassificationEvidence {
  const separator = feature.indexOf(':');
  const prefix = feature.slice(0, separator);
  const term = feature.slice(separator + 1);
  return {
    kind: EVIDENCE_KINDS[prefix] ?? 'word',
    // A category's summed rule weight reads as all of that category's rules.
    term: prefix === 'rc' ? `${term}.*` : term,
    weight: Math.round(contribution * 100) / 100,
  };
}
