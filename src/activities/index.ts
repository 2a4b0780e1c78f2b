import type { RuleSet } from '../domain/classification';
import { createClassificationActivities } from './classification';
import { createElevationActivities, type ElevationActivityDeps } from './elevation';
import { createEscalationDeliveryActivities, type TargetEndpoints } from './escalation-delivery';
import { createNotificationActivities, type NotificationDeps } from './notifications';

export interface ActivityDeps {
  classificationRules?: RuleSet;
  notifications?: NotificationDeps;
  elevation?: ElevationActivityDeps;
  escalationTargets?: TargetEndpoints;
}

/** All of caseflow's activities, with their side-effecting dependencies injected. */
export function createActivities(deps: ActivityDeps = {}) {
  return {
    ...createClassificationActivities(deps.classificationRules),
    ...createNotificationActivities(deps.notifications ?? { webhooks: [], secret: undefined }),
    ...createElevationActivities(deps.elevation),
    ...createEscalationDeliveryActivities({ endpoints: deps.escalationTargets ?? {} }),
  };
}

export type CaseActivities = ReturnType<typeof createActivities>;
