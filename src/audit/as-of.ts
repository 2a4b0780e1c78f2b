import { historyFromJSON } from '../temporal/proto';
import { Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { CaseView } from '../domain/case';
import { sharedWorkflowBundle } from '../temporal/workflow-bundle';
import { eventKind, type JsonHistory } from './history-json';

export interface StateAtEvent {
  /** The last event the reported state reflects (the history length when it was reported). */
  eventId: number;
  state: CaseView;
}

/**
 * The case as it was at event `asOfEvent` of one run's history: the history is replayed against
 * the workflow code and the state the workflow reported last at or before that event is returned.
 * Null when the event comes before the case had any state.
 */
export async function caseStateAsOf(
  history: JsonHistory,
  asOfEvent: number,
  workflowBundle?: WorkflowBundleOption,
): Promise<StateAtEvent | null> {
  const reports: StateAtEvent[] = [];
  await Worker.runReplayHistory(
    {
      // The workflows are bundled once per process, not per request.
      workflowBundle: workflowBundle ?? (await sharedWorkflowBundle()),
      sinks: {
        caseAudit: {
          state: {
            fn: (info, view: CaseView) => {
              reports.push({ eventId: info.historyLength, state: view });
            },
            callDuringReplay: true,
          },
        },
      },
    },
    historyFromJSON(history),
  );
  // A report is made while a workflow task runs; its state is on the record once that task
  // completes, i.e. at the first WorkflowTaskCompleted event after the task started.
  const completions = history.events
    .filter((e) => eventKind(e).kind === 'workflowTaskCompleted')
    .map((e) => Number(e.eventId));
  const effective = reports.map((r) => ({
    ...r,
    eventId: completions.find((id) => id > r.eventId) ?? Number.POSITIVE_INFINITY,
  }));
  const at = effective.filter((r) => r.eventId <= asOfEvent);
  return at.length > 0 ? (at[at.length - 1] ?? null) : null;
}
