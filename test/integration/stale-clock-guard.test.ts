import { describe, expect, it } from 'vitest';
import { runArm } from '../../scripts/diagnostics/query-race-arm';

/*
 * The race the stale-clock guard exists for, made to happen on a real dev server: queries hammer
 * workflows that keep getting signals on a worker whose cache (2) is far smaller than the open
 * workflows (24), so queries keep reaching runs the worker has to rebuild while a signal waits.
 * Without the guard such a run sometimes decides on the last completed task's clock and its
 * history stops replaying (`npm run diagnose:query-race` measures that side).
 */
describe('the stale-clock guard, with queries racing signals on a real dev server', () => {
  it('refuses every activation on a stale clock: none is kept, every history replays, nothing is stuck', async () => {
    const arm = await runArm({ queries: true, guard: true, workflows: 24, signals: 30, cache: 2 });
    // The race happened (the guard refused queries' stale rebuilds) ...
    expect(arm.refusedQueries).toBeGreaterThan(0);
    // ... and none of the code that ran on a stale clock left a trace in any history.
    expect(arm.offTaskSamples).toEqual([]);
    expect(arm).toMatchObject({ staleClock: 0, offTask: 0, replayFailures: 0, stuck: 0 });
    expect(arm.records).toBeGreaterThan(0);
  }, 240_000);
});
