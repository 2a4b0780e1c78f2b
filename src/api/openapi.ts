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

export function buildDocument(registry: OpenAPIRegistry) {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'caseflow API',
      version: '1',
      description:
        'End-user support cases of a managed-desktop service, each run as a durable Temporal workflow. ' +
        'Errors are RFC 9457 problem documents. Each operation names the permission it needs in ' +
        '`x-permission`: without an API key it answers 401, for a principal whose roles lack the ' +
        'permission 403 (the roles holding each permission are in the README, "Who may do what").',
    },
    servers: [{ url: '/' }],
    security: [{ [BEARER_AUTH]: [] }],
  });
}
