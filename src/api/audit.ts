import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { collectCaseHistories } from '../audit/collect';
import { buildTimeline, timelineSchema, worksOn } from '../audit/timeline';
import { caseWorkflowId } from '../workflows/supportCase.messages';
import { actorOf, requirePermission } from './auth';
import { problemResponses, standardProblems } from './openapi';
import { problems } from './problem';
import { parseRequestPart } from './validation';

const caseIdParams = z.object({ id: z.uuid({ message: 'a case id is a UUID' }) });

/** The audit views of a case, built from its workflow histories alone. */
export function auditRouter(client: Client, registry: OpenAPIRegistry): Router {
  const router = Router();
  registry.registerPath({
    method: 'get',
    path: '/v1/cases/{id}/timeline',
    summary: 'Every step of the case and its elevations and escalations, from the workflow histories',
    description: 'Auditors and IT admins see any case; agents only cases they have worked on.',
    request: { params: caseIdParams },
    responses: {
      200: { description: 'The timeline', content: { 'application/json': { schema: timelineSchema } } },
      ...standardProblems,
      ...problemResponses({ 404: 'No such case' }),
    },
  });
  router.get('/v1/cases/:id/timeline', requirePermission('case:timeline'), async (req, res) => {
    const { id } = parseRequestPart(caseIdParams, req.params, 'params');
    const actor = actorOf(req);
    const histories = await collectCaseHistories(client, caseWorkflowId(id));
    const timeline = buildTimeline(id, histories);
    const overseer = actor.roles.includes('auditor') || actor.roles.includes('it-admin');
    if (!overseer && !worksOn(timeline, actor.principal)) {
      throw problems.forbidden('Agents see the timelines of cases they work on.');
    }
    res.json(timeline);
  });
  return router;
}
