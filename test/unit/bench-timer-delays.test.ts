import { describe, expect, it } from 'vitest';
import { firedTimerDelays, type TimedEvent } from '../../scripts/bench/timer-delays';

/* The benchmark's history arithmetic only: the figures it reads are never asserted. */

const e = (type: string, timeMs: number, extra: Partial<TimedEvent> = {}): TimedEvent => ({
  type,
  timeMs,
  ...extra,
});

describe('where a fired timer’s lateness goes', () => {
  it('splits it into the server’s fire lag, the pickup by a worker, and the task’s run', () => {
    const events = [
      e('WORKFLOW_EXECUTION_STARTED', 0),
      e('WORKFLOW_TASK_SCHEDULED', 0),
      e('WORKFLOW_TASK_STARTED', 5),
      e('WORKFLOW_TASK_COMPLETED', 20),
      e('TIMER_STARTED', 20, { timerId: '1', startToFireMs: 1_000 }),
      e('TIMER_FIRED', 1_150, { timerId: '1' }),
      e('WORKFLOW_TASK_SCHEDULED', 1_150),
      e('WORKFLOW_TASK_STARTED', 1_400),
      e('WORKFLOW_TASK_COMPLETED', 1_460),
    ];
    expect(firedTimerDelays(events)).toEqual([
      { timerId: '1', dueMs: 1_020, fireLagMs: 130, pickupMs: 250, runMs: 60 },
    ]);
  });

  it('leaves out cancelled timers and a fire whose task has not completed', () => {
    const events = [
      e('TIMER_STARTED', 0, { timerId: 'a', startToFireMs: 100 }),
      e('TIMER_STARTED', 0, { timerId: 'b', startToFireMs: 200 }),
      e('TIMER_CANCELED', 50, { timerId: 'a' }),
      e('TIMER_FIRED', 210, { timerId: 'b' }),
      e('WORKFLOW_TASK_SCHEDULED', 210),
      e('WORKFLOW_TASK_STARTED', 220),
    ];
    expect(firedTimerDelays(events)).toEqual([]);
  });

  it('gives timers that fire into the same task that task’s pickup and run', () => {
    const events = [
      e('TIMER_STARTED', 0, { timerId: 'a', startToFireMs: 100 }),
      e('TIMER_STARTED', 0, { timerId: 'b', startToFireMs: 100 }),
      e('TIMER_FIRED', 100, { timerId: 'a' }),
      e('TIMER_FIRED', 101, { timerId: 'b' }),
      e('WORKFLOW_TASK_SCHEDULED', 101),
      e('WORKFLOW_TASK_STARTED', 111),
      e('WORKFLOW_TASK_COMPLETED', 121),
    ];
    expect(firedTimerDelays(events).map((d) => [d.timerId, d.fireLagMs, d.pickupMs, d.runMs])).toEqual([
      ['a', 0, 11, 10],
      ['b', 1, 10, 10],
    ]);
  });
});
