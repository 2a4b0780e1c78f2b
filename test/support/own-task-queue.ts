import { Client, Connection } from '@temporalio/client';

/**
 * Deletes every workflow a test ran on its own task queue. Such a queue has no worker once the
 * test ends, so its workflows (closed ones too) could no longer answer a query: left on the shared
 * dev server, they would turn other test files' reads and lists into "worker may be down" answers.
 */
export async function deleteWorkflowsOnTaskQueue(
  address: string,
  namespace: string,
  taskQueue: string,
): Promise<number> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace });
    let deleted = 0;
    for await (const w of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
      await connection.workflowService
        .deleteWorkflowExecution({
          namespace,
          workflowExecution: { workflowId: w.workflowId, runId: w.runId },
        })
        .then(() => deleted++)
        .catch(() => undefined);
    }
    return deleted;
  } finally {
    await connection.close();
  }
}
