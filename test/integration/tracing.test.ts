import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { defaultPayloadConverter } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTracing, type Tracing } from '../../src/temporal/tracing';
import { bundleWorkflows, createCaseflowWorker, LIVE_SINKS } from '../../src/worker';
import { caseWorkflowId } from '../../src/workflows/supportCase.messages';
import { deleteWorkflowsOnTaskQueue } from '../support/own-task-queue';
import { intake, type RunningApi, startApi } from '../support/harness';
import { leakedSecrets } from '../support/secret-scan';

/*
 * Tracing on, with spans kept in memory: the real API (request spans, traced client) and a real
 * worker in this process (traced activities, the workflow interceptors bundled with the
 * workflows, workflow spans through the sink) on their own task queue of the shared dev server.
 */

const taskQueue = `tracing-${randomUUID()}`;
const spans = new InMemorySpanExporter();
let tracing: Tracing;
let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let api: RunningApi;

beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Installed already in this process.
  }
  tracing = await startTracing({ serviceName: 'caseflow-test', exporter: spans });
  connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  worker = await createCaseflowWorker({
    connection,
    namespace: inject('temporalNamespace'),
    taskQueue,
    workflowBundle: await bundleWorkflows({
      workflowInterceptorModules: tracing.workerInterceptors.workflowModules,
    }),
    tracing,
  });
  running = worker.run();
  // Classified by the workflow's activity, so the trace reaches an activity.
  api = await startApi({ taskQueue, tracing, classifyIntake: null });
});

afterAll(async () => {
  await deleteWorkflowsOnTaskQueue(inject('temporalAddress'), inject('temporalNamespace'), taskQueue);
  await api?.close();
  worker?.shutdown();
  await running;
  await connection?.close();
  await tracing?.shutdown();
});

