import type { z } from 'zod';
import type { roleSchema } from '../schemas/roles-schema';

export const ROLES = ['agent', 'escalation-team', 'it-admin', 'service-ops', 'auditor'] as const;
export type Role = z.infer<typeof roleSchema>;

/**
 * Names the system records as actors of what it did itself (`caseflow`) or of what an outside
 * party sent (the escalation targets). A principal named like one could pass for it on the
 * record, so no principal may be (case-insensitively).
 */
export const SYSTEM_ACTOR_NAMES = [
  'caseflow',
  'service-ops',
  'vendor',
  'microsoft-channel',
  'system',
] as const;
export const isSystemActorName = (name: string): boolean =>
  (SYSTEM_ACTOR_NAMES as readonly string[]).includes(name.toLowerCase());

/** An authenticated caller. `principal` is what workflows record as the actor. */
export interface Principal {
  principal: string;
  roles: Role[];
}

/**
 * What each role may do. Escalation-team members are agents with extra rights (DOMAIN.md), so
 * every agent action lists them too; auditors only ever read.
 */
export const PERMISSIONS = {
  'case:create': ['agent', 'escalation-team'],
  'case:read': ['agent', 'escalation-team', 'it-admin', 'auditor'],
  /** Working a case: assignment, severity, category, questions, notes, resolution, relayed requester answers. */
  'case:work': ['agent', 'escalation-team'],
  /** Severity: agents set it; only an IT admin may lower a Sev A/B case to C (it opens the Sev C gate). */
  'case:severity': ['agent', 'escalation-team', 'it-admin'],
  'elevation:request': ['escalation-team'],
  'elevation:read': ['agent', 'escalation-team', 'it-admin', 'auditor'],
  'elevation:decide': ['it-admin'],
  'elevation:checkout': ['escalation-team'],
  /** Ending access early: the requester (escalation team) or any IT admin (a revoke). */
  'elevation:release': ['escalation-team', 'it-admin'],
  'elevation:extend': ['escalation-team'],
  'elevation:review': ['it-admin'],
  /** Sev C by the escalation team itself; Sev A/B are held for an IT admin (or filed by one). */
  'escalation:file': ['escalation-team', 'it-admin'],
  'escalation:read': ['agent', 'escalation-team', 'it-admin', 'service-ops', 'auditor'],
  'escalation:decide': ['it-admin'],
  'escalation:answer': ['agent', 'escalation-team', 'it-admin'],
  'incident:manage': ['it-admin'],
  /** Auditors and IT admins see every case's timeline; agents only the cases they work on. */
  'case:timeline': ['auditor', 'it-admin', 'agent', 'escalation-team'],
  /** Reconstructions from history: for auditors and IT admins. */
  'case:audit': ['auditor', 'it-admin'],
  'incident:read': ['agent', 'escalation-team', 'it-admin', 'service-ops', 'auditor'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

export function isAllowed(principal: Principal, permission: Permission): boolean {
  const allowed: readonly Role[] = PERMISSIONS[permission];
  return principal.roles.some((role) => allowed.includes(role));
}
