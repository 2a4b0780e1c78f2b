import type { ActivateInput, WorkflowInternalsInterceptor } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import {
  interceptors,
  isStaleLiveActivation,
  STALE_CLOCK_REFUSED,
} from '../../src/workflows/stale-clock-guard';

const at = (seconds: number, nanos = 0) => ({ seconds, nanos });

function activation(
  replaying: boolean,
  timestamp: { seconds: number; nanos: number } | null,
  jobs: Array<Record<string, unknown>>,
  batchIndex = 0,
): ActivateInput {
  return {
    activation: { isReplaying: replaying, timestamp, jobs },
    batchIndex,
  } as unknown as ActivateInput;
}
const signal = { signalWorkflow: { signalName: 'poke' } };
const timer = { fireTimer: { seq: 1 } };
const query = { queryWorkflow: { queryId: 'legacy_query', queryType: 'pokes' } };

/** Runs activations through a fresh guard, as one workflow instance; returns which were refused. */
function run(inputs: ActivateInput[]): boolean[] {
  const guard = interceptors().internals?.[0] as Required<WorkflowInternalsInterceptor>;
  return inputs.map((input) => {
    try {
      guard.activate(input, () => undefined);
      return false;
    } catch (err) {
      expect((err as Error).message).toBe(STALE_CLOCK_REFUSED);
      return true;
    }
  });
}

describe('isStaleLiveActivation', () => {
  const replayed = { replaying: true, timestamp: '100.5' };
  it('is a live activation carrying the replayed task’s own clock', () => {
    expect(isStaleLiveActivation(replayed, { replaying: false, timestamp: '100.5' })).toBe(true);
  });
  it('is not a live activation on a later clock (a real task after a replay)', () => {
    expect(isStaleLiveActivation(replayed, { replaying: false, timestamp: '100.6' })).toBe(false);
  });
  it('is not the first activation of a run, nor a replay, nor a second live activation of one task', () => {
    expect(isStaleLiveActivation(undefined, { replaying: false, timestamp: '1.0' })).toBe(false);
    expect(isStaleLiveActivation(replayed, { replaying: true, timestamp: '100.5' })).toBe(false);
    expect(
      isStaleLiveActivation(
        { replaying: false, timestamp: '100.5' },
        { replaying: false, timestamp: '100.5' },
      ),
    ).toBe(false);
  });
});

describe('the stale-clock guard interceptor', () => {
  it('refuses the live signal a query’s rebuild runs on the last completed task’s clock', () => {
    // What a query to a run outside the cache looks like when a signal waits for its task.
    expect(
      run([
        activation(true, at(100), [{ initializeWorkflow: {} }]),
        activation(true, at(105), [signal]),
        activation(false, at(105), [signal]),
      ]),
    ).toEqual([false, false, true]);
  });

  it('refuses a timer or activity result run the same way, not only signals', () => {
    expect(run([activation(true, at(100), [signal]), activation(false, at(100), [timer])])).toEqual([
      false,
      true,
    ]);
  });

  it('lets a real task through: after a replay its clock has moved on, to the nanosecond', () => {
    expect(
      run([
        activation(true, at(100), [{ initializeWorkflow: {} }]),
        activation(false, at(100, 1), [signal]),
        activation(false, at(100, 1), [timer]),
      ]),
    ).toEqual([false, false, false]);
  });

  it('ignores queries (they carry no clock) and the second batch of an activation', () => {
    expect(
      run([
        activation(false, at(100), [signal]),
        activation(true, null, [query]),
        activation(false, at(100), [timer]),
        activation(true, at(200), [signal]),
        activation(false, at(200), [timer], 1),
      ]),
    ).toEqual([false, false, false, false, false]);
  });

  it('keeps its memory per workflow: a new instance starts with no previous activation', () => {
    expect(run([activation(true, at(100), [signal])])).toEqual([false]);
    expect(run([activation(false, at(100), [signal])])).toEqual([false]);
  });
});
