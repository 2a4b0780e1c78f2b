import type { Client } from '@temporalio/client';
import type { CaseView } from '../domain/case';
import { canAct, canSee, caseFactsOf } from '../domain/case-access';
import type { Permission, Principal } from '../domain/roles';
import { caseWorkflowId, getCase } from '../workflows/supportCase.messages';
import { problems } from './problem';

/**
 * What a missing case or workflow answers. A case the caller may not see answers exactly the
 * same, so a refusal does not tell whether the case exists.
 */
export const NO_SUCH_CASE = 'No such case or elevation.';

/** Reads a case view with a query (no history is fetched): the case gateway, or `caseReader`. */
export interface CaseReader {
  get(id: string): Promise<CaseView>;
}

export const caseReader = (client: Client): CaseReader => ({
  get: (id) => client.workflow.getHandle(caseWorkflowId(id)).query(getCase),
});

/**
 * The case, if the principal may see it; otherwise 404 as for a missing case. Every case route
 * and portal page calls this (or `requireCaseAction`) before it does anything else with the case.
 */
export async function visibleCase(cases: CaseReader, id: string, principal: Principal): Promise<CaseView> {
  const view = await cases.get(id);
  if (!canSee(principal, caseFactsOf(view))) throw problems.notFound(NO_SUCH_CASE);
  return view;
}

/** Refuses an action on a case the principal may not see (404) or not do (403). */
export async function requireCaseAction(
  cases: CaseReader,
  id: string,
  principal: Principal,
  permission: Permission,
): Promise<void> {
  const view = await visibleCase(cases, id, principal);
  if (!canAct(principal, permission, caseFactsOf(view))) {
    throw problems.forbidden(`This case needs the permission ${permission}.`);
  }
}
