import { randomUUID } from 'node:crypto';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { type Request, Router } from 'express';
import { z } from 'zod';
import { type CaseUpdateView, type CaseView } from '../domain/case';
import {
  caseIntakeSchema,
  caseLogPageSchema,
  caseSchema,
  caseUpdateSchema,
  tierSchema,
} from '../schemas/case-schema';
import { categorySchema, severitySchema, subCategorySchema } from '../schemas/categories-schema';
import { caseListScope } from '../domain/case-access';
import type { Permission, Role } from '../domain/roles';
import { caseListFiltersSchema } from '../temporal/case-list-query';
import * as m from '../workflows/supportCase.messages';
import { actorOf, requirePermission, sha256Hex } from './auth';
import { requireCaseAction, visibleCase } from './case-access';
import { type CaseGateway, fingerprint } from './case-gateway';
import { jsonBody, problemResponses, requires, standardProblems } from './openapi';
import { MAX_PREFER_WAIT_SECONDS, preferredWaitSeconds } from './prefer';
import { cursorQuerySchema } from './page-cursor';
import { problems } from './problem';
import { caseOpeningSchema } from './intake-answer';
import { OUTAGE_RETRY_AFTER_SECONDS } from './temporal-errors';
import { parseRequestPart } from './validation';

const caseIdParams = z.object({ id: z.uuid({ message: 'a case id is a UUID' }) });
export const idempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{8,200}$/, '8-200 letters, digits, dot, underscore, colon or dash')
  .optional();
const reason = z.string().trim().min(3).max(2_000);
const longText = z.string().trim().min(1).max(10_000);
/** Assignees become a search attribute value, so they keep to characters safe in a visibility query. */
const assignee = z
  .string()
  .regex(/^[A-Za-z0-9._@:+-]{1,128}$/, 'a principal or user name (letters, digits, . _ @ : + -)');

/**
 * A client-chosen key maps to one case id per principal, so a retried POST finds the case the
 * first attempt created; the id is a name-based UUID from the principal and the key.
 */
export function caseIdForKey(principal: string, key: string): string {
  return uuidForKey('case', principal, key);
}

