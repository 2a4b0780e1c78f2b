import type { Client } from '@temporalio/client';
import type { RuleSet } from '../domain/classification';
import { createArchiveActivities } from './archive';
import { createChildWatchActivities } from './child-watch';
import { createClassificationActivities } from './classification';
import { createDeviceAccountActivities } from './device-account';
import { createElevationActivities, type ElevationActivityDeps } from './elevation';
import { createEscalationDeliveryActivities, type TargetEndpoints } from './escalation-delivery';
import { createNotificationActivities, type NotificationDeps } from './notifications';

export interface ActivityDeps {
  classificationRules?: RuleSet;
  notifications?: NotificationDeps;
  elevation?: ElevationActivityDeps;
  escalationTargets?: TargetEndpoints;
  /** Audit bundles of closed cases; without it archiveCase fails as not configured. */
  archive?: { client: Client; archiveDir: string };
  /** Reads how handed-over children ended; defaults to the archive's client. */
  client?: Client;
}

/** All of caseflow's activities, with their side-effecting dependencies injected. */
export function createActivities(deps: ActivityDeps = {}) {
  return {
    ...createClassificationActivities(deps.classificationRules),
    ...createNotificationActivities(deps.notifications ?? { webhooks: [], secret: undefined }),
    ...createElevationActivities(deps.elevation),
    ...createDeviceAccountActivities(deps.elevation),
    ...createEscalationDeliveryActivities({ endpoints: deps.escalationTargets ?? {} }),
    ...createArchiveActivities({ client: deps.archive?.client, archiveDir: deps.archive?.archiveDir }),
    ...createChildWatchActivities({ client: deps.client ?? deps.archive?.client }),
  };
}

export type CaseActivities = ReturnType<typeof createActivities>;
