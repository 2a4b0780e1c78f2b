import { createHash } from 'node:crypto';
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import {
  ApplicationFailure,
  type Payload,
  type SignalDefinition,
  type UpdateDefinition,
} from '@temporalio/common';
import { decodeTypedSearchAttributes } from '../temporal/proto';
import type {
  CaseIntake,
  CaseLogPage,
  CaseUpdateView,
  CaseView,
  ClassificationRecord,
  SupportModel,
} from '../domain/case';
import { type Classifier, createClassifier } from '../activities/classification';
import { caseView, openClassifiedCase } from '../domain/case-lifecycle';
import type { CaseListScope } from '../domain/case-access';
import type { CasePolicy } from '../domain/case-policy';
import { buildCaseListQuery, type CaseListFilters } from '../temporal/case-list-query';
import { PersonalIndex } from '../temporal/personal-index';
import * as sa from '../temporal/search-attributes';
import { supportCase } from '../workflows';
import {
  CREATED_AT_MEMO,
  caseWorkflowId,
  PERSONAL_MEMO,
  getCase,
  getLog,
  INVALID_COMMAND,
} from '../workflows/supportCase.messages';
import { readAfterStart } from './intake-answer';
import { listPage } from './page-cursor';
import { problems } from './problem';
import { caseStaticDetails, caseStaticSummary } from '../domain/web-ui-texts';

export interface CaseGatewayOptions {
  client: Client;
  taskQueue: string;
  supportModel: SupportModel;
  providerName: string;
  policy: CasePolicy;
  /** Hashes the requester's id and the device serial for search attributes (clear without keys). */
  personalIndex?: PersonalIndex;
  /**
   * Classifies the intake before the start, so the case opens classified (default: the shipped
   * rules and model, as the worker's activity uses). `null`: cases start unclassified and their
   * first run classifies them with the activity.
   */
  classifyIntake?: Classifier | null;
}

export interface CaseSummary {
  id: string;
  status: string | null;
  severity: string | null;
  category: string | null;
  tier: string | null;
  assignee: string | null;
  requesterId: string | null;
  deviceSerial: string | null;
  slaBreached: boolean;
  createdAt: string | null;
}

/**
 * What opening a case gave: its view (null for a repeat whose case could not be read in time),
 * whether this request created it, whether it waited.
 */
export interface OpenedCase {
  view: CaseView | null;
  created: boolean;
  waited: boolean;
}

/** How often a caller waiting for the classified case looks again (a query each time). */
const CLASSIFIED_POLL_MS = 50;

/** Hash of a canonical (schema-ordered) request, to tell a true repeat from a reused key. */
export const fingerprint = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex');

const CLEAR_INDEX = new PersonalIndex();

/** The API's only path to case workflows: starts them, sends them messages, reads them. */
export class CaseGateway {
  /** The intake classifier: the option's, or the shipped rules and model; null when off. */
  private readonly classifyIntake: Classifier | null;

  constructor(private readonly options: CaseGatewayOptions) {
    this.classifyIntake = options.classifyIntake === undefined ? createClassifier() : options.classifyIntake;
  }

  private get personalIndex(): PersonalIndex {
    return this.options.personalIndex ?? CLEAR_INDEX;
  }

