import type { ActivateInput, WorkflowInterceptorsFactory } from '@temporalio/workflow';

/*
 * Refuses to run workflow code on a clock that has not moved on.
 *
 * When a query reaches a workflow that is not in the worker's cache while a signal (or any other
 * event) is waiting for its workflow task, the worker rebuilds the run from its history for the
 * query, and also runs the waiting events live, with the clock of the last *completed* workflow
 * task, then keeps the run and sends what it decided with the next real task. Decisions made on
 * that old clock (a timer's length, a window already over) are not what a replay of the history
 * decides, so the run cannot be replayed afterwards and gets stuck.
 * (`npm run diagnose:query-race` shows it with a twenty-line workflow and no caseflow code.)
 *
 * The signature is exact: the first live activation after a replay carries the replayed task's
 * own timestamp; a real workflow task always starts later than the task before it. Failing that
 * activation makes the worker drop the run (the query fails and is asked again by the client) and
 * nothing decided on the old clock is kept: the real task then rebuilds the run with its own clock.
 */

/** The message of the failure a query meets when its activation was refused (clients retry it). */
export const STALE_CLOCK_REFUSED = 'caseflow: activation on a stale workflow clock refused';

export interface ActivationFacts {
  /** Whether the activation replays recorded history. */
  replaying: boolean;
  /** The workflow time the activation carries, as `seconds.nanos` (exact, no float rounding). */
  timestamp: string;
}

/**
 * Whether an activation would run live on the clock of the replayed task before it. Queries are
 * left out by the caller: they change nothing and carry no clock of their own.
 */
export function isStaleLiveActivation(
  previous: ActivationFacts | undefined,
  current: ActivationFacts,
): boolean {
  return (
    previous !== undefined &&
    previous.replaying &&
    !current.replaying &&
    previous.timestamp === current.timestamp
  );
}

function factsOf(input: ActivateInput): ActivationFacts | undefined {
  const { activation } = input;
  if (activation.jobs?.some((job) => Boolean(job.queryWorkflow))) return undefined;
  // Signals and the rest of an activation can come as two batches; the first one decides.
  if (input.batchIndex > 0) return undefined;
  const ts = activation.timestamp;
  return {
    replaying: activation.isReplaying === true,
    timestamp: `${String(ts?.seconds ?? 0)}.${String(ts?.nanos ?? 0)}`,
  };
}

export const interceptors: WorkflowInterceptorsFactory = () => {
  let previous: ActivationFacts | undefined;
  return {
    internals: [
      {
        activate(input, next) {
          const facts = factsOf(input);
          if (facts) {
            if (isStaleLiveActivation(previous, facts)) throw new Error(STALE_CLOCK_REFUSED);
            previous = facts;
          }
          next(input);
        },
      },
    ],
  };
};
