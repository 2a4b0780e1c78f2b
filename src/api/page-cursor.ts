import { createHash } from 'node:crypto';
import { type Client, isGrpcServiceError } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { problems } from './problem';

/*
 * The cursors of the paged lists are the API's own, not Temporal's page tokens as they come:
 * each carries a check over the list it belongs to, the visibility query it pages and the token,
 * so a cursor from another list or other filters, or one made up, is a 400 before Temporal is
 * asked (Temporal spends its retries on a token it cannot read, then fails with UNKNOWN).
 */

const VERSION = 1;
const TAG_BYTES = 12;
/** Temporal's page tokens are small; this bounds what a client may send back. */
const MAX_TOKEN_BYTES = 2_048;

export const cursorQuerySchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,4096}$/, 'a cursor from a previous page')
  .optional()
  .describe('nextCursor of the previous page (of the same list with the same filters)');

export type PagedList = 'cases' | 'elevations' | 'escalations' | 'incidents';

const NOT_OURS = 'This cursor is not one this list gave for these filters; start again without it.';

function tagOf(list: PagedList, query: string, token: Uint8Array): Buffer {
  return createHash('sha256')
    .update(`caseflow-cursor\n${list}\n${query}\n`)
    .update(token)
    .digest()
    .subarray(0, TAG_BYTES);
}

/** The cursor handed out for Temporal's next-page token of `query` on `list`. */
export function encodeCursor(list: PagedList, query: string, token: Uint8Array): string {
  return Buffer.concat([Buffer.from([VERSION]), tagOf(list, query, token), token]).toString('base64url');
}

/** Temporal's page token inside a cursor, or a 400 when the cursor is not one for this list and query. */
export function decodeCursor(list: PagedList, query: string, cursor: string): Buffer {
  const raw = Buffer.from(cursor, 'base64url');
  const token = raw.subarray(1 + TAG_BYTES);
  if (
    raw[0] !== VERSION ||
    token.length === 0 ||
    token.length > MAX_TOKEN_BYTES ||
    !tagOf(list, query, token).equals(raw.subarray(1, 1 + TAG_BYTES))
  ) {
    throw problems.validation([{ path: 'query.cursor', message: NOT_OURS, code: 'invalid_cursor' }]);
  }
  return token;
}

const GRPC_UNKNOWN = 2;
const GRPC_INVALID_ARGUMENT = 3;

export interface VisibilityPage {
  executions: temporal.api.workflow.v1.IWorkflowExecutionInfo[];
  nextCursor: string | null;
}

/** One page of a visibility query, with the cursors of `list`. */
export async function listPage(
  client: Client,
  list: PagedList,
  query: string,
  pageSize: number,
  cursor: string | undefined,
): Promise<VisibilityPage> {
  const nextPageToken = cursor === undefined ? undefined : decodeCursor(list, query, cursor);
  let response: temporal.api.workflowservice.v1.IListWorkflowExecutionsResponse;
  try {
    response = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query,
      pageSize,
      nextPageToken,
    });
  } catch (err) {
    // A well-formed cursor whose token Temporal cannot read (made up to match the check).
    if (nextPageToken && isGrpcServiceError(err)) {
      const code: number = err.code;
      if (code === GRPC_UNKNOWN || code === GRPC_INVALID_ARGUMENT) {
        throw problems.validation([{ path: 'query.cursor', message: NOT_OURS, code: 'invalid_cursor' }]);
      }
    }
    throw err;
  }
  const token = response.nextPageToken;
  return {
    executions: response.executions ?? [],
    nextCursor: token && token.length > 0 ? encodeCursor(list, query, token) : null,
  };
}
