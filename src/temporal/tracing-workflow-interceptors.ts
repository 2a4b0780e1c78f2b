import './tracing-workflow-globals';
import {
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  type IdGenerator,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import type { OpenTelemetrySinks, SerializableSpan } from '@temporalio/interceptors-opentelemetry';
import {
  AsyncLocalStorage,
  ContinueAsNew,
  getRandomStream,
  proxySinks,
  workflowInfo,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
  type WorkflowRandomStream,
} from '@temporalio/workflow';

/*
 * Workflow spans, bundled with the workflows only when tracing is on (TRACING_WORKFLOW_INTERCEPTORS).
 * A workflow continues the trace its start, update, signal or query carries in its headers and
 * passes it on to the activities, child workflows and signals it sends; the spans leave the
 * sandbox through the `exporter` sink of @temporalio/interceptors-opentelemetry after each
 * workflow task (never during replay), and the worker's side of that package turns them back into
 * spans. Span names are that package's.
 *
 * Why not that package's own workflow interceptors: they wrap what they intercept in extra async
 * steps, so a workflow resumes a few microtasks later after an activity, a handler or its own
 * start than it would without them; code that runs several things at once (handlers beside the
 * main loop) then issues its commands in another order, and open cases stop replaying when
 * tracing is switched on or off (the golden histories show it). These interceptors hand back the
 * very promise the next interceptor returns and watch it from the side; their span and trace ids
 * come from a random stream of their own, never from the workflow's Math.random. So a worker may
 * turn tracing on or off with any number of cases open.
 */

/** The header @temporalio/interceptors-opentelemetry uses, so clients, workflows and activities agree. */
const TRACE_HEADER = '_tracer-data';
const propagator = new W3CTraceContextPropagator();
const current = new AsyncLocalStorage<Context>();
const activeContext = (): Context => current.getStore() ?? ROOT_CONTEXT;

function contextFrom(headers: Headers): Context | undefined {
  const payload = headers[TRACE_HEADER];
  if (payload === undefined) return undefined;
  const carrier = defaultPayloadConverter.fromPayload<Record<string, string>>(payload);
  const context = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
  return trace.getSpanContext(context) ? context : undefined;
}

function headersWith(headers: Headers, context: Context): Headers {
  const carrier: Record<string, string> = {};
  propagator.inject(context, carrier, defaultTextMapSetter);
  return { ...headers, [TRACE_HEADER]: defaultPayloadConverter.toPayload(carrier) };
}

const fmix32 = (value: number): number => {
  let h = value;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

/**
 * Span and trace ids. In workflow code proper they come from a named random stream: deterministic
 * like everything there, and apart from Math.random, which the workflow's own code may draw from.
 * Queries and update validators are not replayed, so spans made in them take their ids from the
 * caller's span id instead: drawing from the stream there would make a replayed workflow give out
 * ids it gave out before.
 */
class WorkflowSpanIds implements IdGenerator {
  private stream: WorkflowRandomStream | undefined;
  private outOfHistory: { seed: [number, number]; drawn: number } | undefined;

  generateTraceId(): string {
    return this.hex(16);
  }
  generateSpanId(): string {
    return this.hex(8);
  }

  outsideHistory<T>(callerSpanId: string, make: () => T): T {
    const seed: [number, number] = [
      Number.parseInt(callerSpanId.slice(0, 8), 16),
      Number.parseInt(callerSpanId.slice(8, 16), 16),
    ];
    this.outOfHistory = { seed, drawn: 0 };
    try {
      return make();
    } finally {
      this.outOfHistory = undefined;
    }
  }

  private hex(bytes: number): string {
    const out = new Uint8Array(bytes);
    const from = this.outOfHistory;
    if (from) {
      for (let i = 0; i < bytes; i += 4) {
        const word = fmix32(from.seed[(i / 4) % 2]! ^ fmix32(++from.drawn + 0x9e3779b9));
        for (let b = 0; b < 4 && i + b < bytes; b++) out[i + b] = (word >>> (8 * b)) & 0xff;
      }
    } else {
      (this.stream ??= getRandomStream('caseflow-tracing')).fill(out);
    }
    if (out.every((b) => b === 0)) out[0] = 1; // all zeros is the invalid id
    return Array.from(out, (b) => b.toString(16).padStart(2, '0')).join('');
  }
}

/** Hands finished spans to the worker through the sink, in the form that package's worker side reads. */
class SinkExporter implements SpanExporter {
  private readonly sink = proxySinks<OpenTelemetrySinks>().exporter;
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.sink.export(spans.map(serializable));
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function serializable(span: ReadableSpan): SerializableSpan {
  const { traceState, ...spanContext } = span.spanContext();
  return {
    name: span.name,
    kind: span.kind,
    spanContext: { ...spanContext, traceState: traceState?.serialize() },
    parentSpanId: span.parentSpanId,
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes: span.attributes,
    links: span.links,
    events: span.events,
    duration: span.duration,
    ended: span.ended,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
    instrumentationLibrary: span.instrumentationLibrary,
  };
}

// One of each per workflow: the bundle's modules are loaded per workflow (this one is not preloaded).
const ids = new WorkflowSpanIds();
let tracer: Tracer | undefined;
const workflowTracer = (): Tracer =>
  (tracer ??= new BasicTracerProvider({
    idGenerator: ids,
    spanProcessors: [new SimpleSpanProcessor(new SinkExporter())],
  }).getTracer('caseflow-workflow'));

function finish(span: Span, err?: unknown): void {
  if (err === undefined || err instanceof ContinueAsNew) {
    span.setStatus({ code: SpanStatusCode.OK });
  } else {
    span.setStatus({ code: SpanStatusCode.ERROR });
    if (err instanceof Error) span.recordException(err);
  }
  span.end();
}

/** Returns `promise` itself, so whoever awaits it resumes exactly when they would without tracing. */
function endsWith<T>(span: Span, promise: Promise<T>): Promise<T> {
  promise.then(
    () => finish(span),
    (err: unknown) => finish(span, err),
  );
  return promise;
}

function spanOf(name: string, parent: Context, attributes: Record<string, string> = {}): Span {
  return workflowTracer().startSpan(name, { attributes }, parent);
}

/** A span for something sent out of the workflow, and the headers that carry it. */
function outgoing(name: string, headers: Headers): { span: Span; headers: Headers } {
  const parent = activeContext();
  const span = spanOf(name, parent);
  return { span, headers: headersWith(headers, trace.setSpan(parent, span)) };
}

/** Messages are traced only when their sender traced them (a trace context in their headers). */
function handled<T>(
  name: string,
  headers: Headers,
  run: () => Promise<T>,
  attributes?: Record<string, string>,
) {
  const parent = contextFrom(headers);
  if (!parent) return run();
  const span = spanOf(name, parent, attributes);
  return endsWith(
    span,
    current.run(trace.setSpan(parent, span), () => run()),
  );
}

/** A span made outside the history (query, validator): its ids come from the caller's span id. */
function outsideHistorySpan(name: string, headers: Headers, attributes?: Record<string, string>) {
  const parent = contextFrom(headers);
  const caller = parent && trace.getSpanContext(parent);
  if (!parent || !caller) return undefined;
  const span = ids.outsideHistory(caller.spanId, () => spanOf(name, parent, attributes));
  return { span, context: trace.setSpan(parent, span) };
}

const inbound: WorkflowInboundCallsInterceptor = {
  execute(input, next) {
    // Every run has its span; a run started without a trace context starts a trace of its own.
    const parent = contextFrom(input.headers) ?? ROOT_CONTEXT;
    const span = spanOf(`RunWorkflow:${workflowInfo().workflowType}`, parent);
    return endsWith(
      span,
      current.run(trace.setSpan(parent, span), () => next(input)),
    );
  },
  handleSignal: (input, next) =>
    handled(`HandleSignal:${input.signalName}`, input.headers, () => next(input)),
  handleUpdate: (input, next) =>
    handled(`HandleUpdate:${input.name}`, input.headers, () => next(input), {
      temporalUpdateId: input.updateId,
    }),
  validateUpdate(input, next) {
    const traced = outsideHistorySpan(`ValidateUpdate:${input.name}`, input.headers, {
      temporalUpdateId: input.updateId,
    });
    if (!traced) return next(input);
    try {
      current.run(traced.context, () => next(input));
      finish(traced.span);
    } catch (err) {
      finish(traced.span, err);
      throw err;
    }
  },
  handleQuery(input, next) {
    const traced = outsideHistorySpan(`HandleQuery:${input.queryName}`, input.headers);
    if (!traced) return next(input);
    return endsWith(
      traced.span,
      current.run(traced.context, () => next(input)),
    );
  },
};

const outbound: WorkflowOutboundCallsInterceptor = {
  scheduleActivity(input, next) {
    const { span, headers } = outgoing(`StartActivity:${input.activityType}`, input.headers);
    return endsWith(span, next({ ...input, headers }));
  },
  scheduleLocalActivity(input, next) {
    const { span, headers } = outgoing(`StartActivity:${input.activityType}`, input.headers);
    return endsWith(span, next({ ...input, headers }));
  },
  startChildWorkflowExecution(input, next) {
    const { span, headers } = outgoing(`StartChildWorkflow:${input.workflowType}`, input.headers);
    return endsWith(span, next({ ...input, headers }));
  },
  signalWorkflow(input, next) {
    const { span, headers } = outgoing(`SignalWorkflow:${input.signalName}`, input.headers);
    return endsWith(span, next({ ...input, headers }));
  },
  continueAsNew(input, next) {
    const { span, headers } = outgoing(`ContinueAsNew:${input.options.workflowType}`, input.headers);
    return endsWith(span, next({ ...input, headers }));
  },
  getLogAttributes(input, next) {
    const spanContext = trace.getSpanContext(activeContext());
    return next(
      spanContext && isSpanContextValid(spanContext)
        ? { trace_id: spanContext.traceId, span_id: spanContext.spanId, ...input }
        : input,
    );
  },
};

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [inbound],
  outbound: [outbound],
  internals: [
    {
      dispose(input, next) {
        current.disable();
        next(input);
      },
    },
  ],
});
