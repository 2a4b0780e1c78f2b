import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { problemResponses } from './openapi';
import { problems } from './problem';

const READY_TIMEOUT_MS = 2_000;

/** Probes for load balancers and orchestrators; they reveal nothing beyond up or down. */
export function healthRouter(client: Client, registry: OpenAPIRegistry): Router {
  const router = Router();
  const status = z.object({ status: z.string() });

  registry.registerPath({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the API process is serving',
    security: [],
    responses: { 200: { description: 'Alive', content: { 'application/json': { schema: status } } } },
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  registry.registerPath({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: Temporal is reachable and the namespace exists',
    security: [],
    responses: {
      200: { description: 'Ready', content: { 'application/json': { schema: status } } },
      ...problemResponses({ 503: 'Temporal is not reachable' }),
    },
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await client.connection.withDeadline(Date.now() + READY_TIMEOUT_MS, () =>
        client.workflowService.describeNamespace({ namespace: client.options.namespace }),
      );
    } catch {
      throw problems.unavailable('Temporal is not reachable.');
    }
    res.json({ status: 'ready' });
  });
  return router;
}
