import type { Request, RequestHandler } from 'express';
import { problems } from './problem';
import { type BucketSpec, TokenBuckets } from './token-bucket';

/** The limits an API process applies (CASEFLOW_RATE_LIMIT_*, CASEFLOW_CALLBACK_RATE_LIMIT_*). */
export interface RateLimits {
  /**
   * State-changing requests (POST, PUT, PATCH, DELETE) per authenticated principal, counted
   * together whether they come through /v1 or as portal forms.
   */
  principal: BucketSpec;
  /** Unauthenticated callbacks, per client address, counted before the signature is checked. */
  callback: BucketSpec;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  principal: { burst: 300, perMinute: 1_200 },
  callback: { burst: 120, perMinute: 600 },
};

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Refuses a request with 429 and Retry-After once its key's bucket is empty. `keyOf` returning
 * undefined exempts the request (reads, for the per-principal limit).
 */
export function rateLimit(
  spec: BucketSpec,
  keyOf: (req: Request) => string | undefined,
  now: () => number = Date.now,
): RequestHandler {
  const buckets = new TokenBuckets(spec, now);
  return (req, _res, next) => {
    const key = keyOf(req);
    if (key !== undefined) {
      const taken = buckets.take(key);
      if (!taken.ok) {
        throw problems.tooManyRequests(
          `Too many requests; try again in ${taken.retryAfterSeconds} s.`,
          taken.retryAfterSeconds,
        );
      }
    }
    next();
  };
}

/**
 * The key of a state-changing request: its principal once authenticated (by API key or portal
 * session), else the caller's address (the portal's sign-in and language forms, which no one is
 * signed in for yet). Reads are exempt. One key for both surfaces, so a principal's API calls and
 * portal forms draw on one bucket.
 */
export const changeBy = (req: Request): string | undefined => {
  if (!STATE_CHANGING.has(req.method)) return undefined;
  return req.principal
    ? `principal:${req.principal.principal}`
    : `address:${req.socket.remoteAddress ?? 'unknown'}`;
};

/** Callbacks carry no principal until their signature is checked: the caller's address stands in. */
export const callbackCaller = (req: Request): string => `callback:${req.socket.remoteAddress ?? 'unknown'}`;
