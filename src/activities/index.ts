import type { RuleSet } from '../domain/classification';
import { createClassificationActivities } from './classification';

export interface ActivityDeps {
  classificationRules?: RuleSet;
}

/** All of caseflow's activities, with their side-effecting dependencies injected. */
export function createActivities(deps: ActivityDeps = {}) {
  return {
    ...createClassificationActivities(deps.classificationRules),
  };
}

export type CaseActivities = ReturnType<typeof createActivities>;
