import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { type Request, Router } from 'express';
import { z } from 'zod';
import { elevationRequestSchema, elevationViewSchema } from '../schemas/elevation-schema';
import type { Permission } from '../domain/roles';
import type { CredentialVault } from '../vault/credential-vault';
import { VaultError } from '../vault/credential-vault';
import { decideLeaseCheckout } from '../domain/device-account';
import * as em from '../workflows/elevation.messages';
import { actorOf, requirePermission } from './auth';
import { idempotencyKeySchema } from './cases';
import { type ElevationGateway, elevationListFiltersSchema } from './elevation-gateway';
import { jsonBody, problemResponses, requires, standardProblems } from './openapi';
import { cursorQuerySchema } from './page-cursor';
import { HttpProblem, problems } from './problem';
import { parseRequestPart } from './validation';

/** A checkout never waits long on a worker: without an answer it hands nothing out. */
const CHECKOUT_QUERY_DEADLINE_MS = 5_000;

const elevationIdParams = z.object({
  id: z.string().regex(/^[0-9a-f-]{36}\.[1-9][0-9]{0,3}$/, 'an elevation id: <case id>.<n>'),
});
const caseIdParams = z.object({ id: z.uuid({ message: 'a case id is a UUID' }) });
const reason = z.string().trim().min(3).max(2_000);
const elevationResponse = {
  description: 'The elevation',
  content: { 'application/json': { schema: elevationViewSchema } },
};
const checkoutSchema = z
  .object({
    password: z.string(),
    endsAt: z.iso.datetime().describe('When the access window ends'),
    rotatesAt: z.iso
      .datetime()
      .describe('When this password is rotated at the latest (check out again after it)'),
  })
  .meta({ id: 'Checkout', description: 'The only response that ever carries the password' });

const listQuerySchema = elevationListFiltersSchema.extend({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: cursorQuerySchema,
});

export interface ElevationAction<B extends z.ZodType> {
  path: string;
  summary: string;
  body: B;
  permission: Permission;
  run: (g: ElevationGateway, id: string, body: z.infer<B>, req: Request) => Promise<unknown>;
}
const action = <B extends z.ZodType>(a: ElevationAction<B>) => a;

/** Commands on an elevation, run by the API and the portal alike. */
export const ELEVATION_COMMANDS = [
  action({
    path: 'approve',
    summary:
      'Approve (IT admin; never the requester). Not-recommended actions need acknowledgeNotRecommended',
    body: z.object({ reason, acknowledgeNotRecommended: z.boolean().default(false) }).strict(),
    permission: 'elevation:decide',
    run: (g, id, b, req) => g.command(id, em.approveElevation, { actor: actorOf(req).principal, ...b }),
  }),
  action({
    path: 'deny',
    summary: 'Deny (IT admin)',
    body: z.object({ reason }).strict(),
    permission: 'elevation:decide',
    run: (g, id, b, req) => g.command(id, em.denyElevation, { actor: actorOf(req).principal, ...b }),
  }),
  action({
    path: 'release',
    summary: 'End access now (the requester releases, an IT admin revokes); the password is rotated',
    body: z.object({ reason }).strict(),
    permission: 'elevation:release',
    run: (g, id, b, req) => {
      const actor = actorOf(req);
      return g.command(id, em.releaseElevation, {
        actor: actor.principal,
        reason: b.reason,
        actorIsAdmin: actor.roles.includes('it-admin'),
      });
    },
  }),
  action({
    path: 'extensions',
    summary: 'Ask to extend the window (the requester, before it ends)',
    body: z
      .object({
        minutes: z
          .int()
          .min(5)
          .max(24 * 60),
        reason,
      })
      .strict(),
    permission: 'elevation:extend',
    run: (g, id, b, req) => g.command(id, em.requestExtension, { actor: actorOf(req).principal, ...b }),
  }),
  action({
    path: 'extensions/approve',
    summary: 'Approve the pending extension (IT admin other than the requester)',
    body: z.object({ reason }).strict(),
    permission: 'elevation:decide',
    run: (g, id, b, req) => g.command(id, em.approveExtension, { actor: actorOf(req).principal, ...b }),
  }),
  action({
    path: 'extensions/deny',
    summary: 'Deny the pending extension (IT admin)',
    body: z.object({ reason }).strict(),
    permission: 'elevation:decide',
    run: (g, id, b, req) => g.command(id, em.denyExtension, { actor: actorOf(req).principal, ...b }),
  }),
  action({
    path: 'review',
    summary: 'Record the post-incident review of a break-glass grant (IT admin); lets the case close',
    body: z.object({ findings: z.string().trim().min(10).max(5_000) }).strict(),
    permission: 'elevation:review',
    run: (g, id, b, req) => g.review(id, actorOf(req).principal, b.findings),
  }),
];

