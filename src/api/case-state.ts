import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { caseStateAsOf } from '../audit/as-of';
import { collectCaseHistories } from '../audit/collect';
import { caseSchema } from '../schemas/case-schema';
import { caseWorkflowId } from '../workflows/supportCase.messages';
import type { Principal } from '../domain/roles';
import { actorOf, requirePermission } from './auth';
import { caseReader, visibleCase } from './case-access';
import { problemResponses, requires, standardProblems } from './openapi';
import { problems } from './problem';
import { parseRequestPart } from './validation';

const params = z.object({ id: z.uuid({ message: 'a case id is a UUID' }) });
const query = z
  .object({
    asOfEvent: z.coerce.number().int().min(1).describe('An event id of the run'),
    runId: z.uuid().optional().describe('Which run (after continue-as-new); the latest by default'),
  })
  .strict();

/**
 * The case as it was at an event of its history (the latest run unless one is named), by replay,
 * once the principal may see the case (decided before the history is fetched and replayed).
 */
export async function caseStateAt(
  client: Client,
  actor: Principal,
  id: string,
  asOfEvent: number,
  runId?: string,
) {
  await visibleCase(caseReader(client), id, actor);
  const histories = await collectCaseHistories(client, caseWorkflowId(id));
  const runs = histories.filter((h) => h.workflowId === caseWorkflowId(id));
  const run = runId ? runs.find((r) => r.runId === runId) : runs[runs.length - 1];
  if (!run) throw problems.notFound('No such run of this case.');
  const at = await caseStateAsOf(run.history, asOfEvent);
  if (!at) throw problems.notFound(`The case had no state yet at event ${asOfEvent}.`);
  return { caseId: id, runId: run.runId, asOfEvent, reflectsEvent: at.eventId, state: at.state };
}

/** The case as it was at an event of its history, reconstructed by replaying that history. */
export function caseStateRouter(client: Client, registry: OpenAPIRegistry): Router {
  const router = Router();
  registry.registerPath({
    method: 'get',
    path: '/v1/cases/{id}/state',
    summary: 'The case as it was at a given event of its history (replayed, not stored)',
    ...requires('case:audit'),
    request: { params, query },
    responses: {
      200: {
        description: 'The state at that event',
        content: {
          'application/json': {
            schema: z.object({
              caseId: z.string(),
              runId: z.string(),
              asOfEvent: z.number(),
              reflectsEvent: z.number(),
              state: caseSchema,
            }),
          },
        },
      },
      ...standardProblems,
      ...problemResponses({
        404: 'No such case (or not one the caller may see), run, or no state yet at that event',
      }),
    },
  });
  router.get('/v1/cases/:id/state', requirePermission('case:audit'), async (req, res) => {
    const { id } = parseRequestPart(params, req.params, 'params');
    const { asOfEvent, runId } = parseRequestPart(query, req.query, 'query');
    res.json(await caseStateAt(client, actorOf(req), id, asOfEvent, runId));
  });
  return router;
}
