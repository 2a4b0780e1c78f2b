import type { ClassificationRecord } from '../domain/case';
import { classify, classifyTicket, type LinearModel, type RuleSet } from '../domain/classification';
import { DEFAULT_MODEL } from '../domain/classification/default-model';

export interface ClassifyCaseInput {
  title: string;
  description: string;
  categoryHint?: string;
}

/**
 * Classification runs as an activity so a new model or rule set applies to new cases without
 * breaking replay: the workflow only keeps the record it returns. A deployment with its own rule
 * set (another version than the model was trained with) is classified by those rules alone until
 * a model is trained with them.
 */
export function createClassificationActivities(ruleSet?: RuleSet, model: LinearModel = DEFAULT_MODEL) {
  const rulesOnly = ruleSet !== undefined && ruleSet.version !== model.rulesVersion;
  return {
    // Async because Temporal activities return promises; classification itself is pure.
    // eslint-disable-next-line @typescript-eslint/require-await
    async classifyCase(input: ClassifyCaseInput): Promise<ClassificationRecord> {
      return rulesOnly ? classify(input, ruleSet) : classifyTicket(input, model, ruleSet);
    },
  };
}
