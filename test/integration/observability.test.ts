import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiMetrics, metricsApp, registerCaseflowGauges } from '../../src/api/metrics';
import { requestIdOf } from '../../src/temporal/request-id';
import { createFileVault } from '../../src/vault/credential-vault';
import { parseVaultKeys } from '../../src/vault/keyring';
import { caseWorkflowId } from '../../src/workflows/supportCase.messages';
import { deleteWorkflowsOnTaskQueue } from '../support/own-task-queue';
import { type RunningApi, intake, startApi } from '../support/harness';
import { freePort } from '../support/ports';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';

/*
 * caseflow's own worker entry point in its own process (its runtime serves the SDK's metrics), the
 * real API with request metrics and caseflow's gauges on a metrics listener, the shared dev server.
 */

const taskQueue = `observe-${randomUUID()}`;
const workDir = mkdtempSync(join(tmpdir(), 'caseflow-observe-'));
let worker: WorkerProcess;
let workerMetricsUrl: string;
let api: RunningApi;
let metricsServer: Server;
let apiMetricsUrl: string;
let gaugeClient: Client;

beforeAll(async () => {
  const workerPort = await freePort();
  workerMetricsUrl = `http://127.0.0.1:${workerPort}/metrics`;
  worker = startWorkerProcess({
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    CASEFLOW_TASK_QUEUE: taskQueue,
    CASEFLOW_DATA_DIR: workDir,
    CASEFLOW_LOG_LEVEL: 'info',
    CASEFLOW_WORKER_METRICS_PORT: String(workerPort),
  });
  const metrics = new ApiMetrics();
  gaugeClient = new Client({
    connection: await Connection.connect({ address: inject('temporalAddress') }),
    namespace: inject('temporalNamespace'),
  });
  registerCaseflowGauges(metrics, {
    client: gaugeClient,
    vault: createFileVault({
      path: inject('vaultFile'),
      keyring: parseVaultKeys(inject('vaultKeys')),
      access: 'reader',
    }),
    onError: (err) => console.error('gauges', err),
  });
  metricsServer = metricsApp(metrics).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => metricsServer.once('listening', resolve));
  const address = metricsServer.address();
  apiMetricsUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/metrics`;
  // Classified by the workflow's activity, so the worker's activity metrics have one to count.
  api = await startApi({ taskQueue, metrics, classifyIntake: null });
  await worker.waitForOutput('worker polling', 60_000);
});

afterAll(async () => {
  await deleteWorkflowsOnTaskQueue(inject('temporalAddress'), inject('temporalNamespace'), taskQueue);
  await worker?.stop(10_000);
  await api?.close();
  await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
  await gaugeClient?.connection.close();
  rmSync(workDir, { recursive: true, force: true });
});

/** The value of one series in a Prometheus text exposition, or undefined when it is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

const scrape = async (url: string) => {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return res.text();
};

describe('metrics, logs and request ids of a running case', () => {
  let caseId: string;

  it('answers the request id, and carries it into the case history', async () => {
    const requestId = `HD-4711-${randomUUID().slice(0, 8)}`;
    const res = await api.request('/v1/cases', {
      token: api.as.agent!.token,
      body: intake(),
      headers: { 'x-request-id': requestId },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    caseId = ((await res.json()) as { id: string }).id;

    // An id that does not fit is replaced by a fresh one, still answered.
    const other = await api.request(`/v1/cases/${caseId}`, {
      token: api.as.agent!.token,
      headers: { 'x-request-id': 'not allowed\u00e9' },
    });
    expect(other.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const assignId = `HD-4712-${randomUUID().slice(0, 8)}`;
    const assigned = await api.request(`/v1/cases/${caseId}/assign`, {
      token: api.as.agent!.token,
      body: { tier: 'tier-1', assignee: api.as.agent!.principal, reason: 'first line' },
      headers: { 'x-request-id': assignId },
    });
    expect(assigned.status).toBe(200);

    const history = await api.client.workflow.getHandle(caseWorkflowId(caseId)).fetchHistory();
    const events = history.events ?? [];
    const started = events.find((e) => e.workflowExecutionStartedEventAttributes);
    expect(requestIdOf(started?.workflowExecutionStartedEventAttributes?.header?.fields)).toBe(requestId);
    const accepted = events.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    expect(
      requestIdOf(
        accepted?.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.header?.fields,
      ),
    ).toBe(assignId);

    const logged = api.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toContainEqual(
      expect.objectContaining({ msg: 'request', requestId, method: 'POST', path: '/v1/cases', status: 201 }),
    );
  });

  it('serves the API metrics by route template and caseflow gauges from visibility', async () => {
    let status = 'new';
    await expect
      .poll(
        async () => {
          const r = await api.request(`/v1/cases/${caseId}`, { token: api.as.auditor!.token });
          status = ((await r.json()) as { status: string }).status;
          return status;
        },
        { timeout: 30_000, interval: 250 },
      )
      .not.toBe('new');
    const text = await scrape(apiMetricsUrl);
    expect(
      sample(text, 'caseflow_http_requests_total', { method: 'POST', route: '/v1/cases', status: '201' }),
    ).toBe(1);
    // The template, never the case id itself.
    expect(
      sample(text, 'caseflow_http_requests_total', { method: 'GET', route: '/v1/cases/:id', status: '200' }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(caseId);
    expect(
      sample(text, 'caseflow_http_request_duration_seconds_count', { method: 'POST', route: '/v1/cases' }),
    ).toBe(1);
    expect(sample(text, 'caseflow_gauges_up')).toBe(1);
    // Visibility catches up with the assignment's upsert shortly after.
    await expect
      .poll(
        async () =>
          sample(await scrape(apiMetricsUrl), 'caseflow_open_cases', { status, severity: 'C' }) ?? 0,
        { timeout: 30_000, interval: 1_000 },
      )
      .toBeGreaterThanOrEqual(1);
    for (const name of [
      'caseflow_sla_breached_open_cases',
      'caseflow_approvals_waiting',
      'caseflow_active_leases',
      'caseflow_oldest_lease_age_seconds',
      'caseflow_rotations_overdue',
    ]) {
      expect(sample(text, name), name).toBeGreaterThanOrEqual(0);
    }
  });

  it("serves the worker's runtime metrics, and the worker logs JSON only, the SDK's lines included", async () => {
    const text = await scrape(workerMetricsUrl);
    for (const name of [
      'temporal_workflow_task_schedule_to_start_latency',
      'temporal_workflow_task_execution_latency',
      'temporal_activity_execution_latency',
      'temporal_sticky_cache_size',
      'temporal_worker_task_slots_available',
    ]) {
      expect(text, name).toMatch(
        new RegExp(`^${name}(_bucket|_count|_sum)?\\{[^}]*task_queue="${taskQueue}"`, 'm'),
      );
    }
    expect(text).toMatch(/^temporal_sticky_cache_(hit|total_forced_eviction|miss)/m);

    const lines = worker
      .output()
      .split('\n')
      .filter((l) => l.trim() !== '');
    const parsed = lines.map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line: ${l}`);
      }
    });
    expect(parsed).toContainEqual(expect.objectContaining({ msg: 'worker polling', component: 'worker' }));
    expect(parsed.some((p) => typeof p.sdkComponent === 'string')).toBe(true);
  });
});
