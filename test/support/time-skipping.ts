import { randomUUID } from 'node:crypto';
import { encodeSearchAttributeIndexedValueType } from '../../src/temporal/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { testServerPath } from '../../scripts/tools';
import { type ActivityDeps, createActivities } from '../../src/activities';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import { LIVE_SINKS, WORKFLOW_SOURCE } from '../../src/temporal/workflow-bundle';

let runtimeInstalled = false;

/**
 * The SDK allows the server five seconds to listen; a JVM on a busy two-core machine can miss
 * that, so a start that timed out is tried again (the SDK stops the late process itself).
 */
async function createWithRetries(attempts = 3): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: testServerPath } },
      });
    } catch (err) {
      if (attempt >= attempts || !/did not start within/.test(String(err))) throw err;
    }
  }
}

/** The Java time-skipping test server (fetched by scripts/setup.sh), started for one test file. */
export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const env = await createWithRetries();
  // Unlike the dev server, the test server only accepts search attributes registered at run time.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      SEARCH_ATTRIBUTES.map((key) => {
        const type = encodeSearchAttributeIndexedValueType(key.type);
        if (type === undefined) throw new Error(`no indexed value type for ${key.type}`);
        return [key.name, type];
      }),
    ),
  });
  return env;
}

/** A worker for one test, on its own task queue, with activities that tests may replace. */
export async function testWorker(
  env: TestWorkflowEnvironment,
  activities: Partial<ReturnType<typeof createActivities>> = {},
  deps: ActivityDeps = {},
): Promise<{ worker: Worker; taskQueue: string }> {
  const taskQueue = `test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    // As the worker bundles them: shared domain modules, the stale-clock guard.
    ...WORKFLOW_SOURCE,
    sinks: LIVE_SINKS,
    // The test server's own client: children a case handed over are read through it.
    activities: { ...createActivities({ client: env.client, ...deps }), ...activities },
  });
  return { worker, taskQueue };
}
