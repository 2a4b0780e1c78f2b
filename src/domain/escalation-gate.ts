import type { Severity } from './categories';
import type { EscalationTarget } from './routing';

/*
 * The severity gate (DOMAIN.md, "Severity gate on escalation") as one rule table. The gate belongs
 * to the service's escalation portal: it is about the *case's* impact, so typing a lower severity
 * on the escalation never turns a Sev A/B case into a Sev C request. Hardware goes directly to the
 * vendor and other Microsoft issues through the organisation's own channel, neither of them under
 * the service's Sev C rule, admin-area contacts or response table.
 */

export type Gate =
  'escalation-team-sev-c' | 'it-admin-approval' | 'it-admin' | 'vendor-direct' | 'microsoft-channel';

/** Who files: only these two roles may (roles.ts, `escalation:file`). */
export type FilerRole = 'escalation-team' | 'it-admin';

/** Whose response expectations the escalation's clocks follow. */
export type ResponseTable = 'service' | 'vendor' | 'microsoft-channel';

export interface GateQuestion {
  target: EscalationTarget;
  /** The case's (or incident's) severity now, whatever is typed on the escalation. */
  caseSeverity: Severity;
  /** The severity typed on the escalation (defaults to the case's). */
  escalationSeverity: Severity;
  filer: FilerRole;
}

export interface GateAnswer {
  gate: Gate;
  /** Filed at once, or held for an IT admin to file or decline. */
  fileAtOnce: boolean;
  /** The service's rule: an admin-area request needs that area's admin contact. */
  needsAdminContact: boolean;
  responseTable: ResponseTable;
}

const RANK: Record<Severity, number> = { A: 3, B: 2, C: 1 };
/** The more severe of two severities. */
export const moreSevere = (a: Severity, b: Severity): Severity => (RANK[a] >= RANK[b] ? a : b);

/**
 * | target            | filer           | case and escalation both Sev C | otherwise          |
 * | ----------------- | --------------- | ------------------------------ | ------------------ |
 * | service-ops       | escalation-team | escalation-team-sev-c, filed   | it-admin-approval  |
 * | service-ops       | it-admin        | it-admin, filed                | it-admin, filed    |
 * | vendor            | either          | vendor-direct, filed           | vendor-direct      |
 * | microsoft-channel | either          | microsoft-channel, filed       | microsoft-channel  |
 */
export function gateOf(q: GateQuestion): GateAnswer {
  switch (q.target) {
    case 'vendor':
      return { gate: 'vendor-direct', fileAtOnce: true, needsAdminContact: false, responseTable: 'vendor' };
    case 'microsoft-channel':
      return {
        gate: 'microsoft-channel',
        fileAtOnce: true,
        needsAdminContact: false,
        responseTable: 'microsoft-channel',
      };
    case 'service-ops': {
      if (q.filer === 'it-admin')
        return { gate: 'it-admin', fileAtOnce: true, needsAdminContact: true, responseTable: 'service' };
      const sevC = moreSevere(q.caseSeverity, q.escalationSeverity) === 'C';
      return sevC
        ? {
            gate: 'escalation-team-sev-c',
            fileAtOnce: true,
            needsAdminContact: true,
            responseTable: 'service',
          }
        : { gate: 'it-admin-approval', fileAtOnce: false, needsAdminContact: true, responseTable: 'service' };
    }
  }
}

/**
 * The gate as escalations filed before the rule table applied it (typed severity only, every
 * target alike). Kept so their histories replay exactly; new escalations never use it.
 */
export function legacyGateOf(escalationSeverity: Severity, filerIsAdmin: boolean): GateAnswer {
  if (filerIsAdmin)
    return { gate: 'it-admin', fileAtOnce: true, needsAdminContact: true, responseTable: 'service' };
  if (escalationSeverity === 'C')
    return {
      gate: 'escalation-team-sev-c',
      fileAtOnce: true,
      needsAdminContact: true,
      responseTable: 'service',
    };
  return { gate: 'it-admin-approval', fileAtOnce: false, needsAdminContact: true, responseTable: 'service' };
}

/** Lowering a case's severity needs a reason; from A or B down to C, also an IT admin (it opens the gate). */
export function severityChangeRefusal(from: Severity, to: Severity, actorIsAdmin: boolean): string | null {
  if (RANK[to] >= RANK[from]) return null;
  if (to === 'C' && !actorIsAdmin)
    return `Lowering a Sev ${from} case to Sev C opens the escalation team's Sev C gate: an IT admin must do it.`;
  return null;
}
