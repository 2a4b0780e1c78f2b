import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities';
import { LIVE_SINKS, WORKFLOW_BUNDLER_OPTIONS, WORKFLOWS_PATH } from '../../src/temporal/workflow-bundle';
import { supportCase } from '../../src/workflows';
import * as m from '../../src/workflows/supportCase.messages';
import { caseInput, untilCase } from '../support/case-fixtures';
import { startTimeSkipping, testWorker } from '../support/time-skipping';

/*
 * A live worker's sandbox keeps no stack traces (src/workflows/sandbox-without-stack-traces.ts):
 * the SDK then captures no frames for a case's promises, which took over a third of the workflow
 * thread's time. Replayers keep them. Read through the SDK's own stack-trace query, as the Web UI
 * reads it.
 */

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await startTimeSkipping();
});
afterAll(async () => {
  await env?.teardown();
});

/** The stack trace of a fresh case waiting for its first SLA event, on the given worker. */
async function stackOfWaitingCase(worker: Worker, taskQueue: string): Promise<string> {
  return worker.runUntil(async () => {
    const input = caseInput();
    const handle = await env.client.workflow.start(supportCase, {
      workflowId: m.caseWorkflowId(input.id),
      taskQueue,
      args: [input],
    });
    await untilCase(handle, (c) => c.classification !== null);
    const stack = await handle.query<string>('__stack_trace');
    await handle.terminate('test over');
    return stack;
  });
}

describe('stack traces in the workflow sandbox', () => {
  it('are off on a live worker: its case reports no frame', async () => {
    const { worker, taskQueue } = await testWorker(env);
    expect(await stackOfWaitingCase(worker, taskQueue)).not.toMatch(/\bat\b/);
  });

  it('are kept by a worker bundled as replayers are, which shows where the case waits', async () => {
    const taskQueue = `test-stack-${Date.now()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      bundlerOptions: WORKFLOW_BUNDLER_OPTIONS,
      sinks: LIVE_SINKS,
      activities: createActivities({ client: env.client }),
    });
    expect(await stackOfWaitingCase(worker, taskQueue)).toMatch(/\bat (supportCase|condition)\b/);
  });
});
