import { AsyncLocalStorage } from 'node:async_hooks';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';

/**
 * Request ids follow a helpdesk request into the workflow it started or messaged: the API runs
 * each request inside `withRequestId`, and the client interceptor below puts the id in the
 * Temporal header of every start, signal and update sent meanwhile. Headers are part of the
 * history (WorkflowExecutionStarted, WorkflowExecutionSignaled, WorkflowExecutionUpdateAccepted),
 * so `X-Request-Id: HD-4711-abc` is found in the case's history next to what it did.
 */
export const REQUEST_ID_HEADER = 'caseflow-request-id';

const current = new AsyncLocalStorage<string>();

export const withRequestId = <T>(requestId: string, run: () => T): T => current.run(requestId, run);
export const currentRequestId = (): string | undefined => current.getStore();

function stamped(headers: Record<string, Payload>): Record<string, Payload> {
  const id = current.getStore();
  return id === undefined
    ? headers
    : { ...headers, [REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(id) };
}
const withHeader = <I extends { headers: Record<string, Payload> }>(input: I): I => ({
  ...input,
  headers: stamped(input.headers),
});

export const requestIdInterceptor: WorkflowClientInterceptor = {
  start: (input, next) => next(withHeader(input)),
  startWithDetails: (input, next) => next(withHeader(input)),
  signal: (input, next) => next(withHeader(input)),
  signalWithStart: (input, next) => next(withHeader(input)),
  startUpdate: (input, next) => next(withHeader(input)),
  startUpdateWithStart: (input, next) =>
    next({
      ...input,
      workflowStartHeaders: stamped(input.workflowStartHeaders),
      updateHeaders: stamped(input.updateHeaders),
    }),
};

/** The request id a history event carries, if any (audit tools and tests read it back). */
export function requestIdOf(headerFields: Record<string, Payload> | null | undefined): string | undefined {
  const payload = headerFields?.[REQUEST_ID_HEADER];
  return payload ? defaultPayloadConverter.fromPayload<string>(payload) : undefined;
}
