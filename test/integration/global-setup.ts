import { randomBytes, randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { temporalCliPath } from '../../scripts/tools';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import { bundleWorkflows, createCaseflowWorker } from '../../src/worker';
import { startWebhookReceiver } from '../support/webhook-receiver';

/**
 * One real Temporal dev server (the CLI built by scripts/setup.sh) on free loopback ports, with
 * caseflow's search attributes registered, and one real worker running the bundled workflows,
 * shared by every integration test file. Torn down, awaited, when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath },
      ip: '127.0.0.1',
      searchAttributes: [...SEARCH_ATTRIBUTES],
      extraArgs: ['--dynamic-config-value', 'frontend.enableServerVersionCheck=false'],
    },
  });
  const taskQueue = `caseflow-it-${randomUUID()}`;
  const notifySecret = randomBytes(32).toString('hex');
  const receiver = await startWebhookReceiver(notifySecret);
  const workflowBundle = await bundleWorkflows();
  const worker = await createCaseflowWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle,
    activityDeps: {
      notifications: { webhooks: [{ url: `${receiver.url}/hooks/caseflow` }], secret: notifySecret },
    },
  });
  const running = worker.run();

  project.provide('temporalAddress', env.address);
  project.provide('temporalNamespace', env.namespace ?? 'default');
  project.provide('taskQueue', taskQueue);
  project.provide('temporalCli', temporalCliPath);
  project.provide('webhookReceiverUrl', receiver.url);

  return async () => {
    worker.shutdown();
    await running;
    await env.teardown();
    await receiver.close();
  };
}
