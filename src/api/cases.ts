import { randomUUID } from 'node:crypto';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import { caseIntakeSchema, caseSchema } from '../domain/case';
import { actorOf, requirePermission, sha256Hex } from './auth';
import { type CaseGateway, fingerprint } from './case-gateway';
import { jsonBody, problemResponses, standardProblems } from './openapi';
import { problems } from './problem';
import { parseRequestPart } from './validation';

const caseIdParams = z.object({ id: z.uuid({ message: 'a case id is a UUID' }) });
const idempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{8,200}$/, '8-200 letters, digits, dot, underscore, colon or dash')
  .optional();

/**
 * A client-chosen key maps to one case id per principal, so a retried POST finds the case the
 * first attempt created; the id is a name-based UUID from the principal and the key.
 */
export function caseIdForKey(principal: string, key: string): string {
  const h = sha256Hex(`caseflow:case:${principal}\n${key}`);
  const variant = ((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

export function casesRouter(gateway: CaseGateway, registry: OpenAPIRegistry): Router {
  const router = Router();

  registry.registerPath({
    method: 'post',
    path: '/v1/cases',
    summary: 'Open a support case',
    description:
      'Starts the case workflow (ID `case:<id>`). With an `Idempotency-Key`, a repeat of the same request ' +
      'returns the case the first one created.',
    request: {
      headers: z.object({ 'Idempotency-Key': idempotencyKeySchema }),
      body: jsonBody(caseIntakeSchema),
    },
    responses: {
      201: { description: 'The case', content: { 'application/json': { schema: caseSchema } } },
      ...standardProblems,
      ...problemResponses({
        413: 'Body too large',
        415: 'Body is not application/json',
        422: 'Idempotency-Key reused with a different request',
      }),
    },
  });
  router.post('/v1/cases', requirePermission('case:create'), async (req, res) => {
    const actor = actorOf(req);
    const key = parseRequestPart(idempotencyKeySchema, req.get('idempotency-key'), 'headers');
    const intake = parseRequestPart(caseIntakeSchema, req.body, 'body');
    const id = key ? caseIdForKey(actor.principal, key) : randomUUID();
    const state = await gateway.open(id, intake, actor.principal);
    if (key && state.requestFingerprint !== fingerprint(intake)) {
      throw problems.unprocessable('This Idempotency-Key was already used with a different request.');
    }
    res.status(201).location(`/v1/cases/${id}`).json(state);
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/cases/{id}',
    summary: 'Read a case (live state from its workflow)',
    request: { params: caseIdParams },
    responses: {
      200: { description: 'The case', content: { 'application/json': { schema: caseSchema } } },
      ...standardProblems,
      ...problemResponses({ 404: 'No such case' }),
    },
  });
  router.get('/v1/cases/:id', requirePermission('case:read'), async (req, res) => {
    const { id } = parseRequestPart(caseIdParams, req.params, 'params');
    res.json(await gateway.get(id));
  });

  return router;
}
