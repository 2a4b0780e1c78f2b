import { condition, proxyActivities, sleep } from '@temporalio/workflow';
import type { BareActivities } from './bare-activities';

/*
 * Bare Temporal, the shape of a fresh case and nothing else: one no-op activity, then wait (for
 * ever, or until a timer falls due). The benchmark's baseline.
 */

const { noop } = proxyActivities<BareActivities>({ startToCloseTimeout: '1 minute' });

export async function bareCase(input: { dueAtMs?: number }): Promise<number | null> {
  await noop();
  if (input.dueAtMs === undefined) {
    await condition(() => false);
    return null;
  }
  await sleep(Math.max(1, input.dueAtMs - Date.now()));
  // How late the timer fired, by the workflow's clock (its task's start), as a case records a breach.
  return Date.now() - input.dueAtMs;
}
