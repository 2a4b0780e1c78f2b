import type { ClassificationRecord } from '../domain/case';
import { classify, classifyTicket, type LinearModel, type RuleSet } from '../domain/classification';
import { DEFAULT_MODEL } from '../domain/classification/default-model';

export interface ClassifyCaseInput {
  title: string;
  description: string;
  categoryHint?: string;
}

/** Classifies a ticket: pure and deterministic for a given rule set and model. */
export type Classifier = (input: ClassifyCaseInput) => ClassificationRecord;

/**
 * The classifier of a rule set and model. A deployment with its own rule set (another version
 * than the model was trained with) is classified by those rules alone until a model is trained
 * with them. The API classifies intake with it before a case starts; the activity below does the
 * same for cases started without a classification.
 */
export function createClassifier(ruleSet?: RuleSet, model: LinearModel = DEFAULT_MODEL): Classifier {
  const rulesOnly = ruleSet !== undefined && ruleSet.version !== model.rulesVersion;
  return (input) => (rulesOnly ? classify(input, ruleSet) : classifyTicket(input, model, ruleSet));
}

/**
 * Classification runs as an activity (or at the API, before the start) so a new model or rule
 * set applies to new cases without breaking replay: the workflow only keeps the record it gets.
 */
export function createClassificationActivities(ruleSet?: RuleSet, model: LinearModel = DEFAULT_MODEL) {
  const classifier = createClassifier(ruleSet, model);
  return {
    // Async because Temporal activities return promises; classification itself is pure.
    // eslint-disable-next-line @typescript-eslint/require-await
    async classifyCase(input: ClassifyCaseInput): Promise<ClassificationRecord> {
      return classifier(input);
    },
  };
}