/** A name-based UUID for what a principal created with an idempotency key (cases, incidents). */
export function uuidForKey(kind: 'case' | 'incident', principal: string, key: string): string {
  const h = sha256Hex(`caseflow:${kind}:${principal}\n${key}`);
  const variant = ((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

export interface CaseAction<B extends z.ZodType> {
  path: string;
  summary: string;
  body: B;
  permission: Permission;
  conflicts: string;
  run: (
    gateway: CaseGateway,
    id: string,
    body: z.infer<B>,
    actor: string,
    roles: readonly Role[],
  ) => Promise<CaseUpdateView | CaseView>;
}
const action = <B extends z.ZodType>(a: CaseAction<B>) => a;

/**
 * Everything an agent does to a case: each an update (or, for requester facts, a signal). The API
 * and the portal both run these, so a rule is decided in one place.
 */
export const CASE_ACTIONS = [
  action({
    path: 'assign',
    summary: 'Assign or reassign to a tier and a person (moving up or down a tier)',
    body: z.object({ tier: tierSchema, assignee, reason }).strict(),
    permission: 'case:work',
    conflicts: 'The case is resolved or closed, or already with that person in that tier',
    run: (g, id, b, actor) => g.command(id, m.assign, { actor, ...b }),
  }),
  action({
    path: 'severity',
    summary:
      'Change the severity with a reason; SLA deadlines are recomputed, paused time kept. Lowering a Sev A/B case to C takes an IT admin',
    body: z.object({ severity: severitySchema, reason }).strict(),
    permission: 'case:severity',
    conflicts:
      'Same severity, a Sev A/B case lowered to C by someone other than an IT admin, or the case is resolved or closed',
    run: (g, id, b, actor, roles) =>
      g.command(id, m.changeSeverity, { actor, ...b, actorIsAdmin: roles.includes('it-admin') }),
  }),
  action({
    path: 'category',
    summary: 'Override the category (recorded with the reason); triages a case left in triage',
    body: z
      .object({ category: categorySchema, subCategory: subCategorySchema.nullable().default(null), reason })
      .strict(),
    permission: 'case:work',
    conflicts: 'Same category, an unknown infrastructure sub-category, or the case is closed',
    run: (g, id, b, actor) => g.command(id, m.overrideCategory, { actor, ...b }),
  }),
  action({
    path: 'request-info',
    summary: 'Ask the requester for information: the case waits on them and the SLA clock pauses',
    body: z.object({ question: longText }).strict(),
    permission: 'case:work',
    conflicts: 'The case is resolved or closed',
    run: (g, id, b, actor) => g.command(id, m.requestInfo, { actor, ...b }),
  }),
  action({
    path: 'notes',
    summary: 'Add a note; one visible to the requester counts as a response and an update',
    body: z.object({ text: longText, visibleToRequester: z.boolean().default(false) }).strict(),
    permission: 'case:work',
    conflicts: 'The case is closed',
    run: (g, id, b, actor) => g.command(id, m.addNote, { actor, ...b }),
  }),
  action({
    path: 'resolve',
    summary:
      'Resolve with a resolution note; the requester is asked to confirm. An open escalation is refused, or withdrawn with `withdrawEscalation` (its party is told)',
    body: z
      .object({
        resolution: longText,
        withdrawEscalation: z
          .boolean()
          .default(false)
          .describe(
            'Withdraw the open escalation: the receiving party gets a signed escalation-withdrawn delivery',
          ),
      })
      .strict(),
    permission: 'case:work',
    conflicts:
      'The case is already resolved, or closed, or has an open escalation (without withdrawEscalation)',
    run: (g, id, b, actor) => g.command(id, m.resolve, { actor, ...b }),
  }),
  action({
    path: 'reopen',
    summary: 'Reopen a resolved case (counted as a reopen; the SLA continues)',
    body: z.object({ reason }).strict(),
    permission: 'case:work',
    conflicts: 'The case is not resolved',
    run: (g, id, b, actor) => g.command(id, m.reopen, { actor, ...b }),
  }),
  action({
    path: 'requester-reply',
    summary: "Relay the requester's reply (resumes a case waiting on them)",
    body: z.object({ message: longText }).strict(),
    permission: 'case:work',
    conflicts: 'The case is closed',
    run: (g, id, b, actor) => g.signal(id, m.requesterReplied, { actor, ...b }),
  }),
  action({
    path: 'confirm',
    summary: "Relay the requester's verdict on the resolution: accepted closes, rejected reopens",
    body: z
      .object({ accepted: z.boolean(), comment: z.string().trim().max(2_000).nullable().default(null) })
      .strict(),
    permission: 'case:work',
    conflicts: 'The case is not resolved, or closed',
    run: async (g, id, b, actor) => {
      const current = await g.get(id);
      if (current.status !== 'resolved') {
        throw problems.conflict(
          `Only a resolved case can be confirmed or rejected; it is ${current.status}.`,
        );
      }
      return g.signal(id, m.requesterConfirmed, { actor, ...b });
    },
  }),
];

const listQuerySchema = caseListFiltersSchema.extend({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: cursorQuerySchema,
});

const caseSummarySchema = z
  .object({
    id: z.string(),
    status: z.string().nullable(),
    severity: z.string().nullable(),
    category: z.string().nullable(),
    tier: z.string().nullable(),
    assignee: z.string().nullable(),
    requesterId: z.string().nullable(),
    deviceSerial: z.string().nullable(),
    slaBreached: z.boolean(),
    createdAt: z.string().nullable(),
  })
  .meta({ id: 'CaseSummary' });

const logQuerySchema = z.object({
  cursor: z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .optional()
    .describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

/** The 404 of every per-case route: a case the caller may not see answers as a missing one. */
export const NOT_VISIBLE = 'No such case, or not one the caller may see (see "Who may do what")';

const caseResponse = { description: 'The case', content: { 'application/json': { schema: caseSchema } } };

export function casesRouter(gateway: CaseGateway, registry: OpenAPIRegistry): Router {
  const router = Router();
  const idOf = (req: Request) => parseRequestPart(caseIdParams, req.params, 'params').id;

  registry.registerPath({
    method: 'post',
    path: '/v1/cases',
    summary: 'Open a support case',
    ...requires('case:create'),
    description:
      'Classifies the intake, starts the case workflow (ID `case:<id>`) with it and answers as soon as the ' +
      'start is accepted, with the case as it opens: classified (`triaged`, or `new` and left in triage when ' +
      'the classifier is unsure). Should the classifier fail, the case opens unclassified (`classification` ' +
      'null) and its workflow classifies it: read it again with GET `Location`, or send `Prefer: wait=N` to ' +
      `wait up to N seconds (at most ${MAX_PREFER_WAIT_SECONDS}) for the classification; the answer then carries ` +
      '`Preference-Applied` and is the classified case, or the latest one read if classification took ' +
      'longer. With an `Idempotency-Key`, a repeat of the same ' +
      'request returns the case the first one created, as it stands (202 with its id and Location when it ' +
      'cannot be read in time: Temporal slow or no worker).',
    request: {
      headers: z.object({
        'Idempotency-Key': idempotencyKeySchema,
        Prefer: z
          .string()
          .optional()
          .describe(
            `\`wait=N\`: wait up to N seconds (at most ${MAX_PREFER_WAIT_SECONDS}) for the classified case`,
          ),
      }),
      body: jsonBody(caseIntakeSchema),
    },
    responses: {
      201: {
        description: 'The case as it opened, classified (or, with Prefer: wait=N, once classified)',
        headers: {
          Location: { description: 'The case: `/v1/cases/{id}`', schema: { type: 'string' } },
          'Preference-Applied': {
            description: 'Present when the server waited as `Prefer: wait=N` asked',
            schema: { type: 'string' },
          },
        },
        content: { 'application/json': { schema: caseSchema } },
      },
      202: {
        description: 'A repeat whose case could not be read in time: GET the Location later',
        content: { 'application/json': { schema: caseOpeningSchema } },
      },
      ...standardProblems,
      ...problemResponses({
        422: 'Idempotency-Key reused with a different request',
      }),
    },
  });
  router.post('/v1/cases', requirePermission('case:create'), async (req, res) => {
    const actor = actorOf(req);
    const key = parseRequestPart(idempotencyKeySchema, req.get('idempotency-key'), 'headers');
    const intake = parseRequestPart(caseIntakeSchema, req.body, 'body');
    const id = key ? caseIdForKey(actor.principal, key) : randomUUID();
    // Temporal failing the start itself is a 503: the Idempotency-Key makes the client's retry safe.
    const wait = preferredWaitSeconds(req.get('prefer'));
    const opened = await gateway.open(id, intake, actor.principal, wait);
    if (!opened.view) {
      res
        .status(202)
        .location(`/v1/cases/${id}`)
        .set('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS))
        .json({ id, status: 'opening' });
      return;
    }
    if (key && opened.view.requestFingerprint !== fingerprint(intake)) {
      throw problems.unprocessable('This Idempotency-Key was already used with a different request.');
    }
    res.vary('Prefer');
    if (opened.waited) res.set('Preference-Applied', `wait=${wait}`);
    res.status(201).location(`/v1/cases/${id}`).json(opened.view);
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/cases',
    summary: 'List cases (from Temporal visibility), newest first',
    ...requires('case:read'),
    request: { query: listQuerySchema },
    responses: {
      200: {
        description: 'A page of cases',
        content: {
          'application/json': {
            schema: z.object({ items: z.array(caseSummarySchema), nextCursor: z.string().nullable() }),
          },
        },
      },
      ...standardProblems,
    },
  });
  router.get('/v1/cases', requirePermission('case:read'), async (req, res) => {
    const { limit, cursor, ...filters } = parseRequestPart(listQuerySchema, req.query, 'query');
    res.json(await gateway.list(filters, limit, cursor, caseListScope(actorOf(req))));
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/cases/{id}/log',
    summary: "Page through the current run's log, oldest first",
    ...requires('case:read'),
    request: { params: caseIdParams, query: logQuerySchema },
    responses: {
      200: {
        description: 'A page of the log',
        content: { 'application/json': { schema: caseLogPageSchema } },
      },
      ...standardProblems,
      ...problemResponses({ 404: NOT_VISIBLE }),
    },
  });
  router.get('/v1/cases/:id/log', requirePermission('case:read'), async (req, res) => {
    const { cursor, limit } = parseRequestPart(logQuerySchema, req.query, 'query');
    const id = idOf(req);
    await visibleCase(gateway, id, actorOf(req));
    res.json(await gateway.log(id, cursor ?? 0, limit));
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/cases/{id}',
    summary: 'Read a case (live state from its workflow)',
    ...requires('case:read'),
    request: { params: caseIdParams },
    responses: {
      200: caseResponse,
      ...standardProblems,
      ...problemResponses({ 404: NOT_VISIBLE }),
    },
  });
  router.get('/v1/cases/:id', requirePermission('case:read'), async (req, res) => {
    res.json(await visibleCase(gateway, idOf(req), actorOf(req)));
  });

  for (const a of CASE_ACTIONS) {
    registry.registerPath({
      method: 'post',
      path: `/v1/cases/{id}/${a.path}`,
      summary: a.summary,
      ...requires(a.permission),
      request: { params: caseIdParams, body: jsonBody(a.body) },
      responses: {
        200: {
          description: 'The case after the action, without its log (GET /v1/cases/{id}/log pages it)',
          content: { 'application/json': { schema: caseUpdateSchema } },
        },
        ...standardProblems,
        ...problemResponses({ 404: NOT_VISIBLE, 409: a.conflicts }),
      },
    });
    router.post(`/v1/cases/:id/${a.path}`, requirePermission(a.permission), async (req, res) => {
      const id = idOf(req);
      const body: unknown = parseRequestPart(a.body, req.body ?? {}, 'body');
      const actor = actorOf(req);
      await requireCaseAction(gateway, id, actor, a.permission);
      res.json(
        await (a.run as CaseAction<z.ZodType>['run'])(gateway, id, body, actor.principal, actor.roles),
      );
    });
  }

  return router;
}
