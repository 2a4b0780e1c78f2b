import type { ClassificationRecord } from '../domain/case';
import { classify, type RuleSet } from '../domain/classification';

export interface ClassifyCaseInput {
  title: string;
  description: string;
  categoryHint?: string;
}

/** Classification runs as an activity so a new rule set applies to new cases without breaking replay. */
export function createClassificationActivities(ruleSet?: RuleSet) {
  return {
    // Async because Temporal activities return promises; the rules themselves are pure.
    // eslint-disable-next-line @typescript-eslint/require-await
    async classifyCase(input: ClassifyCaseInput): Promise<ClassificationRecord> {
      return classify(input, ruleSet);
    },
  };
}
