import { QueryNotRegisteredError, type WorkflowQueryInput } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { translateTemporalError } from '../../src/api/temporal-errors';
import { isStaleClockRefusal, staleClockQueryRetry } from '../../src/temporal/query-retry';
import { STALE_CLOCK_REFUSED } from '../../src/workflows/stale-clock-guard';

const refusal = () =>
  new QueryNotRegisteredError(`Workflow activation completion failed: ${STALE_CLOCK_REFUSED}`, 3);
const input = {} as WorkflowQueryInput;

function retrying(backoff: number[]) {
  const pauses: number[] = [];
  const interceptor = staleClockQueryRetry(backoff, (ms) => {
    pauses.push(ms);
    return Promise.resolve();
  });
  return { query: interceptor.query!, pauses };
}

describe('queries the stale-clock guard refused', () => {
  it('are asked again after each pause until one is answered', async () => {
    const { query, pauses } = retrying([20, 40, 80]);
    let calls = 0;
    const answer = await query(input, () =>
      ++calls < 3 ? Promise.reject(refusal()) : Promise.resolve('view'),
    );
    expect(answer).toBe('view');
    expect(calls).toBe(3);
    expect(pauses).toEqual([20, 40]);
  });

  it('stand once the pauses are used up, and then mean "not now" to an HTTP caller (503)', async () => {
    const { query, pauses } = retrying([20, 40]);
    let calls = 0;
    const failed = await query(input, () => {
      calls++;
      return Promise.reject(refusal());
    }).catch((err: unknown) => err);
    expect(isStaleClockRefusal(failed)).toBe(true);
    expect(calls).toBe(3);
    expect(pauses).toEqual([20, 40]);
    expect(translateTemporalError(failed)?.status).toBe(503);
  });

  it('are the only failures asked again: any other error goes straight to the caller', async () => {
    const { query, pauses } = retrying([20, 40]);
    let calls = 0;
    const other = new QueryNotRegisteredError('no such query: getCase', 3);
    await expect(
      query(input, () => {
        calls++;
        return Promise.reject(other);
      }),
    ).rejects.toBe(other);
    expect(calls).toBe(1);
    expect(pauses).toEqual([]);
  });
});
