import {
  condition,
  defineQuery,
  defineSignal,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';

/*
 * The smallest workflow that shows whether a worker ever runs workflow code with a stale clock:
 * every time a signal wakes it, it records the workflow time it sees in an activity's input, so
 * the history holds that time, and the history length the code was told it ran at, beside the
 * workflow task that produced it.
 */
export const poke = defineSignal<[number]>('poke');
export const pokes = defineQuery<number>('pokes');

export interface ProbeActivities {
  /** What the code saw: its clock, and the history length it believed it ran at. */
  record(seen: { n: number; nowMs: number; historyLength: number }): Promise<void>;
}

const { record } = proxyActivities<ProbeActivities>({
  startToCloseTimeout: '10 seconds',
});

export async function clockProbe(total: number): Promise<number> {
  let n = 0;
  setHandler(poke, () => {
    n++;
  });
  setHandler(pokes, () => n);
  while (n < total) {
    const seen = n;
    await condition(() => n !== seen, '1 hour');
    void record({ n, nowMs: Date.now(), historyLength: workflowInfo().historyLength });
  }
  // Lets the last records be scheduled and completed before the run closes.
  await condition(() => false, '2 seconds');
  return n;
}
