import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z, ZodError } from 'zod';
import type { Logger } from '../logger';

/** One field-level validation issue, addressed by a dotted path into the request. */
export interface FieldIssue {
  path: string;
  message: string;
  code: string;
}

/** An error that is an HTTP answer: it carries the status and becomes an RFC 9457 problem document. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: { type?: string; errors?: FieldIssue[] } & Record<string, unknown> = {},
    /** Response headers the answer needs (Retry-After on 429 and 503). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail ?? title);
    this.name = 'HttpProblem';
  }
}

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string(), code: z.string() }))
      .optional()
      .describe('Field-level validation issues (400 only)'),
  })
  .meta({ id: 'Problem' });

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
/** Seconds a 503 tells the client to wait before trying again, unless it says otherwise. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;
const typeUri = (slug: string) => `urn:caseflow:problem:${slug}`;

export const problems = {
  validation: (errors: FieldIssue[], detail = 'The request is not valid; see errors.') =>
    new HttpProblem(400, 'Invalid request', detail, { type: typeUri('validation'), errors }),
  badRequest: (detail: string) =>
    new HttpProblem(400, 'Bad request', detail, { type: typeUri('bad-request') }),
  unauthenticated: (detail: string) =>
    new HttpProblem(401, 'Authentication required', detail, { type: typeUri('unauthenticated') }),
  forbidden: (detail: string) => new HttpProblem(403, 'Forbidden', detail, { type: typeUri('forbidden') }),
  notFound: (detail: string) => new HttpProblem(404, 'Not found', detail, { type: typeUri('not-found') }),
  conflict: (detail: string) => new HttpProblem(409, 'Conflict', detail, { type: typeUri('conflict') }),
  tooLarge: (detail: string) =>
    new HttpProblem(413, 'Request body too large', detail, { type: typeUri('too-large') }),
  uriTooLong: (detail: string) =>
    new HttpProblem(414, 'URI too long', detail, { type: typeUri('uri-too-long') }),
  headersTooLarge: (detail: string) =>
    new HttpProblem(431, 'Request header fields too large', detail, { type: typeUri('headers-too-large') }),
  unsupportedMediaType: (detail: string) =>
    new HttpProblem(415, 'Unsupported media type', detail, { type: typeUri('unsupported-media-type') }),
  unprocessable: (detail: string) =>
    new HttpProblem(422, 'Unprocessable request', detail, { type: typeUri('unprocessable') }),
  tooManyRequests: (detail: string, retryAfterSeconds: number) =>
    new HttpProblem(
      429,
      'Too many requests',
      detail,
      { type: typeUri('rate-limited') },
      { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    ),
  /** Every 503 says when to try again: what it waits on (Temporal, the vault) comes back by itself. */
  unavailable: (detail: string, retryAfterSeconds = DEFAULT_RETRY_AFTER_SECONDS) =>
    new HttpProblem(
      503,
      'Service unavailable',
      detail,
      { type: typeUri('unavailable') },
      { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    ),
};

export function fieldIssues(error: ZodError, prefix?: string): FieldIssue[] {
  return error.issues.map((issue) => ({
    path:
      [prefix, ...issue.path.map(String)].filter((p) => p !== undefined && p !== '').join('.') || '(root)',
    message: issue.message,
    code: issue.code,
  }));
}

/** Body-parser errors carry a `type`; map the ones a client can cause to their proper status. */
function fromBodyParser(err: unknown): HttpProblem | undefined {
  if (typeof err !== 'object' || err === null || !('type' in err)) return undefined;
  switch (err.type) {
    case 'entity.too.large':
      return problems.tooLarge('The request body exceeds the allowed size.');
    case 'entity.parse.failed':
      return problems.badRequest('The request body is not valid JSON.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return problems.unsupportedMediaType('Send the body as UTF-8 encoded application/json.');
    case 'request.aborted':
    case 'request.size.invalid':
      return problems.badRequest('The request body was incomplete.');
    default:
      return undefined;
  }
}

/**
 * Errors that express and its middleware raise for what the client sent (a path segment that is
 * not valid percent-encoding, a missing static file) carry a 4xx `status`: it stays a 4xx.
 */
function fromClientError(err: unknown): HttpProblem | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = 'status' in err ? err.status : 'statusCode' in err ? err.statusCode : undefined;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 499) {
    return undefined;
  }
  if (status === 400) return problems.badRequest('The request could not be read (the URL is not valid).');
  if (status === 404) return problems.notFound('No such resource.');
  return new HttpProblem(status, 'Request not served', 'The request cannot be served as sent.');
}

/**
 * What a thrown error means as an HTTP answer, the same for the API and the portal; undefined for
 * an unexpected error (a 500). `translate` knows the errors of what the app calls (Temporal).
 */
export function asProblem(
  err: unknown,
  translate: (err: unknown) => HttpProblem | undefined,
): HttpProblem | undefined {
  if (err instanceof HttpProblem) return err;
  if (err instanceof ZodError) return problems.validation(fieldIssues(err));
  return fromBodyParser(err) ?? fromClientError(err) ?? translate(err);
}

export function sendProblem(
  res: Parameters<RequestHandler>[1],
  problem: HttpProblem,
  instance: string,
): void {
  res
    .status(problem.status)
    .set(problem.headers)
    .type(PROBLEM_CONTENT_TYPE)
    .json({
      type: problem.extra.type ?? 'about:blank',
      title: problem.title,
      status: problem.status,
      ...(problem.detail ? { detail: problem.detail } : {}),
      instance,
      ...Object.fromEntries(Object.entries(problem.extra).filter(([k]) => k !== 'type')),
    });
}

/**
 * Turns anything thrown by a route into a problem document. Unexpected errors are logged with
 * their stack and answered with a bare 500: no internals leave the server.
 */
export function problemHandler(
  log: Logger,
  translate: (err: unknown) => HttpProblem | undefined,
): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const problem = asProblem(err, translate);
    if (problem) {
      sendProblem(res, problem, req.originalUrl);
      return;
    }
    log.error('unhandled error', {
      requestId: req.requestId,
      method: req.method,
      path: req.path,
      error: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
    });
    sendProblem(
      res,
      new HttpProblem(500, 'Internal server error', 'The request could not be completed.'),
      req.originalUrl,
    );
  };
}

export const notFoundRoute: RequestHandler = (req, res) => {
  sendProblem(res, problems.notFound(`No route for ${req.method} ${req.path}.`), req.originalUrl);
};