  /**
   * Opens a case, or returns the one this case id already names. The workflow ID is the
   * idempotency mechanism: a second start with the same ID (running or closed) is refused by the
   * server, and the caller gets the existing case instead of another.
   *
   * A new case is answered as soon as the server has accepted its start, with what the API
   * knows: the case as it opens, before classification (the workflow computes the same view on
   * its first task). `waitSeconds` waits up to that long for the classified case instead.
   */
  async open(id: string, intake: CaseIntake, actor: string, waitSeconds = 0): Promise<OpenedCase> {
    const { client, taskQueue, supportModel, providerName, policy } = this.options;
    const index = this.personalIndex;
    const personalIndex = {
      requesterId: index.indexed('RequesterId', intake.requester.id),
      deviceSerial: index.indexed('DeviceSerial', intake.device.serial),
    };
    const input = {
      id,
      intake,
      createdBy: actor,
      supportModel,
      providerName,
      requestFingerprint: fingerprint(intake),
      policy,
      indexedAtStart: true,
      personalIndex,
      indexesParticipants: true,
      quietDeliveries: true,
      localNotifications: true,
      classification: this.classifiedIntake(intake),
    };
    const now = Date.now();
    const opening = openClassifiedCase(input, input.classification, now);
    try {
      await client.workflow.start(supportCase, {
        workflowId: caseWorkflowId(id),
        taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: sa.caseSearchAttributes(opening, { personal: personalIndex }),
        // What the Temporal Web UI lists beside the workflow id.
        staticSummary: caseStaticSummary(opening),
        staticDetails: caseStaticDetails(opening),
        // Lists show when the case was created, not when its current run started.
        memo: {
          [CREATED_AT_MEMO]: new Date(now).toISOString(),
          // Hashed attributes cannot show who and what: lists read them here, sealed by the codec.
          ...(index.hashes
            ? { [PERSONAL_MEMO]: { requesterId: intake.requester.id, deviceSerial: intake.device.serial } }
            : {}),
        },
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // A repeat: the case as it stands, read from its workflow (its fingerprint tells a true
      // repeat from a reused key).
      // A repeat: the case as it stands, or none when it cannot be read in time (the caller answers 202).
      const read = await readAfterStart(() => this.get(id));
      return { view: read.ok ? read.state : null, created: false, waited: false };
    }
    const accepted = caseView(opening, policy, now);
    if (waitSeconds <= 0) return { view: accepted, created: true, waited: false };
    return {
      view: await this.classified(id, accepted, now + waitSeconds * 1000),
      created: true,
      waited: true,
    };
  }

  /**
   * What the classifier makes of the intake; nothing when classifying here is off or fails (the
   * case then opens unclassified and its workflow's activity classifies it, retrying there).
   */
  private classifiedIntake(intake: CaseIntake): ClassificationRecord | undefined {
    if (!this.classifyIntake) return undefined;
    try {
      return this.classifyIntake({
        title: intake.title,
        description: intake.description,
        categoryHint: intake.categoryHint,
      });
    } catch {
      return undefined;
    }
  }

  /**
   * The case once classified, or the latest view read before the deadline. Reading can only
   * fail here for lack of time or of a worker: the case exists, so the caller still gets it.
   */
  private async classified(id: string, latest: CaseView, deadlineMs: number): Promise<CaseView> {
    const { client } = this.options;
    const handle = client.workflow.getHandle(caseWorkflowId(id));
    while (Date.now() < deadlineMs) {
      try {
        latest = await client.connection.withDeadline(deadlineMs, () => handle.query(getCase));
      } catch {
        return latest;
      }
      if (latest.classification !== null) return latest;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(CLASSIFIED_POLL_MS, deadlineMs - Date.now())),
      );
    }
    return latest;
  }

  async get(id: string): Promise<CaseView> {
    return this.options.client.workflow.getHandle(caseWorkflowId(id)).query(getCase);
  }

  async log(id: string, cursor: number, limit: number): Promise<CaseLogPage> {
    return this.options.client.workflow.getHandle(caseWorkflowId(id)).query(getLog, { cursor, limit });
  }

