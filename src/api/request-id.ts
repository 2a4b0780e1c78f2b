import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { withRequestId } from '../temporal/request-id';

/** What a caller's X-Request-Id may be: short and plain, since it is logged and stored in histories. */
const ACCEPTED = /^[A-Za-z0-9._:-]{1,128}$/;

declare module 'express-serve-static-core' {
  interface Request {
    requestId?: string;
  }
}

/**
 * Takes the caller's X-Request-Id (a helpdesk's own id) or makes one, answers it in the response,
 * and runs the rest of the request with it, so the log lines and the Temporal messages the request
 * causes (starts, signals, updates: their headers) carry it. An id that does not fit is replaced.
 */
export const requestIds: RequestHandler = (req, res, next) => {
  const offered = req.get('x-request-id');
  const id = offered && ACCEPTED.test(offered) ? offered : randomUUID();
  req.requestId = id;
  res.set('X-Request-Id', id);
  withRequestId(id, next);
};
