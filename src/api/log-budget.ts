import type { Logger } from '../logger';
import { TokenBuckets } from './token-bucket';

/**
 * A logger for lines anyone can cause without credentials (refused authentication, refused
 * callbacks, unknown routes): at most `perMinute` lines a minute get through, the rest are
 * counted, and the next line that gets through says how many were dropped. A flood of bad
 * requests costs the log a few lines a minute instead of one line per request.
 */
export function budgetedLogger(log: Logger, perMinute: number, now: () => number = Date.now): Logger {
  const bucket = new TokenBuckets({ burst: perMinute, perMinute }, now, 1);
  let suppressed = 0;
  const through =
    (emit: (msg: string, fields?: Record<string, unknown>) => void) =>
    (msg: string, fields?: Record<string, unknown>) => {
      if (!bucket.take('lines').ok) {
        suppressed++;
        return;
      }
      const extra = suppressed > 0 ? { suppressedSinceLast: suppressed } : {};
      suppressed = 0;
      emit(msg, { ...fields, ...extra });
    };
  return {
    debug: through((m, f) => log.debug(m, f)),
    info: through((m, f) => log.info(m, f)),
    warn: through((m, f) => log.warn(m, f)),
    error: through((m, f) => log.error(m, f)),
  };
}

/** Lines a minute that unauthenticated requests may cause, per API process. */
export const UNAUTHENTICATED_LOG_LINES_PER_MINUTE = 60;
