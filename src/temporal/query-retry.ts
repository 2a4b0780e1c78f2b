import type { WorkflowClientInterceptor } from '@temporalio/client';
import { STALE_CLOCK_REFUSED } from '../workflows/stale-clock-guard';

/*
 * A query the workers' stale-clock guard refused is asked again, briefly: the refusal dropped the
 * run the query had rebuilt (src/workflows/stale-clock-guard.ts), and the workflow task that was
 * waiting runs within milliseconds, after which the query is answered as usual.
 */

/** Pauses between the attempts of a refused query: about 1.3 s in all, then the refusal stands. */
export const STALE_CLOCK_QUERY_BACKOFF_MS = [20, 40, 80, 160, 320, 640];

export function isStaleClockRefusal(err: unknown): boolean {
  return err instanceof Error && err.message.includes(STALE_CLOCK_REFUSED);
}

export function staleClockQueryRetry(
  backoffMs: readonly number[] = STALE_CLOCK_QUERY_BACKOFF_MS,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): WorkflowClientInterceptor {
  return {
    async query(input, next) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await next(input);
        } catch (err) {
          const pause = backoffMs[attempt];
          if (!isStaleClockRefusal(err) || pause === undefined) throw err;
          await sleep(pause);
        }
      }
    },
  };
}
