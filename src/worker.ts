import { type NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { PayloadCodec } from '@temporalio/common';
import { createActivities, type ActivityDeps } from './activities';
import { parseTargetEndpoints } from './activities/escalation-delivery';
import { parseWebhookUrls } from './activities/notifications';
import { archiveDirOf, ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { elevationActivityDeps } from './vault-setup';
import { connectClient, connectWorkerConnection, loadTemporalTarget } from './temporal/connection';
import { LIVE_SINKS, WORKFLOWS_PATH } from './temporal/workflow-bundle';

export { bundleWorkflows, LIVE_SINKS, WORKFLOWS_PATH } from './temporal/workflow-bundle';

export interface CaseflowWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activityDeps?: ActivityDeps;
  /** A pre-built bundle (tests bundle once and share it); otherwise the workflows are bundled here. */
  workflowBundle?: WorkflowBundleOption;
  /** The deployment's payload codec (encryption); none on the embedded default. */
  payloadCodecs?: PayloadCodec[];
  /** Open workflows kept in memory; the SDK's default (sized from the heap) when absent. */
  maxCachedWorkflows?: number;
}

export async function createCaseflowWorker(options: CaseflowWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.activityDeps),
    sinks: LIVE_SINKS,
    dataConverter: { payloadCodecs: options.payloadCodecs ?? [] },
    ...(options.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: options.maxCachedWorkflows }),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH }),
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger('worker', config.logLevel);
  const target = loadTemporalTarget();
  const connection = await connectWorkerConnection(target);
  // The archive activity reads histories back through the client API.
  const client = await connectClient(target);
  const worker = await createCaseflowWorker({
    connection,
    namespace: target.namespace,
    taskQueue: config.taskQueue,
    payloadCodecs: target.payloadCodecs,
    maxCachedWorkflows: config.workerCachedWorkflows,
    activityDeps: {
      notifications: { webhooks: parseWebhookUrls(config.notifyUrls), secret: config.notifySecret },
      elevation: elevationActivityDeps(config, client),
      escalationTargets: parseTargetEndpoints(config.escalationTargets),
      archive: { client, archiveDir: archiveDirOf(config) },
    },
  });
  log.info('worker polling', {
    address: target.address,
    namespace: target.namespace,
    taskQueue: config.taskQueue,
    cachedWorkflows: config.workerCachedWorkflows,
  });
  // The SDK stops the worker gracefully on SIGINT/SIGTERM; run() resolves once it has drained.
  await worker.run();
  await connection.close();
  await client.connection.close();
  log.info('worker stopped');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(err.message);
    } else {
      console.error('worker failed:', err);
    }
    process.exit(1);
  });
}
