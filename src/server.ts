import type { Server } from 'node:http';
import { parseTargetEndpoints } from './activities/escalation-delivery';
import { createApp } from './api/app';
import { createLimitedServer } from './api/http-server';
import { KeysFileError, loadKeysFile } from './api/auth';
import { casePolicyFrom, ConfigError, loadConfig, portalSettingsFrom, webUiSettingsFrom } from './config';
import { createLogger } from './logger';
import { ApiMetrics, metricsApp, registerCaseflowGauges } from './api/metrics';
import { openVault } from './vault-setup';
import { connectClient, loadTemporalTarget } from './temporal/connection';
import { personalIndexFromEnv } from './temporal/personal-index';
import { startTracing, tracingSettingsFrom } from './temporal/tracing';

/** Attempts per Temporal call on UNAVAILABLE before the API gives up and answers 503. */
const API_CALL_ATTEMPTS = 3;

/** Starts the HTTP API; resolves once it listens. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger('api', config.logLevel);
  if (!config.apiKeysFile) {
    throw new ConfigError(
      'CASEFLOW_API_KEYS_FILE: required; it names the JSON file of principals and key hashes',
    );
  }
  const keys = loadKeysFile(config.apiKeysFile);
  const target = loadTemporalTarget();
  const tracingSettings = tracingSettingsFrom(config, 'api');
  // Loaded only when tracing is on: without it no request pays for a span or an interceptor.
  const tracing = tracingSettings && (await startTracing({ ...tracingSettings, log }));
  const requestTracing = tracing && (await import('./api/request-spans')).requestSpans(tracing.tracer);
  // Few attempts per call: when Temporal is down the API says so (503) within about a second.
  const client = await connectClient(target, {
    maxCallAttempts: API_CALL_ATTEMPTS,
    interceptors: tracing?.clientInterceptors,
  });
  const vault = openVault(config, 'reader');
  const metrics = new ApiMetrics({ processMetrics: true });
  registerCaseflowGauges(metrics, {
    client,
    vault,
    onError: (err) => log.warn('metrics gauges not refreshed', { error: err }),
  });
  const app = createApp({
    ...config,
    policy: casePolicyFrom(config),
    vault,
    metrics,
    escalationTargets: parseTargetEndpoints(config.escalationTargets),
    portal: portalSettingsFrom(config),
    webUi: webUiSettingsFrom(config),
    rateLimits: {
      principal: { perMinute: config.rateLimitPerMinute, burst: config.rateLimitBurst },
      callback: { perMinute: config.callbackRateLimitPerMinute, burst: config.callbackRateLimitBurst },
    },
    personalIndex: personalIndexFromEnv(),
    requestTracing,
    client,
    keys,
    log,
  });
  const server = createLimitedServer(app, {
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    maxHeaderBytes: config.maxHeaderBytes,
  });
  server.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // Metrics on their own port: scrapers get no way into the API, and the API's port shows no metrics.
  let metricsServer: Server | undefined;
  if (config.apiMetricsPort !== undefined) {
    metricsServer = metricsApp(metrics).listen(config.apiMetricsPort, config.metricsHost);
    await new Promise<void>((resolve, reject) => {
      metricsServer?.once('listening', resolve);
      metricsServer?.once('error', reject);
    });
  }
  log.info('api listening', {
    url: `http://${config.host}:${port}`,
    temporal: target.address,
    namespace: target.namespace,
    ...(metricsServer ? { metrics: `http://${config.metricsHost}:${config.apiMetricsPort}/metrics` } : {}),
    ...(tracingSettings ? { tracing: tracingSettings } : {}),
  });

  const stop = () => {
    log.info('api stopping');
    metricsServer?.close();
    server.close(() => {
      void client.connection
        .close()
        .then(() => tracing?.shutdown())
        .finally(() => process.exit(0));
    });
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  const log = createLogger('api');
  if (err instanceof ConfigError || err instanceof KeysFileError) log.error(err.message);
  else log.error('api failed to start', { error: err });
  process.exit(1);
});
