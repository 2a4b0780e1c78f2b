import {
  CATEGORIES,
  INFRASTRUCTURE_SUBCATEGORIES,
  UNCLASSIFIED,
  type CaseCategory,
  type Category,
} from '../categories';
import { categorySchema, subCategorySchema } from '../../schemas/categories-schema';
import { DEFAULT_RULE_SET, type ClassificationRule, type RuleSet } from './rules';

export interface ClassificationInput {
  title: string;
  description: string;
  /** A category suggested by the requester or the channel; only a valid category counts. */
  categoryHint?: string;
}

export interface Classification {
  category: CaseCategory;
  subCategory: string | null;
  /** 0..1 with two decimals: how strong the winner's evidence is and how clearly it beats the rest. */
  confidence: number;
  /** Ids of the rules that matched, best first: winning category first, then by weight. */
  rules: string[];
  rulesVersion: string;
  needsTriage: boolean;
  /** Set when the linear model decided: its version (the rules' version stays in `rulesVersion`). */
  modelVersion?: string;
  /** Set when the linear model decided: the features that raised the category's score most. */
  evidence?: ClassificationEvidence[];
}

/** One feature's share in a model decision, e.g. `{ kind: 'word', term: 'skrivar', weight: 0.84 }`. */
export interface ClassificationEvidence {
  /** word: a stemmed word; phrase: two neighbouring words; chars: letters inside a word; rule: a rule id. */
  kind: 'word' | 'phrase' | 'chars' | 'concept' | 'rule';
  term: string;
  /** What the feature added to the category's score (log-odds), two decimals. */
  weight: number;
}

/** Below this confidence a person confirms the category before the case is routed. */
export const TRIAGE_THRESHOLD = 0.5;

/**
 * What a valid category hint adds to that category's score. Kept below one strong rule (3) so a
 * hint breaks ties and lifts weak evidence but never outvotes a strong rule; a hint alone
 * (confidence 0.44) stays below the triage threshold.
 */
export const HINT_WEIGHT = 2;

// The score at which strength reaches one half. At 2.5 a single weight-2 rule (0.44) still needs
// triage while a single strong rule (0.55) does not.
const HALF_STRENGTH_SCORE = 2.5;
// How much a runner-up erodes confidence: at a tie confidence is half the strength, which is always
// below the threshold, so a tie always needs triage.
const AMBIGUITY_PENALTY = 0.5;

// Case texts longer than this are pasted logs or mail threads: the rest adds noise, not evidence,
// and the cap keeps matching time bounded inside workflow code.
export const MAX_ANALYSED_LENGTH = 10_000;

const SWEDISH_LETTER_ALTERNATIVES: Readonly<Record<string, string>> = { å: '[åa]', ä: '[äa]', ö: '[öo]' };
const NORDIC_LETTER_EQUIVALENTS: Readonly<Record<string, string>> = { æ: 'ä', ø: 'ö' };
// Joiners inside a pattern word ("e-post", "won't") that users may write, skip or replace by a space.
const OPTIONAL_JOINERS = new Set(['-', "'"]);

export function classify(input: ClassificationInput, ruleSet: RuleSet = DEFAULT_RULE_SET): Classification {
  const compiled = compileRuleSet(ruleSet);
  const text = toSearchableText(`${input.title}\n${input.description}`);
  const matchedRules = findMatchedRules(text, compiled.rules);
  const hint = parseCategoryHint(input.categoryHint);
  const ranking = rankCategories(matchedRules, hint);
  const winner = ranking[0];
  if (winner === undefined) return unclassified(ruleSet.version);

  const runnerUpScore = ranking[1]?.score ?? 0;
  const confidence = computeConfidence(winner.score, runnerUpScore);
  const orderedRules = orderRulesBestFirst(matchedRules, ranking);
  return {
    category: winner.category,
    subCategory: pickSubCategory(orderedRules, winner.category),
    confidence,
    rules: orderedRules.map((compiled) => compiled.rule.id),
    rulesVersion: ruleSet.version,
    needsTriage: confidence < TRIAGE_THRESHOLD,
  };
}

// ---------------------------------------------------------------------------------------------
// Text normalisation

/**
 * NFKC folds full-width letters and ligatures; å/ä/ö are distinct Swedish letters and stay, while
 * other accents are dropped so "café" and "cafe" read the same. Dashes and apostrophes are unified
 * because users paste them from Word and mail.
 */
