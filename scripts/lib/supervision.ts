/**
 * What `npm start` does when one of its processes exits on its own: restart it after a backoff
 * that doubles with each recent crash, or, when it keeps crashing (maxCrashes within windowMs),
 * give up and stop the whole system rather than spin. Pure, so the policy is tested apart from
 * the processes it governs.
 */
export interface SupervisionPolicy {
  /** Crashes within the window that stop everything. */
  maxCrashes: number;
  windowMs: number;
  /** The wait before the first restart; each further crash within the window doubles it. */
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_SUPERVISION: SupervisionPolicy = {
  maxCrashes: 5,
  windowMs: 60_000,
  initialBackoffMs: 1_000,
  maxBackoffMs: 15_000,
};

export type CrashVerdict =
  | { action: 'restart'; afterMs: number; recentCrashes: number[] }
  | { action: 'give-up'; recentCrashes: number[] };

/**
 * Decides after a crash at `nowMs`, given the times of this process's earlier crashes. Crashes
 * older than the window are forgotten, so a process that ran well for a while starts again from
 * the shortest backoff.
 */
export function afterCrash(
  earlierCrashes: readonly number[],
  nowMs: number,
  policy: SupervisionPolicy = DEFAULT_SUPERVISION,
): CrashVerdict {
  const recentCrashes = [...earlierCrashes.filter((at) => nowMs - at < policy.windowMs), nowMs];
  if (recentCrashes.length >= policy.maxCrashes) return { action: 'give-up', recentCrashes };
  const afterMs = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (recentCrashes.length - 1));
  return { action: 'restart', afterMs, recentCrashes };
}
