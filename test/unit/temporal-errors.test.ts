import {
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { isTemporalOutage, translateTemporalError } from '../../src/api/temporal-errors';

/** gRPC status codes, as the client's errors carry them. */
const status = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNAVAILABLE: 14,
} as const;

/** The shape @grpc/grpc-js gives a failed call's error. */
const grpcError = (code: number, details = 'x') =>
  Object.assign(new Error(`${code} gRPC`), { code, details, metadata: {} });

describe('the Temporal error mapper', () => {
  it('answers unreachable, overloaded and late Temporal with 503 and Retry-After', () => {
    for (const code of [
      status.UNAVAILABLE,
      status.DEADLINE_EXCEEDED,
      status.RESOURCE_EXHAUSTED,
      status.CANCELLED,
    ]) {
      const problem = translateTemporalError(grpcError(code));
      expect(problem?.status).toBe(503);
      expect(problem?.headers['Retry-After']).toMatch(/^\d+$/);
    }
  });

  it('looks through the SDK wrappers to the gRPC cause', () => {
    const wrapped = new ServiceError('Failed to query workflow', {
      cause: grpcError(status.DEADLINE_EXCEEDED),
    });
    expect(isTemporalOutage(wrapped)).toBe(true);
    expect(isTemporalOutage(new WorkflowUpdateRPCTimeoutOrCancelledError('timeout'))).toBe(true);
    expect(isTemporalOutage(new Error('Failed to connect before the deadline'))).toBe(true);
  });

  it('answers a query refused because no worker polls the task queue with 503', () => {
    const noWorker = new ServiceError('Failed to query Workflow', {
      cause: grpcError(
        status.FAILED_PRECONDITION,
        'no poller seen for task queue recently, worker may be down',
      ),
    });
    expect(translateTemporalError(noWorker)?.status).toBe(503);
    // Other preconditions are the request's business, not an outage.
    expect(
      translateTemporalError(grpcError(status.FAILED_PRECONDITION, 'workflow is closed')),
    ).toBeUndefined();
  });

  it('leaves other errors alone, and a missing workflow is a 404', () => {
    expect(translateTemporalError(grpcError(status.INVALID_ARGUMENT))).toBeUndefined();
    expect(
      translateTemporalError(new ServiceError('bad', { cause: grpcError(status.PERMISSION_DENIED) })),
    ).toBeUndefined();
    expect(translateTemporalError(new Error('boom'))).toBeUndefined();
    expect(translateTemporalError(new WorkflowNotFoundError('gone', 'case:x', undefined))?.status).toBe(404);
  });
});
