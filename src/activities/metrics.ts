import type { Context } from '@temporalio/activity';

/*
 * caseflow's counters kept by its activities, through the SDK's metric meter: the worker's runtime
 * serves them on its Prometheus endpoint (CASEFLOW_WORKER_METRICS_PORT) beside the SDK's own, tagged
 * with namespace, task queue and activity type. Outside a running activity nothing is counted.
 */

/** A case's SLA reached 75 % of a target (`sla-at-risk`) or passed it (`sla-breach`): counted once. */
export function countCaseEvent(context: Context | undefined, type: string): void {
  if (!context || context.info.attempt !== 1) return;
  if (type !== 'sla-at-risk' && type !== 'sla-breach') return;
  context.metricMeter
    .createCounter('caseflow_sla_events', 'events', 'SLA targets at risk (75 %) or breached')
    .add(1, { event: type });
}

/** One delivery attempt of a signed webhook to one receiver, by outcome; never the receiver's URL. */
export function countDelivery(
  context: Context | undefined,
  labels: { kind: 'notification' | 'escalation'; receiver: string; outcome: 'delivered' | 'failed' },
): void {
  context?.metricMeter
    .createCounter('caseflow_webhook_deliveries', 'attempts', 'Webhook delivery attempts by outcome')
    .add(1, labels);
}