  /** Runs an agent command; a command the case's state refuses becomes a 409 with the reason. */
  async command<I, R = CaseUpdateView>(id: string, update: UpdateDefinition<R, [I]>, input: I): Promise<R> {
    const handle = this.options.client.workflow.getHandle(caseWorkflowId(id));
    try {
      return await handle.executeUpdate(update, { args: [input] });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        if (err.cause.type === INVALID_COMMAND) throw problems.conflict(err.cause.message);
      }
      throw await this.closedOrMissing(id, err);
    }
  }

  /** Delivers a fact from the requester, then returns the case as it stands after it. */
  async signal<I>(id: string, signal: SignalDefinition<[I]>, input: I): Promise<CaseView> {
    const handle = this.options.client.workflow.getHandle(caseWorkflowId(id));
    try {
      await handle.signal(signal, input);
    } catch (err) {
      throw await this.closedOrMissing(id, err);
    }
    return handle.query(getCase);
  }

  /** A message to a finished case is a conflict (the case exists), not a missing case. */
  private async closedOrMissing(id: string, err: unknown): Promise<unknown> {
    if (!(err instanceof WorkflowNotFoundError)) return err;
    try {
      const description = await this.options.client.workflow.getHandle(caseWorkflowId(id)).describe();
      if (description.status.name !== 'RUNNING') {
        return problems.conflict('The case is closed; it takes no more messages.');
      }
    } catch {
      // Truly unknown: keep the not-found.
    }
    return err;
  }

  /**
   * Lists the cases the scope may see from visibility; the query is built only from validated
   * filter values, so paging stays visibility's own.
   */
  async list(filters: CaseListFilters, limit: number, cursor: string | undefined, scope: CaseListScope) {
    const { client } = this.options;
    const query = buildCaseListQuery(filters, scope, (attribute, value) =>
      this.personalIndex.candidates(attribute, value),
    );
    if (query === undefined) return { items: [], nextCursor: null };
    const page = await listPage(client, 'cases', query, limit, cursor);
    const items: CaseSummary[] = [];
    for (const execution of page.executions) {
      const attributes = decodeTypedSearchAttributes(execution.searchAttributes?.indexedFields);
      const workflowId = execution.execution?.workflowId ?? '';
      const startMs = execution.startTime?.seconds ? Number(execution.startTime.seconds) * 1000 : null;
      const createdAt = await memoValue(client, execution.memo?.fields?.[CREATED_AT_MEMO]);
      const personal = (await memoValue(client, execution.memo?.fields?.[PERSONAL_MEMO])) as {
        requesterId?: unknown;
        deviceSerial?: unknown;
      } | null;
      items.push({
        id: workflowId.replace(/^case:/, ''),
        status: attributes.get(sa.CaseStatus) ?? null,
        severity: attributes.get(sa.CaseSeverity) ?? null,
        category: attributes.get(sa.CaseCategory) ?? null,
        tier: attributes.get(sa.CaseTier) ?? null,
        assignee: attributes.get(sa.CaseAssignee) ?? null,
        // Cases opened before the memo held them index the values themselves.
        requesterId: stringOr(personal?.requesterId, attributes.get(sa.RequesterId) ?? null),
        deviceSerial: stringOr(personal?.deviceSerial, attributes.get(sa.DeviceSerial) ?? null),
        slaBreached: attributes.get(sa.SlaBreached) ?? false,
        createdAt:
          typeof createdAt === 'string'
            ? createdAt
            : startMs === null
              ? null
              : new Date(startMs).toISOString(),
      });
    }
    return { items, nextCursor: page.nextCursor };
  }
}

const stringOr = (value: unknown, otherwise: string | null): string | null =>
  typeof value === 'string' ? value : otherwise;

/**
 * A memo value as the workflow wrote it: visibility returns memo payloads as stored, so they pass
 * through the client's payload codecs (encrypted in a deployment with a codec) first. A value
 * that cannot be read counts as absent.
 */
export async function memoValue(client: Client, payload: Payload | null | undefined): Promise<unknown> {
  if (!payload) return null;
  const converter = client.options.loadedDataConverter;
  try {
    let payloads = [payload];
    for (const codec of [...converter.payloadCodecs].reverse()) payloads = await codec.decode(payloads);
    return payloads[0] ? converter.payloadConverter.fromPayload<unknown>(payloads[0]) : null;
  } catch {
    return null;
  }
}
