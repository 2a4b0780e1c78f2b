import { join } from 'node:path';
import { z } from 'zod';
import type { Tracer } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import { type Config, ConfigError } from '../config';
import type { Logger } from '../logger';

/*
 * OpenTelemetry tracing, off unless an exporter is configured (CASEFLOW_OTEL_EXPORTER). This module
 * only reads the settings and is cheap to import: the OpenTelemetry SDK (tracing-sdk.ts) is loaded
 * by startTracing, so a process without tracing loads none of it, adds no interceptor to its
 * Temporal client or worker, no middleware to its HTTP requests, and no module to the workflow
 * bundle.
 */

export type TracedProcess = 'api' | 'worker';

export interface TracingSettings {
  /** `otlp`: OTLP over HTTP (protobuf) to OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT; `console`: a log line per span. */
  exporter: 'otlp' | 'console';
  /** OTEL_SERVICE_NAME, else `caseflow-api` or `caseflow-worker`. */
  serviceName: string;
}

/** OpenTelemetry's standard variables a deployment passes to tracing processes (besides CASEFLOW_OTEL_EXPORTER). */
export const OTEL_SETTINGS = [
  'OTEL_SERVICE_NAME',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
] as const;

/** The workflow interceptor module a tracing worker's bundle must include (webpack resolves the extension). */
export const TRACING_WORKFLOW_INTERCEPTORS = join(__dirname, 'tracing-workflow-interceptors');

const endpoint = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' });
const serviceName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, dot, underscore or dash (at most 100)');

/**
 * The tracing settings of a process, or undefined when tracing is off (the default). The
 * OTEL_* variables are OpenTelemetry's standard ones; the exporter reads the rest of them itself
 * (OTEL_EXPORTER_OTLP_HEADERS, timeouts, compression; OTEL_TRACES_SAMPLER, OTEL_BSP_*).
 */
export function tracingSettingsFrom(
  config: Pick<Config, 'otelExporter'>,
  process: TracedProcess,
  env: NodeJS.ProcessEnv = globalThis.process.env,
): TracingSettings | undefined {
  if (config.otelExporter === 'none') return undefined;
  const problems: string[] = [];
  const name = env.OTEL_SERVICE_NAME || `caseflow-${process}`;
  const nameResult = serviceName.safeParse(name);
  if (!nameResult.success) problems.push(`OTEL_SERVICE_NAME: ${nameResult.error.issues[0]?.message}`);
  if (config.otelExporter === 'otlp') {
    const urls = ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'] as const;
    const given = urls.filter((key) => env[key]);
    if (given.length === 0) {
      problems.push(
        'OTEL_EXPORTER_OTLP_ENDPOINT: required with CASEFLOW_OTEL_EXPORTER=otlp (the collector, e.g. http://otel-collector:4318)',
      );
    }
    for (const key of given) {
      const result = endpoint.safeParse(env[key]);
      if (!result.success) problems.push(`${key}: ${result.error.issues[0]?.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return { exporter: config.otelExporter, serviceName: name };
}

/** What a tracing process wires into its Temporal client, its worker and its HTTP server. */
export interface Tracing {
  readonly tracer: Tracer;
  /** For every Temporal client of the process: starts, signals, updates and queries carry the active span. */
  readonly clientInterceptors: WorkflowClientInterceptor[];
  /** For the worker: activity spans, and the workflow interceptors (bundled with the workflows). */
  readonly workerInterceptors: Required<Pick<WorkerInterceptors, 'activity' | 'workflowModules'>>;
  /** Where workflow code hands its finished spans (they are made inside the sandbox). */
  readonly sinks: InjectedSinks<OpenTelemetrySinks>;
  /** Sends what is still buffered and stops. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  serviceName: string;
  /** Where spans go: an exporter (tests pass an in-memory one), or one of the configured kinds. */
  exporter: TracingSettings['exporter'] | SpanExporter;
  /** The console exporter's destination. */
  log?: Logger;
}

/**
 * Loads the OpenTelemetry SDK and makes this process's tracer provider (registered as the
 * global one, with an AsyncLocalStorage context manager and W3C trace context propagation).
 * Once per process.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  const { createTracing } = await import('./tracing-sdk');
  return createTracing(options);
}
