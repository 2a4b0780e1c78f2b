import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type SignalDefinition, type UpdateDefinition } from '@temporalio/common';
import { decodeTypedSearchAttributes } from '../temporal/proto';
import { z } from 'zod';
import { ELEVATION_STATUSES, type ElevationRequest, type ElevationView } from '../domain/elevation';
import { matchAny, type PersonalCandidates } from '../temporal/case-list-query';
import { PersonalIndex } from '../temporal/personal-index';
import * as sa from '../temporal/search-attributes';
import * as em from '../workflows/elevation.messages';
import {
  caseWorkflowId,
  ELEVATION_DEVICE_MEMO,
  IDEMPOTENCY_KEY_REUSED,
  INVALID_COMMAND,
  requestElevation,
  reviewBreakGlass,
} from '../workflows/supportCase.messages';
import type { CaseView } from '../domain/case';
import { canSee, caseFactsOf, seesEveryCase } from '../domain/case-access';
import type { Principal } from '../domain/roles';
import { caseReader, NO_SUCH_CASE } from './case-access';
import { fingerprint, memoValue } from './case-gateway';
import { listPage } from './page-cursor';
import { problems } from './problem';
import { isTemporalOutage } from './temporal-errors';

const safeValue = z
  .string()
  .regex(/^[A-Za-z0-9._@:+-]{1,128}$/, 'letters, digits and . _ @ : + - only (max 128)');
export const elevationListFiltersSchema = z
  .object({
    status: z.enum(ELEVATION_STATUSES).optional(),
    device: safeValue.optional(),
    requester: safeValue.optional(),
    case: z.uuid().optional(),
  })
  .strict();
export type ElevationListFilters = z.infer<typeof elevationListFiltersSchema>;

/** A visibility query over elevations only, from validated filter values. */
export function buildElevationListQuery(
  raw: ElevationListFilters,
  personal: PersonalCandidates = (_attribute, value) => [value],
): string {
  const f = elevationListFiltersSchema.parse(raw);
  // Elevations from before device account owners ran as 'elevation'; both are listed.
  const clauses = [`WorkflowType IN ('elevation', 'elevationLease')`];
  if (f.status) clauses.push(`ElevationStatus = '${f.status}'`);
  if (f.device) clauses.push(matchAny('DeviceSerial', personal('DeviceSerial', f.device)));
  if (f.requester) clauses.push(`ElevationRequestedBy = '${f.requester}'`);
  if (f.case) clauses.push(`WorkflowId STARTS_WITH 'case:${f.case}:elevation:'`);
  return clauses.join(' AND ');
}

/** Maps an update refused by a workflow validator to the HTTP answer it means. */
function refusal(err: unknown): unknown {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    if (err.cause.type === em.ELEVATION_FORBIDDEN) return problems.forbidden(err.cause.message);
    if (err.cause.type === em.ELEVATION_REFUSED || err.cause.type === INVALID_COMMAND) {
      return problems.conflict(err.cause.message);
    }
    if (err.cause.type === IDEMPOTENCY_KEY_REUSED) return problems.unprocessable(err.cause.message);
  }
  return err;
}

/** The API's path to elevation workflows and to their case for requests and reviews. */
export class ElevationGateway {
  constructor(
    private readonly client: Client,
    /** Hashes a device filter as cases index the serial (clear without keys). */
    private readonly personalIndex: PersonalIndex = new PersonalIndex(),
  ) {}

  private handle(elevationId: string) {
    const ids = em.workflowIdOfElevation(elevationId);
    if (!ids) throw problems.notFound('No such elevation.');
    return { ...ids, handle: this.client.workflow.getHandle(ids.workflowId) };
  }

  /**
   * Asks the case for an elevation. With an idempotency key (scoped to the principal) a retry
   * returns the elevation the first request started; the same key for another body is refused.
   */
  async request(
    caseId: string,
    actor: string,
    request: ElevationRequest,
    idempotencyKey?: string,
  ): Promise<ElevationView> {
    let started: { elevationId: string };
    const requestKey = idempotencyKey
      ? { key: `${actor}\n${idempotencyKey}`, fingerprint: fingerprint(request) }
      : undefined;
    try {
      started = await this.client.workflow.getHandle(caseWorkflowId(caseId)).executeUpdate(requestElevation, {
        args: [{ actor, request, ...(requestKey ? { requestKey } : {}) }],
        // The server also folds a repeat of the same update id into the first, within a run.
        ...(requestKey ? { updateId: `elevation-request:${fingerprint(requestKey)}` } : {}),
      });
    } catch (err) {
      throw refusal(err);
    }
    return this.get(started.elevationId);
  }

  async get(elevationId: string): Promise<ElevationView> {
    return this.handle(elevationId).handle.query(em.getElevation);
  }

  /** The same read, given up after `ms` (a query waits for a worker, and none may be running). */
  async getWithin(elevationId: string, ms: number): Promise<ElevationView> {
    const { handle } = this.handle(elevationId);
    return this.client.withDeadline(Date.now() + ms, () => handle.query(em.getElevation));
  }

