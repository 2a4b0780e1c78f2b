import { condition, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

/*
 * The smallest workflow that shows whether a worker ever runs workflow code with a stale clock:
 * every time a signal wakes it, it records the workflow time it sees in an activity's input, so
 * the history holds that time beside the workflow task that produced it.
 */
export const poke = defineSignal<[number]>('poke');
export const pokes = defineQuery<number>('pokes');

const { record } = proxyActivities<{ record(seen: { n: number; nowMs: number }): Promise<void> }>({
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
    void record({ n, nowMs: Date.now() });
  }
  // Lets the last records be scheduled and completed before the run closes.
  await condition(() => false, '2 seconds');
  return n;
}
