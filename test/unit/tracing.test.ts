import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Attributes, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/tools';
import { ConfigError, loadConfig } from '../../src/config';
import { exportedAttributes, withoutPrivateData } from '../../src/temporal/tracing-sdk';
import { tracingSettingsFrom } from '../../src/temporal/tracing';

const settings = (env: Record<string, string>, process: 'api' | 'worker' = 'api') =>
  tracingSettingsFrom(loadConfig(env), process, env);

describe('tracing settings', () => {
  it('are off by default and with CASEFLOW_OTEL_EXPORTER=none', () => {
    expect(settings({})).toBeUndefined();
    expect(
      settings({ CASEFLOW_OTEL_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }),
    ).toBeUndefined();
  });

  it('name the service per process unless OTEL_SERVICE_NAME does', () => {
    expect(settings({ CASEFLOW_OTEL_EXPORTER: 'console' }, 'api')).toEqual({
      exporter: 'console',
      serviceName: 'caseflow-api',
    });
    expect(settings({ CASEFLOW_OTEL_EXPORTER: 'console' }, 'worker')?.serviceName).toBe('caseflow-worker');
    expect(
      settings({ CASEFLOW_OTEL_EXPORTER: 'console', OTEL_SERVICE_NAME: 'helpdesk-cases' }, 'worker')
        ?.serviceName,
    ).toBe('helpdesk-cases');
  });

  it('take OTLP with the standard endpoint variables', () => {
    expect(
      settings({ CASEFLOW_OTEL_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' }),
    ).toEqual({ exporter: 'otlp', serviceName: 'caseflow-api' });
    expect(
      settings({
        CASEFLOW_OTEL_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example.org/v1/traces',
      })?.exporter,
    ).toBe('otlp');
  });

  it('refuse bad values with a message naming the variable', () => {
    expect(() => settings({ CASEFLOW_OTEL_EXPORTER: 'jaeger' })).toThrow(ConfigError);
    expect(() => settings({ CASEFLOW_OTEL_EXPORTER: 'jaeger' })).toThrow(/CASEFLOW_OTEL_EXPORTER/);
    expect(() => settings({ CASEFLOW_OTEL_EXPORTER: 'otlp' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT: required with CASEFLOW_OTEL_EXPORTER=otlp/,
    );
    expect(() =>
      settings({ CASEFLOW_OTEL_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4318' }),
    ).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT: an http:\/\/ or https:\/\/ URL/);
    expect(() =>
      settings({
        CASEFLOW_OTEL_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://collector/v1/traces',
      }),
    ).toThrow(/OTEL_EXPORTER_OTLP_TRACES_ENDPOINT/);
    expect(() => settings({ CASEFLOW_OTEL_EXPORTER: 'console', OTEL_SERVICE_NAME: 'caseflow api' })).toThrow(
      /OTEL_SERVICE_NAME/,
    );
  });

  it('leave a process that does not trace without any OpenTelemetry module loaded', async () => {
    // The worker and API modules as their entry points load them, in a fresh process.
    const script = [
      "require('./src/worker');",
      "require('./src/api/app');",
      "require('./src/temporal/connection');",
      "const t = require('./src/temporal/tracing');",
      "if (t.tracingSettingsFrom({ otelExporter: 'none' }, 'api', {}) !== undefined) throw new Error('on');",
      // prom-client loads @opentelemetry/api (the API alone, for exemplars) whether tracing is on or not.
      'const loaded = Object.keys(require.cache).filter((k) => /opentelemetry/.test(k) && !/@opentelemetry[\\/]api[\\/]/.test(k));',
      'console.log(JSON.stringify(loaded));',
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: repoRoot,
    });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual([]);
  }, 60_000);
});

describe('what an exported span may hold', () => {
  it('keeps the Temporal and HTTP attributes it names, and drops everything else', () => {
    const workflowInfoExtras = {
      memo: { requesterId: 'u-1001' },
      searchAttributes: { RequesterId: ['k1:0f3a'] },
      cronSchedule: 'requester u-1001',
    } as unknown as Attributes;
    expect(
      exportedAttributes({
        temporalWorkflowId: 'case:2b1f7c1e-5f3a-4c55-9c1d-0d7a4c1f2e3a',
        workflowType: 'supportCase',
        temporalActivityId: '1',
        'http.route': '/v1/cases/:id',
        'http.response.status_code': 200,
        'caseflow.case_id': '2b1f7c1e-5f3a-4c55-9c1d-0d7a4c1f2e3a',
        // What the workflow span sink copies from the workflow's info, and what nobody may add.
        ...workflowInfoExtras,
        'http.url': 'http://api/v1/cases?requester=u-1001',
        'enduser.id': 'anna.berg',
        temporalTerminateReason: 'Anna Berg asked to close',
      }),
    ).toEqual({
      temporalWorkflowId: 'case:2b1f7c1e-5f3a-4c55-9c1d-0d7a4c1f2e3a',
      workflowType: 'supportCase',
      temporalActivityId: '1',
      'http.route': '/v1/cases/:id',
      'http.response.status_code': 200,
      'caseflow.case_id': '2b1f7c1e-5f3a-4c55-9c1d-0d7a4c1f2e3a',
    });
  });

  it("hides a device owner's workflow id, which holds the device serial", () => {
    expect(
      exportedAttributes({ temporalWorkflowId: 'device:PF3XK9Z', workflowId: 'device:PF3XK9Z' }),
    ).toEqual({
      temporalWorkflowId: 'device:redacted',
      workflowId: 'device:redacted',
    });
    expect(exportedAttributes({ workflowId: 'case:1e2d:elevation:1' })).toEqual({
      workflowId: 'case:1e2d:elevation:1',
    });
  });

  it("keeps an error's type but not its message, stack or status description", () => {
    const span = {
      name: 'RunActivity:deliverEscalation',
      attributes: { temporalActivityId: '3', note: 'Anna Berg' },
      events: [
        {
          name: 'exception',
          time: [0, 0],
          attributes: {
            'exception.type': 'ApplicationFailure',
            'exception.message': 'device PF3XK9Z of Anna Berg refused',
            'exception.stacktrace': 'at …',
          },
        },
      ],
      status: { code: SpanStatusCode.ERROR, message: 'device PF3XK9Z of Anna Berg refused' },
      spanContext: () => ({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 }),
    } as unknown as ReadableSpan;
    const exported = withoutPrivateData(span);
    expect(exported.name).toBe('RunActivity:deliverEscalation');
    expect(exported.spanContext().traceId).toBe('a'.repeat(32));
    expect(exported.attributes).toEqual({ temporalActivityId: '3' });
    expect(exported.events).toEqual([
      { name: 'exception', time: [0, 0], attributes: { 'exception.type': 'ApplicationFailure' } },
    ]);
    expect(exported.status).toEqual({ code: SpanStatusCode.ERROR });
    const { attributes, events, status } = exported;
    expect(JSON.stringify({ attributes, events, status })).not.toMatch(/Anna|PF3XK9Z/);
  });
});
