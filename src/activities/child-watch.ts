import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

/**
 * How a case learns that a child it handed over at continue-as-new has ended. The new run cannot
 * await a child another run started, and a terminated (or cancelled, timed-out) child sends
 * nothing, so the case asks, now and then, through the client. Read-only: nothing is changed.
 */

export type ChildState =
  | { workflowId: string; state: 'running' }
  | { workflowId: string; state: 'completed'; status: string | null }
  | { workflowId: string; state: 'failed' | 'terminated' | 'cancelled' | 'timed-out'; detail: string };

const ENDINGS = {
  FAILED: 'failed',
  TERMINATED: 'terminated',
  CANCELLED: 'cancelled',
  TIMED_OUT: 'timed-out',
} as const;

export function createChildWatchActivities(deps: { client?: Client }) {
  return {
    async childStates(input: { workflowIds: string[] }): Promise<ChildState[]> {
      const { client } = deps;
      if (!client) {
        throw ApplicationFailure.nonRetryable(
          'No Temporal client is configured for reading child workflows.',
          'ChildWatchMissing',
        );
      }
      return Promise.all(
        input.workflowIds.map(async (workflowId): Promise<ChildState> => {
          const handle = client.workflow.getHandle(workflowId);
          let name: string;
          try {
            name = (await handle.describe()).status.name;
          } catch (err) {
            // Gone past retention: it ended long ago, and how is no longer known.
            if (err instanceof WorkflowNotFoundError) {
              return { workflowId, state: 'failed', detail: 'the workflow is gone' };
            }
            throw err;
          }
          if (name === 'RUNNING' || name === 'CONTINUED_AS_NEW') return { workflowId, state: 'running' };
          if (name === 'COMPLETED') {
            const result = (await handle.result().catch(() => null)) as { status?: unknown } | null;
            return {
              workflowId,
              state: 'completed',
              status: typeof result?.status === 'string' ? result.status : null,
            };
          }
          const state = ENDINGS[name as keyof typeof ENDINGS] ?? 'failed';
          return { workflowId, state, detail: `the workflow was ${name.toLowerCase().replace('_', ' ')}` };
        }),
      );
    },
  };
}