/**
 * Hands the password to the approved requester while the window is open, recording the checkout
 * first: a checkout that cannot be recorded does not happen. The API's checkout and the portal's
 * reveal both go through here.
 */
export async function checkoutPassword(
  gateway: ElevationGateway,
  vault: CredentialVault | undefined,
  id: string,
  actor: string,
): Promise<{ password: string; endsAtMs: number; rotatesAtMs: number }> {
  if (!vault) throw problems.unavailable('The credential vault is not configured.');
  // The vault's lease and password and the workflow's state (a query), through one decision;
  // the vault alone can refuse, so a refusal needs no worker.
  const stored = await vaultStateOf(vault, id);
  const facts = { actor, lease: stored?.lease ?? null, password: stored?.password ?? null };
  const fromVault = decideLeaseCheckout({ ...facts, elevation: null, nowMs: Date.now() });
  if (!fromVault.ok && !fromVault.unconfirmed) {
    throw fromVault.forbidden ? problems.forbidden(fromVault.reason) : problems.conflict(fromVault.reason);
  }
  const elevation = await gateway.getWithin(id, CHECKOUT_QUERY_DEADLINE_MS).catch((err: unknown) => {
    if (err instanceof HttpProblem) throw err;
    throw problems.unavailable(fromVault.ok ? 'The elevation cannot be read right now.' : fromVault.reason);
  });
  const decision = decideLeaseCheckout({
    ...facts,
    elevation: {
      status: elevation.status,
      requestedBy: elevation.requestedBy,
      endsAtMs: elevation.endsAt === null ? null : Date.parse(elevation.endsAt),
    },
    nowMs: Date.now(),
  });
  if (!decision.ok) {
    throw decision.forbidden ? problems.forbidden(decision.reason) : problems.conflict(decision.reason);
  }
  let secret: { password: string; endsAtMs: number; rotatesAtMs: number };
  try {
    // The vault checks the window and the rotation time itself too, whatever the workflow said.
    secret = stored?.legacy
      ? { ...(await vault.checkout(id, Date.now())), rotatesAtMs: decision.rotatesAtMs }
      : await vault.checkoutLease(id, Date.now());
  } catch (err) {
    if (err instanceof VaultError && err.code !== 'corrupt' && err.code !== 'key') {
      throw problems.conflict(
        `No password to check out: the access is ${err.code === 'not-found' ? 'not granted' : err.code}.`,
      );
    }
    throw err;
  }
  // Recorded before it is handed out: a checkout that cannot be recorded does not happen.
  try {
    await gateway.signal(id, em.passwordCheckedOut, { actor, atMs: Date.now() });
  } catch {
    throw problems.unavailable('The checkout could not be recorded; try again.');
  }
  return {
    password: secret.password,
    endsAtMs: Math.min(secret.endsAtMs, decision.endsAtMs),
    rotatesAtMs: secret.rotatesAtMs,
  };
}

