import type { Client } from '@temporalio/client';
import type { RequestHandler } from 'express';

/**
 * Bounds every Temporal call a request makes, in one place: connection attempts, starts, queries,
 * signals, updates (including the SDK's polling for an update's outcome) and visibility lists all
 * inherit this deadline through the connection's call context, which follows the request's async
 * work. A call past it fails with DEADLINE_EXCEEDED, which the error mapper answers with 503 and
 * Retry-After; without it a query waits for a worker that may not be running, and an update with
 * no worker polls forever.
 *
 * Calls that want a shorter bound (the readiness probe, the checkout's read) set their own.
 */
export function temporalDeadline(client: Pick<Client, 'withDeadline'>, ms: number): RequestHandler {
  return (_req, _res, next) => {
    void client.withDeadline(Date.now() + ms, () => {
      next();
      return Promise.resolve();
    });
  };
}
