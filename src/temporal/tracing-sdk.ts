import { context, propagation, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { type ExportResult, ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
  type TimedEvent,
} from '@opentelemetry/sdk-trace-base';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { Logger } from '../logger';
import { TRACING_WORKFLOW_INTERCEPTORS, type Tracing, type TracingOptions } from './tracing';

/*
 * The OpenTelemetry SDK side of tracing, loaded only when tracing is on (see tracing.ts).
 */

/** Span attributes that may leave the process; every other attribute is dropped before export. */
const EXPORTED_ATTRIBUTES = new Set([
  // Set by Temporal's interceptors and by the workflow span sink (from the workflow's info).
  'temporalWorkflowId',
  'workflowId',
  'run_id',
  'runId',
  'temporalActivityId',
  'temporalUpdateId',
  'workflowType',
  'taskQueue',
  'namespace',
  'attempt',
  // Set by the API's request spans (src/api/request-spans.ts).
  'http.request.method',
  'http.route',
  'http.response.status_code',
  'caseflow.case_id',
  'caseflow.request_id',
]);

/** Workflow ids that name nothing about a person; a device owner's id (`device:<serial>`) does. */
const PLAIN_WORKFLOW_ID = /^(case|incident):[A-Za-z0-9:-]+$/;

function exportedValue(key: string, value: Attributes[string]): Attributes[string] {
  if ((key === 'temporalWorkflowId' || key === 'workflowId') && typeof value === 'string') {
    return PLAIN_WORKFLOW_ID.test(value) ? value : `${value.split(':')[0]}:redacted`;
  }
  return value;
}

export function exportedAttributes(attributes: Attributes): Attributes {
  const kept: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (!EXPORTED_ATTRIBUTES.has(key) || value === undefined) continue;
    if (typeof value === 'object' && !Array.isArray(value)) continue;
    kept[key] = exportedValue(key, value);
  }
  return kept;
}

/** An error's type goes out, never its message or stack: either can quote a case's text. */
function exportedEvent(event: TimedEvent): TimedEvent {
  const type = event.attributes?.['exception.type'];
  return {
    ...event,
    attributes: event.name === 'exception' && typeof type === 'string' ? { 'exception.type': type } : {},
  };
}

/**
 * A span as it may be exported: the allowed attributes only, error events without their
 * messages, and the status without its description. Everything else reads through to the span.
 */
export function withoutPrivateData(span: ReadableSpan): ReadableSpan {
  return Object.create(span, {
    attributes: { value: exportedAttributes(span.attributes), enumerable: true },
    events: { value: span.events.map(exportedEvent), enumerable: true },
    status: { value: { code: span.status.code }, enumerable: true },
  }) as ReadableSpan;
}

/** Every exporter of the process sits behind this, workflow spans included. */
class PrivateDataFilter implements SpanExporter {
  constructor(private readonly next: SpanExporter) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.next.export(spans.map(withoutPrivateData), done);
  }
  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.next.forceFlush?.() ?? Promise.resolve();
  }
}

const hrMs = ([s, ns]: [number, number]) => s * 1000 + ns / 1e6;

/** `console`: one JSON log line per span, through the process's logger. */
class LogSpanExporter implements SpanExporter {
  constructor(private readonly log: Logger) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      const { traceId, spanId } = span.spanContext();
      this.log.info('span', {
        traceId,
        spanId,
        parentSpanId: span.parentSpanId,
        name: span.name,
        ms: Math.round(hrMs(span.duration) * 1000) / 1000,
        status: SpanStatusCode[span.status.code],
        attributes: span.attributes,
      });
    }
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function exporterOf(options: TracingOptions): SpanExporter {
  if (options.exporter === 'otlp') return new OTLPTraceExporter();
  if (options.exporter === 'console') {
    if (!options.log) throw new Error('the console span exporter needs a logger');
    return new LogSpanExporter(options.log);
  }
  return options.exporter;
}

export function createTracing(options: TracingOptions): Tracing {
  const exporter = new PrivateDataFilter(exporterOf(options));
  // OTLP sends in batches off the request path; the others (a log line, a test's memory) at once.
  const processor =
    options.exporter === 'otlp' ? new BatchSpanProcessor(exporter) : new SimpleSpanProcessor(exporter);
  const provider = new BasicTracerProvider({
    resource: new Resource({ 'service.name': options.serviceName }),
    spanProcessors: [processor],
  });
  // Trace context only: no baggage, and no caller's context is read (the API starts each trace).
  provider.register({
    contextManager: new AsyncLocalStorageContextManager().enable(),
    propagator: new W3CTraceContextPropagator(),
  });
  const tracer = provider.getTracer('caseflow');
  const workflowSpans = makeWorkflowExporter(processor, provider.resource);
  return {
    tracer,
    clientInterceptors: [new OpenTelemetryWorkflowClientInterceptor({ tracer })],
    workerInterceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
      workflowModules: [TRACING_WORKFLOW_INTERCEPTORS],
    },
    sinks: { exporter: workflowSpans },
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
