import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
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
};

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
        'Errors are RFC 9457 problem documents. Every response carries `X-Request-Id` (send your own to ' +
        'follow a request into the case history).',
    },
    servers: [{ url: '/' }],
    security: [{ [BEARER_AUTH]: [] }],
  });
}
