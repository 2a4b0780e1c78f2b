import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

/*
 * Bundled with the workflows only when tracing is on (TRACING_WORKFLOW_INTERCEPTORS): each
 * workflow continues the trace its start, update or signal carries in its headers, and passes it
 * on to its activities and child workflows. Spans are made inside the sandbox and leave it
 * through the `exporter` sink after each workflow task (never during replay). They record no
 * command and change no history event but the trace header of what the workflow schedules.
 */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new OpenTelemetryInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
