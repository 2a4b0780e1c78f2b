import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { getIncident, type IncidentView } from '../workflows/incident.messages';
import { requirePermission } from './auth';
import { requires, standardProblems } from './openapi';
import { listPage } from './page-cursor';
import { parseRequestPart } from './validation';

/*
 * The incident list for the people who act on incidents: IT admins who open and link them,
 * service operations who work their escalation, and the read roles who follow them. Incidents
 * keep their status in the workflow, not in search attributes (the namespace's Keyword attributes
 * are spent), so visibility selects the workflows and each row is read with a query.
 */

const INCIDENT_STATUSES = ['open', 'resolved', 'closed'] as const;

export const incidentListQuerySchema = z
  .object({
    status: z
      .enum(INCIDENT_STATUSES)
      .default('open')
      .describe(
        'open (the default) lists running incidents; resolved and closed look through ended ones too',
      ),
    limit: z.coerce.number().int().min(1).max(50).default(25),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,4096}$/, 'a cursor from a previous page')
      .optional(),
  })
  .strict();

export const incidentSummarySchema = z
  .object({
    id: z.string(),
    title: z.string(),
    severity: z.string(),
    status: z.enum(INCIDENT_STATUSES),
    caseIds: z.array(z.string()),
    openedBy: z.string(),
    openedAt: z.string().nullable(),
    escalationId: z.string().nullable(),
    escalationStatus: z.string().nullable(),
    resolution: z.string().nullable(),
  })
  .meta({ id: 'IncidentSummary' });
export type IncidentSummary = z.infer<typeof incidentSummarySchema>;

/** An incident as a list row: everything but its description and log. */
export function incidentSummary(view: IncidentView): IncidentSummary {
  return {
    id: view.id,
    title: view.title,
    severity: view.severity,
    status: view.status,
    caseIds: view.caseIds,
    openedBy: view.openedBy,
    openedAt: view.log[0]?.at ?? null,
    escalationId: view.escalationId,
    escalationStatus: view.escalationStatus,
    resolution: view.resolution,
  };
}

/** The visibility query: the workflow type and run status only, never user text. */
export const incidentListQuery = (status: IncidentSummary['status']): string =>
  `WorkflowType = 'incident'${status === 'open' ? ` AND ExecutionStatus = 'Running'` : ''}`;

export function incidentListRouter(client: Client, registry: OpenAPIRegistry): Router {
  const router = Router();
  registry.registerPath({
    method: 'get',
    path: '/v1/incidents',
    summary: 'List incidents, newest first (open ones by default)',
    ...requires('incident:read'),
    description:
      'For the people who act on incidents: IT admins, service operations and the read roles. Filtered by ' +
      'status on each page, so a page may hold fewer than `limit` items (or none) and still have a `nextCursor`.',
    request: { query: incidentListQuerySchema },
    responses: {
      200: {
        description: 'A page of incidents',
        content: {
          'application/json': {
            schema: z.object({ items: z.array(incidentSummarySchema), nextCursor: z.string().nullable() }),
          },
        },
      },
      ...standardProblems,
    },
  });
  router.get('/v1/incidents', requirePermission('incident:read'), async (req, res) => {
    const { status, limit, cursor } = parseRequestPart(incidentListQuerySchema, req.query, 'query');
    // Cursors are bound to this list and filter: a made-up or foreign one is a 400 at once.
    const page = await listPage(client, 'incidents', incidentListQuery(status), limit, cursor);
    const views = await Promise.all(
      page.executions.map((e) =>
        client.workflow
          .getHandle(e.execution?.workflowId ?? '')
          .query(getIncident)
          .catch(() => null),
      ),
    );
    const items = views
      .filter((v): v is IncidentView => v !== null && v.status === status)
      .map(incidentSummary);
    res.json({ items, nextCursor: page.nextCursor });
  });
  return router;
}
