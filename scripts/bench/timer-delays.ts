/*
 * Where a fired timer's lateness goes, read from a workflow's history (pure, unit tested):
 * the server's lag in firing it, the wait for a worker to pick up the workflow task it caused,
 * and that task's run on the worker.
 */

/** The few fields of a history event this reads, already decoded to names and milliseconds. */
export interface TimedEvent {
  type: string;
  timeMs: number;
  /** TIMER_STARTED: its id and how long it was set for. */
  timerId?: string;
  startToFireMs?: number;
}

export interface FiredTimerDelay {
  timerId: string;
  /** When the timer was due (started + its duration). */
  dueMs: number;
  /** Fired, less due: the server's timer queue. */
  fireLagMs: number;
  /** The next workflow task's start, less the fire: waiting on the task queue for a worker. */
  pickupMs: number;
  /** That task's completion, less its start: the worker's run, including local activities. */
  runMs: number;
}

/**
 * One entry per timer that fired and whose next workflow task completed, in history order.
 * Timers that were cancelled, or fired without a completed task after them yet, are left out.
 */
export function firedTimerDelays(events: readonly TimedEvent[]): FiredTimerDelay[] {
  const started = new Map<string, number>();
  const delays: FiredTimerDelay[] = [];
  events.forEach((event, i) => {
    if (event.type === 'TIMER_STARTED' && event.timerId !== undefined) {
      started.set(event.timerId, event.timeMs + (event.startToFireMs ?? 0));
      return;
    }
    if (event.type !== 'TIMER_FIRED' || event.timerId === undefined) return;
    const dueMs = started.get(event.timerId);
    if (dueMs === undefined) return;
    const rest = events.slice(i + 1);
    const taskStarted = rest.find((e) => e.type === 'WORKFLOW_TASK_STARTED');
    const taskEnded = rest.find((e) => e.type === 'WORKFLOW_TASK_COMPLETED');
    if (!taskStarted || !taskEnded || taskEnded.timeMs < taskStarted.timeMs) return;
    delays.push({
      timerId: event.timerId,
      dueMs,
      fireLagMs: event.timeMs - dueMs,
      pickupMs: taskStarted.timeMs - event.timeMs,
      runMs: taskEnded.timeMs - taskStarted.timeMs,
    });
  });
  return delays;
}
