import { randomUUID } from 'node:crypto';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import express, { type Request, Router } from 'express';
import { z } from 'zod';
import { hasDestination, type TargetEndpoints } from '../activities/escalation-delivery';
import { type Callback, verifyCallback } from '../domain/callbacks';
import { callbackSchema } from '../schemas/callbacks-schema';
import { budgetedLogger, UNAUTHENTICATED_LOG_LINES_PER_MINUTE } from './log-budget';
import { assertSafeJson } from './request-limits';
import { canSeeEscalation, caseFactsOf } from '../domain/case-access';
import type { CasePolicy } from '../domain/case-policy';
import { singleLineText } from '../schemas/case-schema';
import { severitySchema } from '../schemas/categories-schema';
import {
  ESCALATION_STATUSES,
  type EscalationRequest,
  type EscalationView,
  type IncomingCallback,
} from '../domain/escalation';
import { escalationRequestSchema, escalationViewSchema } from '../schemas/escalation-schema';
import type { Principal } from '../domain/roles';
import { ESCALATION_TARGETS, type EscalationTarget } from '../domain/routing';
import type { Logger } from '../logger';
import { incident } from '../workflows';
import * as xm from '../workflows/escalation.messages';
import * as im from '../workflows/incident.messages';
import type { IncidentView } from '../workflows/incident.messages';
import { caseWorkflowId, fileEscalation, INVALID_COMMAND } from '../workflows/supportCase.messages';
import { actorOf, requirePermission } from './auth';
import { caseReader, NO_SUCH_CASE } from './case-access';
import { fingerprint } from './case-gateway';
import { idempotencyKeySchema, uuidForKey } from './cases';
import { jsonBody, problemResponses, requires, standardProblems } from './openapi';
import { cursorQuerySchema, listPage } from './page-cursor';
import { problems } from './problem';
import { parseRequestPart } from './validation';
import { incidentStaticSummary } from '../domain/web-ui-texts';

const caseIdParams = z.object({ id: z.uuid({ message: 'a case id is a UUID' }) });
const escalationIdParams = z.object({
  id: z
    .string()
    .regex(/^(inc-)?[0-9a-f-]{36}\.x[1-9][0-9]{0,3}$/, 'an escalation id: <case or incident id>.x<n>'),
});
const incidentIdParams = z.object({
  id: z.string().regex(/^inc-[0-9a-f-]{36}$/, 'an incident id: inc-<uuid>'),
});
const reason = z.string().trim().min(3).max(2_000);
const escalationResponse = {
  description: 'The escalation',
  content: { 'application/json': { schema: escalationViewSchema } },
};

export const incidentRequestSchema = z
  .object({
    title: singleLineText(3, 200),
    description: z.string().trim().min(10).max(10_000),
    severity: severitySchema,
    caseIds: z.array(z.uuid()).min(1).max(500),
  })
  .strict()
  .meta({ id: 'IncidentRequest' });
const escalationListQuerySchema = z
  .object({
    status: z.enum(ESCALATION_STATUSES).optional(),
    target: z.enum(ESCALATION_TARGETS).optional(),
    limit: z.coerce.number().int().min(1).max(50).default(25),
    cursor: cursorQuerySchema,
  })
  .strict();
export const linkCasesSchema = z.object({ caseIds: z.array(z.uuid()).min(1).max(500) }).strict();

/** How long one row of the escalation list may take to read (a query, and the case for agents). */
const ROW_QUERY_DEADLINE_MS = 3_000;

export interface EscalationRoutesOptions {
  client: Client;
  taskQueue: string;
  policy: CasePolicy;
  endpoints: TargetEndpoints;
  log: Logger;
}

/** Maps what a workflow validator refused to its HTTP answer. */
function refusal(err: unknown): unknown {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const type = err.cause.type;
    if (type === xm.ESCALATION_REFUSED || type === INVALID_COMMAND || type === im.INCIDENT_REFUSED) {
      return problems.conflict(err.cause.message);
    }
  }
  return err;
}

async function settle<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw refusal(err);
  }
}

export function escalationHandle(o: Pick<EscalationRoutesOptions, 'client'>, id: string) {
  const workflowId = xm.workflowIdOfEscalation(id);
  if (!workflowId) throw problems.notFound('No such escalation.');
  return o.client.workflow.getHandle(workflowId);
}

