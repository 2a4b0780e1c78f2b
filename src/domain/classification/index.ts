export {
  classify,
  normaliseText,
  HINT_WEIGHT,
  MAX_ANALYSED_LENGTH,
  TRIAGE_THRESHOLD,
  type Classification,
  type ClassificationEvidence,
  type ClassificationInput,
} from './classify';
export { classifyTicket, EVIDENCE_COUNT, HINT_LOGIT } from './ticket-classifier';
export type { LinearModel } from './linear-model';
export {
  CLASSIFICATION_RULES_VERSION,
  DEFAULT_RULE_SET,
  type ClassificationRule,
  type RuleSet,
} from './rules';
