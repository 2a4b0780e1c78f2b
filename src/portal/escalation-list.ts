import type { Client } from '@temporalio/client';
import type { EscalationView } from '../domain/escalation';
import { getEscalation } from '../workflows/escalation.messages';

/**
 * Escalations from visibility (the workflow type only, no user text in the query), each read
 * through its own query so the portal shows exactly what the API's GET shows.
 */
export async function listEscalations(
  client: Client,
  options: { openOnly: boolean; limit: number },
): Promise<EscalationView[]> {
  const query = `WorkflowType = 'escalation'${options.openOnly ? ` AND ExecutionStatus = 'Running'` : ''}`;
  const ids: string[] = [];
  for await (const execution of client.workflow.list({ query, pageSize: options.limit })) {
    ids.push(execution.workflowId);
    if (ids.length >= options.limit) break;
  }
  const views = await Promise.all(
    ids.map((id) =>
      client.workflow
        .getHandle(id)
        .query(getEscalation)
        .catch(() => undefined),
    ),
  );
  return views.filter((view): view is EscalationView => view !== undefined);
}

/** Oldest first, by when it was filed (or asked for, while held). */
export const oldestFirst = (a: EscalationView, b: EscalationView): number =>
  Date.parse(a.filedAt ?? a.log[0]?.at ?? '') - Date.parse(b.filedAt ?? b.log[0]?.at ?? '');