/** Whether the principal may see an escalation; its case is read only when the rule needs it. */
export async function maySeeEscalation(
  client: Client,
  principal: Principal,
  view: Pick<EscalationView, 'target' | 'caseId'>,
): Promise<boolean> {
  if (canSeeEscalation(principal, view, null)) return true;
  if (view.caseId === null || !principal.roles.includes('agent')) return false;
  const caseView = await caseReader(client)
    .get(view.caseId)
    .catch(() => null);
  return caseView !== null && canSeeEscalation(principal, view, caseFactsOf(caseView));
}

/** The escalation, if the principal may see it; otherwise 404, the answer for a missing one. */
export async function visibleEscalation(
  o: Pick<EscalationRoutesOptions, 'client'>,
  id: string,
  principal: Principal,
): Promise<EscalationView> {
  const view = await escalationHandle(o, id).query(xm.getEscalation);
  if (!(await maySeeEscalation(o.client, principal, view))) throw problems.notFound(NO_SUCH_CASE);
  return view;
}

async function viewOf(o: EscalationRoutesOptions, workflowId: string): Promise<EscalationView> {
  // The child has just been started; its first task may still be on its way.
  for (let i = 0; ; i++) {
    try {
      return await o.client.workflow.getHandle(workflowId).query(xm.getEscalation);
    } catch (err) {
      if (i >= 20 || !(err instanceof WorkflowNotFoundError)) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/*
 * What the escalation routes do, as functions the API and the portal share: the gate, the
 * approvals and the callbacks are decided by the workflows behind them, once.
 */

export async function fileCaseEscalation(
  o: EscalationRoutesOptions,
  caseId: string,
  actor: Principal,
  request: EscalationRequest,
): Promise<EscalationView> {
  if (request.target && !hasDestination(o.endpoints, request.target)) {
    throw problems.conflict(
      `No endpoint is configured for ${request.target} (CASEFLOW_ESCALATION_TARGETS.${request.target}).`,
    );
  }
  const { workflowId } = await settle(
    o.client.workflow.getHandle(caseWorkflowId(caseId)).executeUpdate(fileEscalation, {
      args: [{ actor: actor.principal, actorIsAdmin: actor.roles.includes('it-admin'), request }],
    }),
  );
  return viewOf(o, workflowId);
}

export function decideHeldEscalation(
  o: EscalationRoutesOptions,
  id: string,
  decision: 'approve' | 'decline',
  actor: string,
  reason: string,
): Promise<EscalationView> {
  const update = decision === 'approve' ? xm.approveEscalation : xm.declineEscalation;
  return settle(escalationHandle(o, id).executeUpdate(update, { args: [{ actor, reason }] }));
}

export async function answerEscalation(
  o: EscalationRoutesOptions,
  id: string,
  actor: Principal,
  message: string,
): Promise<EscalationView> {
  await visibleEscalation(o, id, actor);
  return settle(
    escalationHandle(o, id).executeUpdate(xm.answerNeedsInfo, {
      args: [{ actor: actor.principal, message }],
    }),
  );
}

export async function openIncident(
  o: EscalationRoutesOptions,
  actor: string,
  body: z.infer<typeof incidentRequestSchema>,
  /** A client's key names one incident per principal: a retry finds the one the first opened. */
  key?: string,
): Promise<IncidentView> {
  const contact = o.policy.escalation.adminContacts.devices;
  if (!contact) {
    throw problems.conflict(
      'No admin contact is configured for the devices area (CASEFLOW_ADMIN_CONTACTS.devices).',
    );
  }
  if (!hasDestination(o.endpoints, 'service-ops')) {
    throw problems.conflict(
      'No endpoint is configured for service-ops (CASEFLOW_ESCALATION_TARGETS.service-ops).',
    );
  }
  const id = `inc-${key ? uuidForKey('incident', actor, key) : randomUUID()}`;
  const requestFingerprint = fingerprint(body);
  try {
    await o.client.workflow.start(incident, {
      workflowId: im.incidentWorkflowId(id),
      taskQueue: o.taskQueue,
      staticSummary: incidentStaticSummary({
        title: body.title,
        severity: body.severity,
        cases: body.caseIds.length,
      }),
      args: [{ id, ...body, openedBy: actor, contact, policy: o.policy, requestFingerprint }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  const view = await o.client.workflow.getHandle(im.incidentWorkflowId(id)).query(im.getIncident);
  if (key && view.requestFingerprint !== requestFingerprint) {
    throw problems.unprocessable('This Idempotency-Key was already used with a different request.');
  }
  return view;
}

/**
 * Hands a party's answer to its escalation: the signed callback route once the signature checks
 * out, and the in-app service-operations inbox for a signed-in service-ops member.
 */
export async function deliverCallback(
  o: Pick<EscalationRoutesOptions, 'client'>,
  target: EscalationTarget,
  escalationId: string,
  callback: Callback | IncomingCallback,
): Promise<EscalationView> {
  const workflowId = xm.workflowIdOfEscalation(escalationId);
  if (!workflowId) throw problems.notFound('No such escalation.');
  try {
    return await o.client.workflow
      .getHandle(workflowId)
      .executeUpdate(xm.receiveCallback, { args: [{ target, callback }] });
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      // A finished escalation still exists: a late or replayed callback is a conflict, not a 404.
      const finished = await o.client.workflow
        .getHandle(workflowId)
        .describe()
        .catch(() => undefined);
      if (finished) throw problems.conflict('The escalation is over; the callback was not accepted.');
      throw problems.notFound('No such escalation.');
    }
    throw refusal(err);
  }
}

/** Escalations and incidents (bearer-authenticated). */
export function escalationsRouter(o: EscalationRoutesOptions, registry: OpenAPIRegistry): Router {
  const router = Router();
  const idOf = (req: Request) => parseRequestPart(escalationIdParams, req.params, 'params').id;

  registry.registerPath({
    method: 'post',
    path: '/v1/cases/{id}/escalations',
    summary: 'Escalate a case: Sev C by the escalation team at once; Sev A/B held for an IT admin',
    ...requires('escalation:file'),
    request: { params: caseIdParams, body: jsonBody(escalationRequestSchema) },
    responses: {
      201: escalationResponse,
      ...standardProblems,
      ...problemResponses({
        404: 'No such case',
        409: 'Refused (gate, missing admin contact, Test group, case state)',
      }),
    },
  });
  router.post('/v1/cases/:id/escalations', requirePermission('escalation:file'), async (req, res) => {
    const { id } = parseRequestPart(caseIdParams, req.params, 'params');
    const request = parseRequestPart(escalationRequestSchema, req.body, 'body');
    const view = await fileCaseEscalation(o, id, actorOf(req), request);
    res.status(201).location(`/v1/escalations/${view.id}`).json(view);
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/escalations',
    summary:
      'Open escalations, newest first: IT admins filter status=awaiting-approval for the Sev A/B escalations they must decide; service operations see what is filed with them',
    ...requires('escalation:read'),
    request: { query: escalationListQuerySchema },
    responses: {
      200: {
        description: 'A page of open escalations (a page may hold fewer than limit when filtered)',
        content: {
          'application/json': {
            schema: z.object({ items: z.array(escalationViewSchema), nextCursor: z.string().nullable() }),
          },
        },
      },
      ...standardProblems,
    },
  });
  router.get('/v1/escalations', requirePermission('escalation:read'), async (req, res) => {
    const { status, target, limit, cursor } = parseRequestPart(escalationListQuerySchema, req.query, 'query');
    // From visibility: running escalation workflows (the open ones). Their status and target live
    // in the workflow, not in search attributes (the namespace's Keyword attributes are spent), so
    // each row is read with a query and the filters apply to the page.
    const page = await listPage(
      o.client,
      'escalations',
      `WorkflowType = 'escalation' AND ExecutionStatus = 'Running'`,
      limit,
      cursor,
    );
    // A query waits for a worker of the row's task queue; with none polling it would hold the
    // whole page, so each row gets a bounded time and one that does not answer is left out.
    const withinRowDeadline = <T>(read: () => Promise<T>) =>
      o.client.withDeadline(Date.now() + ROW_QUERY_DEADLINE_MS, read);
    const views = await Promise.all(
      page.executions.map((e) =>
        withinRowDeadline(() =>
          o.client.workflow.getHandle(e.execution?.workflowId ?? '').query(xm.getEscalation),
        ).catch(() => null),
      ),
    );
    const actor = actorOf(req);
    const matching = views.filter(
      (v): v is EscalationView =>
        v !== null &&
        (status === undefined || v.status === status) &&
        (target === undefined || v.target === target),
    );
    const seen = await Promise.all(
      matching.map((v) => withinRowDeadline(() => maySeeEscalation(o.client, actor, v)).catch(() => false)),
    );
    const items = matching.filter((_, i) => seen[i]);
    res.json({ items, nextCursor: page.nextCursor });
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/escalations/{id}',
    summary: 'Read an escalation with its record and response clocks',
    ...requires('escalation:read'),
    request: { params: escalationIdParams },
    responses: {
      200: escalationResponse,
      ...standardProblems,
      ...problemResponses({ 404: 'No such escalation' }),
    },
  });
  router.get('/v1/escalations/:id', requirePermission('escalation:read'), async (req, res) => {
    res.json(await visibleEscalation(o, idOf(req), actorOf(req)));
  });

  const decisions = [
    ['approve', xm.approveEscalation, 'escalation:decide', 'File a held Sev A/B escalation (IT admin)'],
    [
      'decline',
      xm.declineEscalation,
      'escalation:decide',
      'Decline a held escalation; it stays unfiled (IT admin)',
    ],
  ] as const;
  for (const [path, , permission, summary] of decisions) {
    registry.registerPath({
      method: 'post',
      path: `/v1/escalations/{id}/${path}`,
      summary,
      ...requires(permission),
      request: { params: escalationIdParams, body: jsonBody(z.object({ reason })) },
      responses: {
        200: escalationResponse,
        ...standardProblems,
        ...problemResponses({ 404: 'No such escalation', 409: 'Not awaiting approval' }),
      },
    });
    router.post(`/v1/escalations/:id/${path}`, requirePermission(permission), async (req, res) => {
      const body = parseRequestPart(z.object({ reason }).strict(), req.body ?? {}, 'body');
      res.json(await decideHeldEscalation(o, idOf(req), path, actorOf(req).principal, body.reason));
    });
  }

  registry.registerPath({
    method: 'post',
    path: '/v1/escalations/{id}/answer',
    summary: 'Answer what the receiving team asked for (resumes its clock)',
    ...requires('escalation:answer'),
    request: { params: escalationIdParams, body: jsonBody(z.object({ message: reason })) },
    responses: {
      200: escalationResponse,
      ...standardProblems,
      ...problemResponses({
        404: 'No such escalation, or not one the caller may see',
        409: 'Nothing was asked',
      }),
    },
  });
  router.post('/v1/escalations/:id/answer', requirePermission('escalation:answer'), async (req, res) => {
    const body = parseRequestPart(z.object({ message: reason }).strict(), req.body ?? {}, 'body');
    res.json(await answerEscalation(o, idOf(req), actorOf(req), body.message));
  });

  registry.registerPath({
    method: 'post',
    path: '/v1/incidents',
    summary: 'Open a multi-user incident (IT admin): one escalation for all linked cases',
    ...requires('incident:manage'),
    description:
      'With an `Idempotency-Key`, a repeat of the same request returns the incident the first one opened ' +
      '(and files no second escalation).',
    request: {
      headers: z.object({ 'Idempotency-Key': idempotencyKeySchema }),
      body: jsonBody(incidentRequestSchema),
    },
    responses: {
      201: { description: 'The incident' },
      ...standardProblems,
      ...problemResponses({
        409: 'No devices admin contact configured',
        422: 'Idempotency-Key reused with a different request',
      }),
    },
  });
  router.post('/v1/incidents', requirePermission('incident:manage'), async (req, res) => {
    const key = parseRequestPart(idempotencyKeySchema, req.get('idempotency-key'), 'headers');
    const body = parseRequestPart(incidentRequestSchema, req.body, 'body');
    const view = await openIncident(o, actorOf(req).principal, body, key);
    res.status(201).location(`/v1/incidents/${view.id}`).json(view);
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/incidents/{id}',
    summary: 'Read an incident',
    ...requires('incident:read'),
    request: { params: incidentIdParams },
    responses: {
      200: { description: 'The incident' },
      ...standardProblems,
      ...problemResponses({ 404: 'No such incident' }),
    },
  });
  router.get('/v1/incidents/:id', requirePermission('incident:read'), async (req, res) => {
    const { id } = parseRequestPart(incidentIdParams, req.params, 'params');
    res.json(await o.client.workflow.getHandle(im.incidentWorkflowId(id)).query(im.getIncident));
  });

  registry.registerPath({
    method: 'post',
    path: '/v1/incidents/{id}/cases',
    summary: 'Link more cases to an open incident (IT admin)',
    ...requires('incident:manage'),
    request: { params: incidentIdParams, body: jsonBody(linkCasesSchema) },
    responses: {
      200: { description: 'The incident' },
      ...standardProblems,
      ...problemResponses({ 404: 'No such incident', 409: 'The incident is over' }),
    },
  });
  router.post('/v1/incidents/:id/cases', requirePermission('incident:manage'), async (req, res) => {
    const { id } = parseRequestPart(incidentIdParams, req.params, 'params');
    const body = parseRequestPart(linkCasesSchema, req.body, 'body');
    res.json(
      await settle(
        o.client.workflow
          .getHandle(im.incidentWorkflowId(id))
          .executeUpdate(im.linkCases, { args: [{ actor: actorOf(req).principal, caseIds: body.caseIds }] }),
      ),
    );
  });
  return router;
}

/**
 * Callbacks from the parties escalations go to. They carry no bearer token: each is authenticated
 * by its HMAC signature with that target's secret and a timestamp window; a replay (the same
 * callbackId) is refused by the escalation workflow itself. Every refusal is logged.
 */
export function callbacksRouter(
  o: EscalationRoutesOptions,
  maxBodyBytes: number,
  registry: OpenAPIRegistry,
): Router {
  const router = Router();
  // Anyone can post here without credentials: refusals are logged within a budget.
  const refusals = budgetedLogger(o.log, UNAUTHENTICATED_LOG_LINES_PER_MINUTE);
  const params = z.object({ target: z.enum(ESCALATION_TARGETS), escalationId: escalationIdParams.shape.id });
  registry.registerPath({
    method: 'post',
    path: '/v1/callbacks/{target}/{escalationId}',
    summary: 'A signed callback from service ops, the Microsoft channel or the vendor',
    description:
      'Authenticated by `caseflow-signature`: HMAC-SHA256 with the target secret over ' +
      '"<t>.<target>.<escalationId>.<raw body>", so a signature is valid for this escalation only.',
    security: [],
    request: { params, body: jsonBody(callbackSchema) },
    responses: {
      200: {
        description: 'Accepted',
        content: { 'application/json': { schema: z.object({ status: z.string() }) } },
      },
      ...problemResponses({
        400: 'Not a valid callback',
        401: 'Bad or stale signature',
        404: 'Unknown target or escalation',
        409: 'Replayed, or not accepted in the current state',
        413: 'Body too large',
        429: 'Too many callbacks from this caller (Retry-After)',
      }),
    },
  });
  router.post(
    '/v1/callbacks/:target/:escalationId',
    express.raw({ type: () => true, limit: maxBodyBytes }),
    async (req, res) => {
      const parsed = params.safeParse(req.params);
      const where = { target: req.params.target, escalationId: req.params.escalationId };
      if (!parsed.success) {
        refusals.warn('callback refused', { ...where, why: 'unknown target or escalation id' });
        throw problems.notFound('No such target or escalation.');
      }
      const endpoint = o.endpoints[parsed.data.target];
      if (!endpoint) {
        refusals.warn('callback refused', { ...where, why: 'target not configured' });
        throw problems.notFound('No such target.');
      }
      const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      const verdict = verifyCallback(
        endpoint.secret,
        req.get('caseflow-signature'),
        raw,
        parsed.data,
        Date.now() / 1000,
      );
      if (!verdict.ok) {
        refusals.warn('callback refused', { ...where, why: `signature ${verdict.reason}` });
        res.set('WWW-Authenticate', 'caseflow-signature');
        throw problems.unauthenticated(`The callback signature is not valid (${verdict.reason}).`);
      }
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        throw problems.badRequest('The callback body is not valid JSON.');
      }
      assertSafeJson(json, 'body');
      const callback = parseRequestPart(callbackSchema, json, 'body');
      try {
        const view = await deliverCallback(o, parsed.data.target, parsed.data.escalationId, callback);
        o.log.info('callback accepted', { ...where, kind: callback.kind, callbackId: callback.callbackId });
        res.json({ status: view.status });
      } catch (err) {
        refusals.warn('callback refused', {
          ...where,
          callbackId: callback.callbackId,
          why: err instanceof Error ? err.message : 'not accepted',
        });
        throw err;
      }
    },
  );
  return router;
}