/** The finished spans, once `ready` holds of them (workflow spans arrive after their workflow task). */
async function spansWhen(
  ready: (all: ReadableSpan[]) => boolean,
  timeoutMs = 20_000,
): Promise<ReadableSpan[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = spans.getFinishedSpans();
    if (ready(all)) return all;
    if (Date.now() > deadline) {
      throw new Error(`spans so far: ${all.map((s) => `${s.name} ${s.spanContext().traceId}`).join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const inTrace = (all: ReadableSpan[], traceId: string) =>
  all.filter((s) => s.spanContext().traceId === traceId);
const named = (all: ReadableSpan[], name: string) => all.find((s) => s.name === name);

describe('a case traced from the HTTP request through the workflow into its activities', () => {
  const opened = intake();
  let caseId: string;

  it('puts the request, the workflow start, the workflow and its classify activity in one trace', async () => {
    const res = await api.request('/v1/cases', {
      token: api.as.agent!.token,
      body: opened,
      // A caller's trace context is not followed: the API starts the trace.
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    expect(res.status).toBe(201);
    caseId = ((await res.json()) as { id: string }).id;

    const request = (await spansWhen((all) => all.some((s) => s.name === 'POST /v1/cases'))).find(
      (s) => s.name === 'POST /v1/cases',
    )!;
    const traceId = request.spanContext().traceId;
    expect(traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
    expect(request.kind).toBe(SpanKind.SERVER);
    expect(request.parentSpanId).toBeUndefined();
    expect(request.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/cases',
      'http.response.status_code': 201,
    });

    const trace = inTrace(
      // The workflow's span of the activity ends once the workflow has its result, after the run's.
      await spansWhen((all) =>
        ['RunActivity:classifyCase', 'StartActivity:classifyCase'].every((name) =>
          inTrace(all, traceId).some((s) => s.name === name),
        ),
      ),
      traceId,
    );
    const start = named(trace, 'StartWorkflow:supportCase');
    const scheduled = named(trace, 'StartActivity:classifyCase');
    const ran = named(trace, 'RunActivity:classifyCase');
    // The client's start is the request's child; the workflow's span of the activity (made in the
    // sandbox, exported through the sink) and the worker's run of it continue the same trace.
    expect(start?.parentSpanId).toBe(request.spanContext().spanId);
    expect(start?.attributes.temporalWorkflowId).toBe(caseWorkflowId(caseId));
    expect(scheduled).toBeDefined();
    expect(scheduled?.attributes).toMatchObject({
      workflowId: caseWorkflowId(caseId),
      workflowType: 'supportCase',
    });
    expect(ran?.parentSpanId).toBe(scheduled?.spanContext().spanId);
    expect(ran?.attributes.temporalWorkflowId).toBe(caseWorkflowId(caseId));

    // The trace header stored in the history holds the W3C trace context and nothing else.
    const history = await api.client.workflow.getHandle(caseWorkflowId(caseId)).fetchHistory();
    const startedHeader = history.events?.[0]?.workflowExecutionStartedEventAttributes?.header?.fields;
    const carried = defaultPayloadConverter.fromPayload<Record<string, string>>(
      startedHeader!['_tracer-data']!,
    );
    expect(Object.keys(carried)).toEqual(['traceparent']);
    expect(carried.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });

  it('traces an update and a query into the workflow under their own requests', async () => {
    const assigned = await api.request(`/v1/cases/${caseId}/assign`, {
      token: api.as.agent!.token,
      body: { tier: 'tier-1', assignee: api.as.agent!.principal, reason: 'first line' },
    });
    expect(assigned.status).toBe(200);
    // A probe before it is not traced at all.
    expect((await api.request('/readyz')).status).toBe(200);
    const read = await api.request(`/v1/cases/${caseId}`, { token: api.as.agent!.token });
    expect(read.status).toBe(200);

    const all = await spansWhen((s) =>
      ['POST /v1/cases/:id/assign', 'GET /v1/cases/:id'].every((name) => {
        const request = named(s, name);
        return (
          request !== undefined &&
          inTrace(s, request.spanContext().traceId).some((t) => /^Handle(Update|Query):/.test(t.name))
        );
      }),
    );
    const update = named(all, 'POST /v1/cases/:id/assign')!;
    expect(update.attributes['caseflow.case_id']).toBe(caseId);
    const updateTrace = inTrace(all, update.spanContext().traceId).map((s) => s.name);
    expect(updateTrace).toEqual(expect.arrayContaining([expect.stringMatching(/^StartWorkflowUpdate:/)]));
    expect(updateTrace).toEqual(expect.arrayContaining([expect.stringMatching(/^HandleUpdate:/)]));
    expect(all.filter((s) => s.name.includes('readyz'))).toEqual([]);
    const query = named(all, 'GET /v1/cases/:id')!;
    const queryTrace = inTrace(all, query.spanContext().traceId).map((s) => s.name);
    expect(queryTrace).toEqual(expect.arrayContaining([expect.stringMatching(/^QueryWorkflow:/)]));
    expect(queryTrace).toEqual(expect.arrayContaining([expect.stringMatching(/^HandleQuery:/)]));
  });

  it('leaves a history that replays on a worker without tracing, so tracing can be turned off with cases open', async () => {
    const history = await api.client.workflow.getHandle(caseWorkflowId(caseId)).fetchHistory();
    await expect(
      Worker.runReplayHistory({ workflowBundle: await bundleWorkflows(), sinks: LIVE_SINKS }, history),
    ).resolves.toBeUndefined();
  });

  it('exports no token, personal data or case text in any span', () => {
    const requester = opened.requester as { id: string; name: string; contact: string };
    const device = opened.device as { serial: string };
    const secrets = [
      ...Object.values(api.as).map((p) => p.token),
      requester.id,
      requester.name,
      requester.contact,
      device.serial,
      opened.title as string,
      opened.description as string,
      opened.externalTicketId as string,
    ];
    const exported = spans.getFinishedSpans().map((s) => ({
      name: s.name,
      attributes: s.attributes,
      events: s.events,
      status: s.status,
      resource: s.resource.attributes,
    }));
    expect(exported.length).toBeGreaterThan(5);
    expect(leakedSecrets(JSON.stringify(exported), secrets)).toEqual([]);
  });
});
