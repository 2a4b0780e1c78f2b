import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Client } from '@temporalio/client';
import { type Request, Router } from 'express';
import { z } from 'zod';
import { buildBundle, bundleToTar } from '../audit/bundle';
import { type CollectedHistory, collectCaseHistories } from '../audit/collect';
import { buildTimeline, type Timeline, timelineSchema } from '../audit/timeline';
import { caseWorkflowId } from '../workflows/supportCase.messages';
import type { Principal } from '../domain/roles';
import { actorOf, requirePermission } from './auth';
import { caseReader, visibleCase } from './case-access';
import { NOT_VISIBLE } from './cases';
import { problemResponses, requires, standardProblems } from './openapi';
import { parseRequestPart } from './validation';

const caseIdParams = z.object({ id: z.uuid({ message: 'a case id is a UUID' }) });

const AUDIT_ACCESS =
  'Auditors, IT admins and the escalation team see any case; agents only cases they created, are assigned or acted on.';

interface AuditedCase {
  id: string;
  histories: CollectedHistory[];
  timeline: Timeline;
}

/** The case's histories and timeline, once the caller may see the case. */
async function auditedCase(client: Client, req: Request): Promise<AuditedCase> {
  const { id } = parseRequestPart(caseIdParams, req.params, 'params');
  return auditCase(client, id, actorOf(req));
}

/**
 * The audit records of a case for a principal, for the API and the portal alike. Access is
 * decided from the case view first, so a refused caller costs one query, not a history download.
 */
export async function auditCase(client: Client, id: string, actor: Principal): Promise<AuditedCase> {
  await visibleCase(caseReader(client), id, actor);
  const histories = await collectCaseHistories(client, caseWorkflowId(id));
  return { id, histories, timeline: buildTimeline(id, histories) };
}

/** The audit views of a case, built from its workflow histories alone. */
export function auditRouter(client: Client, registry: OpenAPIRegistry): Router {
  const router = Router();
  registry.registerPath({
    method: 'get',
    path: '/v1/cases/{id}/timeline',
    summary: 'Every step of the case and its elevations and escalations, from the workflow histories',
    description: AUDIT_ACCESS,
    ...requires('case:timeline'),
    request: { params: caseIdParams },
    responses: {
      200: { description: 'The timeline', content: { 'application/json': { schema: timelineSchema } } },
      ...standardProblems,
      ...problemResponses({ 404: NOT_VISIBLE }),
    },
  });
  router.get('/v1/cases/:id/timeline', requirePermission('case:timeline'), async (req, res) => {
    res.json((await auditedCase(client, req)).timeline);
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/cases/{id}/audit-bundle',
    summary: 'The raw workflow histories and timeline of the case, sealed by a manifest, as a tar archive',
    ...requires('case:timeline'),
    description:
      `${AUDIT_ACCESS} The archive holds histories/<workflow>__<run>.json exactly as ` +
      '`temporal workflow show --output json` prints them, timeline.json, and manifest.json with the ' +
      'SHA-256 of every file and a hash chain over the timeline entries.',
    request: { params: caseIdParams },
    responses: {
      200: {
        description: 'The audit bundle',
        headers: z.object({
          'Content-Disposition': z.string().meta({ example: 'attachment; filename="case-<id>-audit.tar"' }),
        }),
        content: { 'application/x-tar': { schema: z.string().meta({ format: 'binary' }) } },
      },
      ...standardProblems,
      ...problemResponses({ 404: NOT_VISIBLE }),
    },
  });
  router.get('/v1/cases/:id/audit-bundle', requirePermission('case:timeline'), async (req, res) => {
    const { id, histories, timeline } = await auditedCase(client, req);
    const tar = bundleToTar(buildBundle(id, histories, timeline));
    res
      .type('application/x-tar')
      .set('Content-Disposition', `attachment; filename="case-${id}-audit.tar"`)
      .send(tar);
  });
  return router;
}
