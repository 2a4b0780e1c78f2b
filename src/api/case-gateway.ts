import { createHash } from 'node:crypto';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { type CaseIntake, type CaseState, openCase, type SupportModel } from '../domain/case';
import { caseSearchAttributes } from '../temporal/search-attributes';
import { supportCase } from '../workflows';
import { caseWorkflowId, getCase } from '../workflows/supportCase.messages';

export interface CaseGatewayOptions {
  client: Client;
  taskQueue: string;
  supportModel: SupportModel;
  providerName: string;
}

/** Hash of a canonical (schema-ordered) request, to tell a true repeat from a reused key. */
export const fingerprint = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex');

/** The API's only path to case workflows: starts them, and reads their live state by query. */
export class CaseGateway {
  constructor(private readonly options: CaseGatewayOptions) {}

  /**
   * Opens a case, or returns the one this case id already names. The workflow ID is the
   * idempotency mechanism: a second start with the same ID attaches to the existing workflow
   * (running or closed) instead of creating another.
   */
  async open(id: string, intake: CaseIntake, actor: string): Promise<CaseState> {
    const { client, taskQueue, supportModel, providerName } = this.options;
    const input = {
      id,
      intake,
      createdBy: actor,
      supportModel,
      providerName,
      requestFingerprint: fingerprint(intake),
    };
    try {
      await client.workflow.start(supportCase, {
        workflowId: caseWorkflowId(id),
        taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: caseSearchAttributes(openCase(input, new Date().toISOString())),
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return this.get(id);
  }

  async get(id: string): Promise<CaseState> {
    return this.options.client.workflow.getHandle(caseWorkflowId(id)).query(getCase);
  }
}