export function normaliseText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/[\u2018\u2019\u02bc\u00b4`]/g, "'")
    .replace(/[^\p{ASCII}]/gu, foldNonSwedishLetter);
}

/**
 * Words separated by single spaces: punctuation never decides a match, and the patterns' regular
 * expressions stay free of Unicode property classes, which V8 compiles slowly.
 */
function toSearchableText(text: string): string {
  return normaliseText(text)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .slice(0, MAX_ANALYSED_LENGTH)
    .trim();
}

function foldNonSwedishLetter(character: string): string {
  if (SWEDISH_LETTER_ALTERNATIVES[character] !== undefined) return character;
  const nordic = NORDIC_LETTER_EQUIVALENTS[character];
  if (nordic !== undefined) return nordic;
  return character.normalize('NFD').replace(/\p{M}+/gu, '');
}

// ---------------------------------------------------------------------------------------------
// Compiling rule data into matchers

interface CompiledPattern {
  readonly regex: RegExp;
  /** Letters and digits the pattern demands; the more, the more specific. */
  readonly specificity: number;
  /**
   * The longest run of characters every match contains as written: text without it cannot match,
   * so the regex is not run on it (most of a thousand patterns, for most tickets).
   */
  readonly required: string;
}

interface CompiledRule {
  readonly rule: ClassificationRule;
  readonly order: number;
  readonly patterns: readonly CompiledPattern[];
}

interface CompiledRuleSet {
  readonly rules: readonly CompiledRule[];
}

// Rule sets are immutable data; compiling once per set keeps classify cheap for repeated calls.
const compiledRuleSets = new WeakMap<RuleSet, CompiledRuleSet>();

function compileRuleSet(ruleSet: RuleSet): CompiledRuleSet {
  const cached = compiledRuleSets.get(ruleSet);
  if (cached !== undefined) return cached;
  assertValidRuleSet(ruleSet);
  const compiled = { rules: ruleSet.rules.map(compileRule) };
  compiledRuleSets.set(ruleSet, compiled);
  return compiled;
}

function compileRule(rule: ClassificationRule, order: number): CompiledRule {
  return {
    rule,
    order,
    patterns: rule.patterns.map((pattern) => {
      try {
        return compilePattern(pattern);
      } catch (error) {
        throw invalidRuleSet(`rule ${rule.id}: ${(error as Error).message}`);
      }
    }),
  };
}

function compilePattern(pattern: string): CompiledPattern {
  const words = normaliseText(pattern)
    .split(/[^\p{L}\p{N}*'-]+/u)
    .filter((word) => word !== '');
  if (words.length === 0 || !words.every(isValidPatternWord)) throw new Error(`invalid pattern "${pattern}"`);
  return {
    regex: new RegExp(`(?<!\\S)${words.map(patternWordToRegex).join(' ')}(?!\\S)`, 'gu'),
    specificity: words.join('').replace(/[^\p{L}\p{N}]/gu, '').length,
    required: longestLiteral(words),
  };
}

/** The longest part of a pattern word that the regex matches character for character. */
function longestLiteral(words: readonly string[]): string {
  let longest = '';
  for (const word of words) {
    for (const part of word.replace(/^\*|\*$/g, '').split(/[åäö'-]/u)) {
      if (part.length > longest.length) longest = part;
    }
  }
  return longest;
}

function isValidPatternWord(word: string): boolean {
  const core = word.replace(/^\*/, '').replace(/\*$/, '');
  return !core.includes('*') && /[\p{L}\p{N}]/u.test(core);
}

function patternWordToRegex(word: string): string {
  const anyPrefix = word.startsWith('*');
  const anySuffix = word.endsWith('*') && word.length > 1;
  const core = word.slice(anyPrefix ? 1 : 0, anySuffix ? -1 : undefined);
  return `${anyPrefix ? '\\S*' : ''}${[...core].map(patternCharToRegex).join('')}${anySuffix ? '\\S*' : ''}`;
}

// Only letters, digits and joiners reach here, so nothing needs escaping.
function patternCharToRegex(character: string): string {
  if (OPTIONAL_JOINERS.has(character)) return ' ?';
  return SWEDISH_LETTER_ALTERNATIVES[character] ?? character;
}

function assertValidRuleSet(ruleSet: RuleSet): void {
  if (typeof ruleSet.version !== 'string' || ruleSet.version.trim() === '') {
    throw invalidRuleSet('version must be a non-empty string');
  }
  const rules: unknown = ruleSet.rules;
  if (!Array.isArray(rules)) throw invalidRuleSet('rules must be an array');
  const seenIds = new Set<string>();
  for (const rule of ruleSet.rules) {
    const problem = describeRuleProblem(rule, seenIds);
    if (problem !== null) throw invalidRuleSet(`rule ${String(rule.id)}: ${problem}`);
    seenIds.add(rule.id);
  }
}

function describeRuleProblem(rule: ClassificationRule, seenIds: ReadonlySet<string>): string | null {
  if (typeof rule.id !== 'string' || rule.id.trim() === '') return 'id must be a non-empty string';
  if (seenIds.has(rule.id)) return 'id is not unique';
  if (!categorySchema.safeParse(rule.category).success) return `unknown category "${String(rule.category)}"`;
  if (!Number.isFinite(rule.weight) || rule.weight <= 0) return 'weight must be a positive number';
  if (!Array.isArray(rule.patterns) || rule.patterns.length === 0) return 'needs at least one pattern';
  return describeSubCategoryProblem(rule);
}

function describeSubCategoryProblem(rule: ClassificationRule): string | null {
  if (rule.subCategory === undefined) return null;
  if (!subCategorySchema.safeParse(rule.subCategory).success) return 'subCategory must be a short string';
  const infrastructureSubCategories: readonly string[] = INFRASTRUCTURE_SUBCATEGORIES;
  if (rule.category === 'infrastructure' && !infrastructureSubCategories.includes(rule.subCategory)) {
    return `infrastructure subCategory must be one of ${infrastructureSubCategories.join(', ')}`;
  }
  return null;
}

function invalidRuleSet(detail: string): Error {
  return new Error(`Invalid classification rule set: ${detail}`);
}

// ---------------------------------------------------------------------------------------------
// Matching

interface PatternHit {
  readonly rule: CompiledRule;
  readonly start: number;
  readonly end: number;
  readonly specificity: number;
}

function findMatchedRules(text: string, rules: readonly CompiledRule[]): CompiledRule[] {
  const hits = rules.flatMap((rule) => findHits(text, rule));
  return rules.filter((rule) =>
    hits.some((hit) => hit.rule === rule && !isOutrankedByMoreSpecificHit(hit, hits)),
  );
}

function findHits(text: string, rule: CompiledRule): PatternHit[] {
  return rule.patterns.flatMap(({ regex, specificity, required }) =>
    text.includes(required)
      ? findAllMatches(regex, text).map(({ start, end }) => ({ rule, start, end, specificity }))
      : [],
  );
}

// An exec loop rather than matchAll: matchAll clones the regex, and V8 recompiles every clone.
function findAllMatches(regex: RegExp, text: string): Array<{ start: number; end: number }> {
  const matches: Array<{ start: number; end: number }> = [];
  regex.lastIndex = 0;
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    matches.push({ start: match.index, end: match.index + match[0].length });
  }
  return matches;
}

// The more specific phrase decides what shared words mean: "blue screen" is not a display issue.
function isOutrankedByMoreSpecificHit(hit: PatternHit, hits: readonly PatternHit[]): boolean {
  return hits.some(
    (other) =>
      other.rule !== hit.rule &&
      other.specificity > hit.specificity &&
      other.start < hit.end &&
      hit.start < other.end,
  );
}

// ---------------------------------------------------------------------------------------------
// Scoring

interface CategoryScore {
  readonly category: Category;
  /** Text evidence plus any hint. */
  readonly score: number;
  readonly textScore: number;
}

function parseCategoryHint(hint: string | undefined): Category | null {
  if (hint === undefined) return null;
  const parsed = categorySchema.safeParse(hint.trim().toLowerCase());
  return parsed.success ? parsed.data : null;
}

function rankCategories(matchedRules: readonly CompiledRule[], hint: Category | null): CategoryScore[] {
  return CATEGORIES.map((category) => {
    const textScore = sumWeights(matchedRules.filter((compiled) => compiled.rule.category === category));
    return { category, textScore, score: textScore + (category === hint ? HINT_WEIGHT : 0) };
  })
    .filter((entry) => entry.score > 0)
    .sort(compareCategoryScores);
}

// Ties go to the category with more text evidence, then to the earlier category: stable and
// explainable, and a tie is low-confidence anyway.
function compareCategoryScores(a: CategoryScore, b: CategoryScore): number {
  return (
    b.score - a.score ||
    b.textScore - a.textScore ||
    CATEGORIES.indexOf(a.category) - CATEGORIES.indexOf(b.category)
  );
}

function sumWeights(rules: readonly CompiledRule[]): number {
  return rules.reduce((total, compiled) => total + compiled.rule.weight, 0);
}

/**
 * Strength grows with the winner's score and saturates towards 1; the runner-up's share of the
 * winner's score erodes it, so text that speaks equally of two categories is never confident.
 */
function computeConfidence(winnerScore: number, runnerUpScore: number): number {
  const strength = winnerScore / (winnerScore + HALF_STRENGTH_SCORE);
  const clarity = 1 - AMBIGUITY_PENALTY * (runnerUpScore / winnerScore);
  return roundToHundredths(Math.min(1, Math.max(0, strength * clarity)));
}

function roundToHundredths(value: number): number {
  return Math.round(value * 100) / 100;
}

function orderRulesBestFirst(
  matchedRules: readonly CompiledRule[],
  ranking: readonly CategoryScore[],
): CompiledRule[] {
  const rankOf = (category: Category): number => ranking.findIndex((entry) => entry.category === category);
  return [...matchedRules].sort(
    (a, b) =>
      rankOf(a.rule.category) - rankOf(b.rule.category) || b.rule.weight - a.rule.weight || a.order - b.order,
  );
}

/** The sub-category with the most weight among the winner's rules; ties go to the best rule. */
function pickSubCategory(orderedRules: readonly CompiledRule[], winner: Category): string | null {
  const weights = new Map<string, number>();
  for (const { rule } of orderedRules) {
    if (rule.category !== winner || rule.subCategory === undefined) continue;
    weights.set(rule.subCategory, (weights.get(rule.subCategory) ?? 0) + rule.weight);
  }
  let best: string | null = null;
  for (const [subCategory, weight] of weights) {
    if (best === null || weight > (weights.get(best) ?? 0)) best = subCategory;
  }
  return best;
}

function unclassified(rulesVersion: string): Classification {
  return {
    category: UNCLASSIFIED,
    subCategory: null,
    confidence: 0,
    rules: [],
    rulesVersion,
    needsTriage: true,
  };
}