export function elevationsRouter(
  gateway: ElevationGateway,
  vault: CredentialVault | undefined,
  registry: OpenAPIRegistry,
): Router {
  const router = Router();
  const idOf = (req: Request) => parseRequestPart(elevationIdParams, req.params, 'params').id;

  registry.registerPath({
    method: 'post',
    path: '/v1/cases/{id}/elevations',
    summary: 'Request JIT admin access to the case device (escalation team)',
    ...requires('elevation:request'),
    description:
      'Unsupported actions and Test-group devices are refused (409, naming the rule). Break-glass (Sev A only) ' +
      'self-approves at once. With an `Idempotency-Key`, a retry returns the elevation the first request started.',
    request: {
      params: caseIdParams,
      headers: z.object({ 'Idempotency-Key': idempotencyKeySchema }),
      body: jsonBody(elevationRequestSchema),
    },
    responses: {
      201: elevationResponse,
      ...standardProblems,
      ...problemResponses({
        404: 'No such case',
        409: 'Refused by policy or case state',
        422: 'Idempotency-Key reused with a different request',
      }),
    },
  });
  router.post('/v1/cases/:id/elevations', requirePermission('elevation:request'), async (req, res) => {
    const { id } = parseRequestPart(caseIdParams, req.params, 'params');
    const key = parseRequestPart(idempotencyKeySchema, req.get('idempotency-key'), 'headers');
    const body = parseRequestPart(elevationRequestSchema, req.body, 'body');
    const view = await gateway.request(id, actorOf(req).principal, body, key);
    res.status(201).location(`/v1/elevations/${view.id}`).json(view);
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/elevations',
    summary: 'Active and closed elevation requests the caller may see (from visibility)',
    description:
      'Overseers (escalation team, IT admins, auditors) see every elevation; an agent those of cases they ' +
      'may see. A page may hold fewer than `limit` items (or none) and still have a `nextCursor`.',
    ...requires('elevation:read'),
    request: { query: listQuerySchema },
    responses: {
      200: {
        description: 'A page of elevations',
        content: {
          'application/json': {
            schema: z.object({
              items: z.array(
                z.object({
                  id: z.string(),
                  caseId: z.string().nullable(),
                  status: z.string().nullable(),
                  requestedBy: z.string().nullable(),
                  deviceSerial: z.string().nullable(),
                  requestedAt: z.string().nullable(),
                  closedAt: z.string().nullable(),
                }),
              ),
              nextCursor: z.string().nullable(),
            }),
          },
        },
      },
      ...standardProblems,
    },
  });
  router.get('/v1/elevations', requirePermission('elevation:read'), async (req, res) => {
    const { limit, cursor, ...filters } = parseRequestPart(listQuerySchema, req.query, 'query');
    res.json(await gateway.listVisible(filters, limit, cursor, actorOf(req)));
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/elevations/{id}',
    summary: 'Read an elevation with its full record',
    ...requires('elevation:read'),
    request: { params: elevationIdParams },
    responses: {
      200: elevationResponse,
      ...standardProblems,
      ...problemResponses({ 404: 'No such elevation, or one of a case the caller may not see' }),
    },
  });
  router.get('/v1/elevations/:id', requirePermission('elevation:read'), async (req, res) => {
    res.json(await gateway.getVisible(idOf(req), actorOf(req)));
  });

  registry.registerPath({
    method: 'post',
    path: '/v1/elevations/{id}/checkout',
    summary: 'Check out the password (the approved requester only, while the window is open); recorded',
    ...requires('elevation:checkout'),
    request: { params: elevationIdParams },
    responses: {
      200: { description: 'The password', content: { 'application/json': { schema: checkoutSchema } } },
      ...standardProblems,
      ...problemResponses({
        404: 'No such elevation',
        409: 'Not active: pending, ended, expired or revoked',
        503: 'The checkout could not be recorded',
      }),
    },
  });
  router.post('/v1/elevations/:id/checkout', requirePermission('elevation:checkout'), async (req, res) => {
    const secret = await checkoutPassword(gateway, vault, idOf(req), actorOf(req).principal);
    res.set('Cache-Control', 'no-store').json({
      password: secret.password,
      endsAt: new Date(secret.endsAtMs).toISOString(),
      rotatesAt: new Date(secret.rotatesAtMs).toISOString(),
    });
  });

  for (const a of ELEVATION_COMMANDS) {
    registry.registerPath({
      method: 'post',
      path: `/v1/elevations/{id}/${a.path}`,
      summary: a.summary,
      ...requires(a.permission),
      request: { params: elevationIdParams, body: jsonBody(a.body) },
      responses: {
        200: a.path === 'review' ? { description: 'The case' } : elevationResponse,
        ...(a.path === 'approve' || a.path === 'release'
          ? {
              202: {
                ...elevationResponse,
                description: 'Accepted; the grant is still in flight (status granting)',
              },
            }
          : {}),
        ...standardProblems,
        ...problemResponses({ 404: 'No such elevation', 409: 'Not allowed in the current state' }),
      },
    });
    router.post(`/v1/elevations/:id/${a.path}`, requirePermission(a.permission), async (req, res) => {
      const id = idOf(req);
      const body: unknown = parseRequestPart(a.body, req.body ?? {}, 'body');
      const result = await (a.run as ElevationAction<z.ZodType>['run'])(gateway, id, body, req);
      // Accepted but the grant is still in flight: 202 with the state; GET shows when it settles.
      const granting = (result as { status?: unknown }).status === 'granting';
      res.status(granting ? 202 : 200).json(result);
    });
  }
  return router;
}

/**
 * What the vault holds for an elevation: a lease on the device's account, or (elevations from
 * before device owners) a grant of its own, described in the same terms.
 */
async function vaultStateOf(vault: CredentialVault, elevationId: string) {
  const described = await vault.describeLease(elevationId);
  if (described) {
    return {
      legacy: false,
      lease: {
        closed: described.lease.closedAtMs !== null,
        endsAtMs: described.lease.endsAtMs,
        holder: described.lease.holder,
      },
      password: described.password,
    };
  }
  const grant = await vault.describe(elevationId);
  if (!grant) return null;
  return {
    legacy: true,
    lease: { closed: grant.revokedAtMs !== null, endsAtMs: grant.endsAtMs, holder: null },
    password: { rotatesAtMs: grant.endsAtMs },
  };
}
