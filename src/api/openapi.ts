import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import type { Permission } from '../domain/roles';
import { problemSchema } from './problem';

export const BEARER_AUTH = 'bearerAuth';

export function createRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', BEARER_AUTH, {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key issued to a principal; see the README for the keys file.',
  });
  registry.registerComponent('headers', 'X-Request-Id', {
    description:
      "On every response: the request's id, as sent by the caller (1-128 letters, digits, . _ : -) or made up. " +
      'Workflow starts, signals and updates the request causes carry it in the Temporal header `caseflow-request-id`.',
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
  });
  return registry;
}

const problemContent = { 'application/problem+json': { schema: problemSchema } };
const problemResponse = (description: string) => ({ description, content: problemContent });

/** The error answers every authenticated route can give, so each route lists only its own. */
export const standardProblems = {
  400: problemResponse('Invalid request (field-level issues in `errors`)'),
  401: problemResponse('Missing or invalid API key'),
  403: problemResponse('The principal lacks the role this needs'),
  413: problemResponse('Request body too large'),
  415: problemResponse('A request body that is not application/json'),
  503: problemResponse('Temporal is not reachable; try again shortly'),
};

/** The operation extension naming the permission a route's role gate asks for. */
export const PERMISSION_EXTENSION = 'x-permission';

/**
 * Marks an operation with the permission its handler requires (`requirePermission`), so the
 * document says who may call it and the role x route matrix test derives each role's answer.
 */
export const requires = (permission: Permission) => ({ [PERMISSION_EXTENSION]: permission }) as const;

export const jsonBody = <S extends z.ZodType>(schema: S) => ({
  content: { 'application/json': { schema } },
});

export const problemResponses = (codes: Record<number, string>) =>
  Object.fromEntries(
    Object.entries(codes).map(([code, description]) => [code, problemResponse(description)]),
  );

const STATE_CHANGING = ['post', 'put', 'patch', 'delete'];

/**
 * Answers every /v1 operation can give whatever its route, added in one place so no route can
 * forget them: 400 (a request target that cannot be read), 414 (request target limits), 503 with Retry-After (Temporal unreachable or too
 * slow), and on state-changing ones 429 (rate limit) and, with a body, 413.
 */
function withOperationalAnswers<D extends { paths?: Record<string, unknown> }>(document: D): D {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (!path.startsWith('/v1/')) continue;
    for (const [method, operation] of Object.entries(item as Record<string, unknown>)) {
      const op = operation as { responses?: Record<string, unknown>; requestBody?: unknown };
      const responses = typeof op === 'object' && op !== null ? op.responses : undefined;
      if (!responses) continue;
      const add = (code: number, description: string) => {
        responses[String(code)] ??= problemResponse(description);
      };
      add(400, 'Request target not readable: broken percent-encoding, dot segments, unsafe characters');
      add(414, 'Request target, path segment or query string too long');
      add(503, 'Temporal is not reachable or did not answer in time; see Retry-After');
      if (STATE_CHANGING.includes(method)) {
        add(429, 'Too many state-changing requests from this principal; see Retry-After');
        if (op.requestBody) add(413, 'Body too large');
      }
    }
  }
  return document;
}

export function buildDocument(registry: OpenAPIRegistry) {
  return withOperationalAnswers(
    new OpenApiGeneratorV31(registry.definitions).generateDocument({
      openapi: '3.1.0',
      info: {
        title: 'caseflow API',
        version: '1',
        description:
          'End-user support cases of a managed-desktop service, each run as a durable Temporal workflow. ' +
          'Errors are RFC 9457 problem documents. Every response carries `X-Request-Id` (send your own to ' +
          'follow a request into the case history). Each operation names the permission it needs in ' +
          '`x-permission`: without an API key it answers 401, for a principal whose roles lack the ' +
          'permission 403 (the roles holding each permission are in the README, "Who may do what").',
      },
      servers: [{ url: '/' }],
      security: [{ [BEARER_AUTH]: [] }],
    }),
  );
}
