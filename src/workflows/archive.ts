import { proxyActivities } from '@temporalio/workflow';
import type { CaseActivities } from '../activities';

const { archiveCase } = proxyActivities<CaseActivities>({
  summary: 'archive audit bundle',
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** Started (and abandoned) by a case as it closes: writes its audit bundle once the case has ended. */
export async function caseArchiver(input: { caseId: string }): Promise<{ path: string; chainHead: string }> {
  const { path, chainHead } = await archiveCase({ caseId: input.caseId, afterClose: true });
  return { path, chainHead };
}

export const archiverWorkflowId = (caseId: string): string => `case:${caseId}:archive`;
