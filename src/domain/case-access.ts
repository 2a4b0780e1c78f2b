import type { CaseView } from './case';
import { isAllowed, isSystemActorName, type Permission, type Principal, type Role } from './roles';

/*
 * Which case a principal may see or act on. `isAllowed` is the role gate (may this role ever
 * read or work cases?); these decide per case, from facts the case view carries, so every route
 * and page answers the same before it does any heavy work (histories, bundles, replay).
 */

/** Who the case names as having taken part in it: the facts the access decision reads. */
export interface CaseFacts {
  createdBy: string;
  assignee: string | null;
  /** Principals who acted on the case, as far as the case view records them. */
  actors: readonly string[];
}

/** Roles that oversee every case: they route, approve or audit across the whole service. */
const SEES_EVERY_CASE: readonly Role[] = ['escalation-team', 'it-admin', 'auditor'];

type CaseFactsSource = Pick<
  CaseView,
  'createdBy' | 'assignee' | 'pendingQuestion' | 'resolution' | 'elevations'
> & { log?: CaseView['log']; actors?: CaseView['actors'] };

/**
 * The facts of a case view. Actors are those the case keeps for its whole life (across
 * continue-as-new, whatever part of the log the view shows), plus, for views from before it kept
 * them, the log tail, the open question, the resolution and the elevation requests; the system's
 * own actor names never count as a principal.
 */
export function caseFactsOf(view: CaseFactsSource): CaseFacts {
  const named = [
    ...(view.actors ?? []),
    ...(view.log ?? []).map((e) => e.actor),
    view.pendingQuestion?.askedBy,
    view.resolution?.by,
    ...view.elevations.map((e) => e.requestedBy),
  ];
  const actors = [...new Set(named.filter((a): a is string => !!a && !isSystemActorName(a)))];
  return { createdBy: view.createdBy, assignee: view.assignee, actors };
}

/** Whether a principal oversees every case (and so every elevation and escalation record). */
export const seesEveryCase = (principal: Principal): boolean =>
  principal.roles.some((role) => SEES_EVERY_CASE.includes(role));

/**
 * Whether a principal may see a case at all. Overseers see every case; an agent sees a case they
 * created, are assigned or acted on; service operations see no case, only the escalation records
 * addressed to the service. A principal named like a system actor is never taken for one.
 */
export function canSee(principal: Principal, facts: CaseFacts): boolean {
  if (principal.roles.some((role) => SEES_EVERY_CASE.includes(role))) return true;
  if (!principal.roles.includes('agent')) return false;
  const name = principal.principal;
  if (isSystemActorName(name)) return false;
  return facts.createdBy === name || facts.assignee === name || facts.actors.includes(name);
}

/**
 * Which cases a list may show a principal, as `canSee` decides it: every case (overseers), the
 * cases that name them as creator, assignee or actor (agents; the CaseParticipants search
 * attribute mirrors those facts), or none.
 */
export type CaseListScope = { kind: 'all' } | { kind: 'participant'; name: string } | { kind: 'none' };

export function caseListScope(principal: Principal): CaseListScope {
  if (principal.roles.some((role) => SEES_EVERY_CASE.includes(role))) return { kind: 'all' };
  if (!principal.roles.includes('agent') || isSystemActorName(principal.principal)) return { kind: 'none' };
  return { kind: 'participant', name: principal.principal };
}

/** Whether a principal may do something to a case: the role gate, on a case they may see. */
export function canAct(principal: Principal, permission: Permission, facts: CaseFacts): boolean {
  return isAllowed(principal, permission) && canSee(principal, facts);
}

/**
 * Whether a principal may see an escalation record. Overseers see every one; service operations
 * those addressed to the service; an agent those of a case they may see (`caseFacts`), and an
 * incident's (no case), which agents may read as they read incidents.
 */
export function canSeeEscalation(
  principal: Principal,
  escalation: { target: string; caseId: string | null },
  caseFacts: CaseFacts | null,
): boolean {
  if (principal.roles.some((role) => SEES_EVERY_CASE.includes(role))) return true;
  if (principal.roles.includes('service-ops') && escalation.target === 'service-ops') return true;
  if (!principal.roles.includes('agent')) return false;
  if (escalation.caseId === null) return true;
  return caseFacts !== null && canSee(principal, caseFacts);
}
