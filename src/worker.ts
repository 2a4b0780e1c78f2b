import {
  makeTelemetryFilterString,
  type NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import type { PayloadCodec } from '@temporalio/common';
import { createActivities, type ActivityDeps } from './activities';
import { parseTargetEndpoints } from './activities/escalation-delivery';
import { parseWebhookUrls } from './activities/notifications';
import { archiveDirOf, type Config, ConfigError, loadConfig } from './config';
import { createLogger, createPino, loggerOf, sdkLoggerOf } from './logger';
import { elevationActivityDeps } from './vault-setup';
import { connectClient, connectWorkerConnection, loadTemporalTarget } from './temporal/connection';
import { startTracing, type Tracing, tracingSettingsFrom } from './temporal/tracing';
import {
  LIVE_SINKS,
  LIVE_WORKER_BUNDLER_OPTIONS,
  WORKFLOW_INTERCEPTOR_MODULES,
  WORKFLOWS_PATH,
} from './temporal/workflow-bundle';

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
  /**
   * Tracing (off when absent): activity spans, and the workflow interceptors, which are bundled
   * with the workflows (beside the stale-clock guard every worker runs); a pre-built
   * `workflowBundle` must have been bundled with them
   * (`bundleWorkflows({ workflowInterceptorModules: tracing.workerInterceptors.workflowModules })`).
   */
  tracing?: Pick<Tracing, 'workerInterceptors' | 'sinks'>;
}

export async function createCaseflowWorker(options: CaseflowWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.activityDeps),
    sinks: { ...LIVE_SINKS, ...options.tracing?.sinks },
    interceptors: {
      ...(options.tracing ? { activity: options.tracing.workerInterceptors.activity } : {}),
      // A pre-built bundle has them already (the SDK ignores them then, with a warning).
      ...(options.workflowBundle
        ? {}
        : {
            workflowModules: [
              ...WORKFLOW_INTERCEPTOR_MODULES,
              ...(options.tracing?.workerInterceptors.workflowModules ?? []),
            ],
          }),
    },
    dataConverter: { payloadCodecs: options.payloadCodecs ?? [] },
    ...(options.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: options.maxCachedWorkflows }),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: LIVE_WORKER_BUNDLER_OPTIONS }),
  });
}

/**
 * One JSON logger for the process: caseflow's lines, the SDK's own, the core's (forwarded) and the
 * workflows' `log` calls (default sinks). With a metrics port, the SDK's runtime serves Prometheus
 * metrics there: task latencies, schedule-to-start, sticky cache size and hits, and caseflow's
 * counters from its activities.
 */
export function installRuntime(config: Pick<Config, 'logLevel' | 'metricsHost' | 'workerMetricsPort'>) {
  const pino = createPino('worker', config.logLevel);
  const level = config.logLevel === 'silent' ? 'ERROR' : config.logLevel === 'debug' ? 'DEBUG' : 'WARN';
  Runtime.install({
    logger: sdkLoggerOf(pino),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: level, other: level }), forward: {} },
      ...(config.workerMetricsPort !== undefined
        ? { metrics: { prometheus: { bindAddress: `${config.metricsHost}:${config.workerMetricsPort}` } } }
        : {}),
    },
  });
  return loggerOf(pino);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = installRuntime(config);
  const target = loadTemporalTarget();
  const tracingSettings = tracingSettingsFrom(config, 'worker');
  const tracing = tracingSettings && (await startTracing({ ...tracingSettings, log }));
  const connection = await connectWorkerConnection(target);
  // The archive activity reads histories back through the client API.
  const client = await connectClient(target, { interceptors: tracing?.clientInterceptors });
  const worker = await createCaseflowWorker({
    connection,
    namespace: target.namespace,
    taskQueue: config.taskQueue,
    payloadCodecs: target.payloadCodecs,
    maxCachedWorkflows: config.workerCachedWorkflows,
    tracing,
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
    ...(config.workerMetricsPort !== undefined
      ? { metrics: `http://${config.metricsHost}:${config.workerMetricsPort}/metrics` }
      : {}),
    cachedWorkflows: config.workerCachedWorkflows,
    ...(tracingSettings ? { tracing: tracingSettings } : {}),
  });
  // The SDK stops the worker gracefully on SIGINT/SIGTERM; run() resolves once it has drained.
  await worker.run();
  await connection.close();
  await client.connection.close();
  await tracing?.shutdown();
  log.info('worker stopped');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    const log = createLogger('worker');
    if (err instanceof ConfigError) log.error(err.message);
    else log.error('worker failed', { error: err });
    process.exit(1);
  });
}
