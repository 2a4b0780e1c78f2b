import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../scripts/chaos/profiles';
import { resultsMarkdown, runChaos } from '../../scripts/chaos/runner';

/*
 * The chaos command's short profile, as part of the suite: its own dev server, workers, API and
 * receivers on loopback; every kind of fault at least once; the invariants must all hold.
 */
describe('chaos, short profile (worker SIGKILLs, a Temporal restart on the same database, every receiver down once)', () => {
  it(
    'loses nothing, duplicates nothing, keeps leases in their windows and passwords out of every record',
    async () => {
      const profile = PROFILES.short;
      const results = await runChaos(profile, { log: (line) => console.log(`[chaos] ${line}`) });
      const report = resultsMarkdown(results);
      console.log(report);
      const s = results.summary;
      // Every kind of fault happened.
      expect(s.workerKills).toBe(profile.workerKills);
      expect(s.serverRestarts).toBe(1);
      expect(s.receiverOutages).toBe(4 * profile.receiverRounds);
      expect(s.cases, report).toBe(profile.cases);
      // And every promise was kept.
      expect({
        lost: s.lost,
        duplicated: s.duplicated,
        inconsistent: s.inconsistent,
        leasesPastWindow: s.leasesPastWindow,
        passwordsPastMaxAge: s.passwordsPastMaxAge,
        passwordsFound: s.passwordsFound,
        replayFailures: s.replayFailures,
      }).toEqual({
        lost: 0,
        duplicated: 0,
        inconsistent: 0,
        leasesPastWindow: 0,
        passwordsPastMaxAge: 0,
        passwordsFound: 0,
        replayFailures: 0,
      });
      expect(results.verdicts.flatMap((v) => v.violations)).toEqual([]);
      expect(results.driverErrors).toEqual([]);
      expect(s.historiesReplayed).toBeGreaterThan(profile.cases);
    },
    20 * 60_000,
  );
});
