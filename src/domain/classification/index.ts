export {
  classify,
  normaliseText,
  HINT_WEIGHT,
  MAX_ANALYSED_LENGTH,
  TRIAGE_THRESHOLD,
  type Classification,
  type ClassificationInput,
} from './classify';
export {
  CLASSIFICATION_RULES_VERSION,
  DEFAULT_RULE_SET,
  type ClassificationRule,
  type RuleSet,
} from './rules';
