import { condition, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import { applyClassification, type CaseState, isClosed, openCase } from '../domain/case';
import { caseSearchAttributes } from '../temporal/search-attributes';
import { getCase, type SupportCaseInput, type SupportCaseResult } from './supportCase.messages';

const { classifyCase } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const nowIso = (): string => new Date(Date.now()).toISOString();

/** Keeps the case's search attributes in step with its state, so operators can filter on them. */
function publish(state: CaseState): void {
  upsertSearchAttributes(caseSearchAttributes(state));
}

/** One support case, from first contact to closure; its history is the case's record. */
export async function supportCase(input: SupportCaseInput): Promise<SupportCaseResult> {
  let state = openCase(input, nowIso());
  setHandler(getCase, () => state);

  const classification = await classifyCase({
    title: input.intake.title,
    description: input.intake.description,
    categoryHint: input.intake.categoryHint,
  });
  state = applyClassification(state, classification, nowIso());
  publish(state);

  await condition(() => isClosed(state.status));
  return { id: state.id, status: state.status };
}