  async command<I>(
    elevationId: string,
    update: UpdateDefinition<ElevationView, [I]>,
    input: I,
  ): Promise<ElevationView> {
    const { handle } = this.handle(elevationId);
    try {
      return await handle.executeUpdate(update, { args: [input] });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        // Finished elevations exist but take no commands.
        const finished = await handle.describe().catch(() => undefined);
        if (finished) throw problems.conflict('This elevation is over; it takes no more commands.');
      }
      throw refusal(err);
    }
  }

  async signal<I>(elevationId: string, signal: SignalDefinition<[I]>, input: I): Promise<void> {
    await this.handle(elevationId).handle.signal(signal, input);
  }

  async review(elevationId: string, actor: string, findings: string): Promise<CaseView> {
    const { caseId } = this.handle(elevationId);
    try {
      return await this.client.workflow
        .getHandle(caseWorkflowId(caseId))
        .executeUpdate(reviewBreakGlass, { args: [{ actor, elevationId, findings }] });
    } catch (err) {
      throw refusal(err);
    }
  }

  /**
   * An elevation is seen by whoever may see its case: overseers (escalation team, IT admins,
   * auditors: requesters and approvers by role) see every one; an agent those of cases they may
   * see. Any other answers 404, exactly as a missing elevation.
   */
  async getVisible(elevationId: string, principal: Principal): Promise<ElevationView> {
    const { caseId } = this.handle(elevationId);
    if (!(await this.casesVisible([caseId], principal)).has(caseId)) throw problems.notFound(NO_SUCH_CASE);
    return this.get(elevationId);
  }

  /**
   * A page of elevations the principal may see. Paging stays visibility's own: rows of cases an
   * agent may not see are left out of the page they are on (a page may be shorter than `limit`,
   * or empty with a cursor), so nothing is skipped or shown twice across pages.
   */
  async listVisible(
    filters: ElevationListFilters,
    limit: number,
    cursor: string | undefined,
    principal: Principal,
  ) {
    const page = await this.list(filters, limit, cursor);
    if (seesEveryCase(principal)) return page;
    const caseIds = [...new Set(page.items.flatMap((e) => (e.caseId ? [e.caseId] : [])))];
    // A case no worker can read right now leaves its rows out of this page (never shown unchecked).
    const visible = await this.casesVisible(caseIds, principal, { skipUnreadable: true });
    return { ...page, items: page.items.filter((e) => e.caseId !== null && visible.has(e.caseId)) };
  }

  /** Which of these cases the principal may see (one query each, none for overseers). */
  private async casesVisible(
    caseIds: string[],
    principal: Principal,
    options: { skipUnreadable?: boolean } = {},
  ): Promise<Set<string>> {
    if (seesEveryCase(principal)) return new Set(caseIds);
    const cases = caseReader(this.client);
    const seen = await Promise.all(
      caseIds.map(async (id) => {
        const view = await cases.get(id).catch((err: unknown) => {
          // A case that is gone shows nothing; anything else (Temporal down) is the caller's error.
          if (err instanceof WorkflowNotFoundError) return undefined;
          if (options.skipUnreadable && isTemporalOutage(err)) return undefined;
          throw err;
        });
        return view && canSee(principal, caseFactsOf(view)) ? id : undefined;
      }),
    );
    return new Set(seen.filter((id): id is string => id !== undefined));
  }

  async list(filters: ElevationListFilters, limit: number, cursor: string | undefined) {
    const query = buildElevationListQuery(filters, (attribute, value) =>
      this.personalIndex.candidates(attribute, value),
    );
    const page = await listPage(this.client, 'elevations', query, limit, cursor);
    const items = [];
    for (const execution of page.executions) {
      const attributes = decodeTypedSearchAttributes(execution.searchAttributes?.indexedFields);
      const workflowId = execution.execution?.workflowId ?? '';
      const match = /^case:([^:]+):elevation:(\d+)$/.exec(workflowId);
      // Elevations of cases that index a hashed serial carry the serial in their (sealed) memo.
      const device = await memoValue(this.client, execution.memo?.fields?.[ELEVATION_DEVICE_MEMO]);
      items.push({
        id: match ? `${match[1]}.${match[2]}` : workflowId,
        caseId: match?.[1] ?? null,
        status: attributes.get(sa.ElevationStatus) ?? null,
        requestedBy: attributes.get(sa.ElevationRequestedBy) ?? null,
        deviceSerial: typeof device === 'string' ? device : (attributes.get(sa.DeviceSerial) ?? null),
        requestedAt: execution.startTime?.seconds
          ? new Date(Number(execution.startTime.seconds) * 1000).toISOString()
          : null,
        closedAt: execution.closeTime?.seconds
          ? new Date(Number(execution.closeTime.seconds) * 1000).toISOString()
          : null,
      });
    }
    return { items, nextCursor: page.nextCursor };
  }
}
