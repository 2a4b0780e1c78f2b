import { isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { isStaleClockRefusal } from '../temporal/query-retry';
import { NO_SUCH_CASE } from './case-access';
import { DEFAULT_RETRY_AFTER_SECONDS, type HttpProblem, problems } from './problem';

/**
 * The one place that decides what Temporal's failures mean to an HTTP caller. An outage (the
 * server unreachable, a call past its deadline, the server shedding load) is a 503 with
 * Retry-After, never a 500: the request can be repeated once Temporal answers again, and the
 * Idempotency-Key of an intake makes that repeat safe.
 */

/** gRPC status codes that mean "not now" rather than "not so". */
const GRPC_CANCELLED = 1;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_FAILED_PRECONDITION = 9;
const GRPC_UNAVAILABLE = 14;
const OUTAGE_CODES: ReadonlySet<number> = new Set([
  GRPC_CANCELLED,
  GRPC_DEADLINE_EXCEEDED,
  GRPC_RESOURCE_EXHAUSTED,
  GRPC_UNAVAILABLE,
]);

/** Seconds a client is told to wait before repeating a request refused by an outage. */
export const OUTAGE_RETRY_AFTER_SECONDS = DEFAULT_RETRY_AFTER_SECONDS;

/**
 * Whether an error from the Temporal client means Temporal could not be reached or did not answer
 * in time. The SDK wraps gRPC errors (ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError,
 * failed connection attempts), so the cause chain is followed.
 */
export function isTemporalOutage(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (isGrpcServiceError(e)) return OUTAGE_CODES.has(e.code) || isNoWorker(e);
    // A read the workers kept refusing while a workflow task was pending: not now, not not so.
    if (isStaleClockRefusal(e)) return true;
    if (e instanceof Error) {
      if (e.name === 'WorkflowUpdateRPCTimeoutOrCancelledError') return true;
      // Connection.connect and ensureConnected before the server ever answered.
      if (/Failed to connect before the deadline/i.test(e.message)) return true;
      e = (e as { cause?: unknown }).cause;
    } else {
      return false;
    }
  }
  return false;
}

/**
 * The server refuses a query at once when no worker has polled the workflow's task queue lately
 * ("worker may be down"): the record is there, the worker that reads it is not, so not now.
 */
function isNoWorker(e: { code: number; details?: string; message?: string }): boolean {
  return (
    e.code === GRPC_FAILED_PRECONDITION && /no poller seen/i.test(`${e.details ?? ''} ${e.message ?? ''}`)
  );
}

export function temporalUnavailable(): HttpProblem {
  return problems.unavailable(
    'Temporal is not reachable or did not answer in time; try again shortly.',
    OUTAGE_RETRY_AFTER_SECONDS,
  );
}

/** What Temporal's answers mean to an HTTP caller; undefined for anything it does not know. */
export function translateTemporalError(err: unknown): HttpProblem | undefined {
  if (err instanceof WorkflowNotFoundError) return problems.notFound(NO_SUCH_CASE);
  if (isTemporalOutage(err)) return temporalUnavailable();
  return undefined;
}
