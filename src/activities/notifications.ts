import { Context } from '@temporalio/activity';
import { countCaseEvent, countDelivery } from './metrics';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { severitySchema } from '../schemas/categories-schema';
import { NOTIFICATION_TYPES } from '../domain/notifications';
import {
  createSignedWebhookClient,
  WEBHOOK_UNAVAILABLE,
  WebhookProblem,
  webhookUrlProblem,
} from './signed-webhook';

/**
 * Outbound notifications: signed JSON webhooks to every configured receiver.
 *
 * Delivery is at-least-once. A failure at any receiver fails the whole activity so Temporal retries
 * it, and a retry posts to every receiver again, including those that already answered 2xx: no
 * delivery state is kept in memory, because a retry may run on another worker. Receivers must
 * therefore dedupe by the `idempotency-key` header, which is the notification's own stable `id`
 * (the workflow derives it deterministically, so it is the same on every attempt and on replay).
 * Receivers authenticate a request by checking `caseflow-signature` with `verifySignature`.
 */

export const caseNotificationSchema = z.object({
  // Travels as an HTTP header, so only visible ASCII: no spaces, and no CR/LF to split headers with.
  id: z.string().regex(/^[\x21-\x7e]{1,200}$/, 'visible ASCII without spaces, at most 200 characters'),
  type: z.enum(NOTIFICATION_TYPES),
  caseId: z.string().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
  severity: severitySchema,
  summary: z.string(),
  audience: z.enum(['it-admins', 'requester', 'case-team']).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export type CaseNotification = z.infer<typeof caseNotificationSchema>;

export interface NotificationDelivery {
  /** Receivers that answered 2xx, as origin and path: query strings often carry tokens. */
  deliveredTo: string[];
  attempt: number;
}

/**
 * A delivery made as a local activity, with what the case's timeline shows of the notice: a
 * local activity's history records its result, not its input.
 */
export interface ImmediateDelivery extends NotificationDelivery {
  notice: Pick<CaseNotification, 'id' | 'type' | 'summary' | 'audience'>;
}

export interface NotificationDeps {
  /** `name` is what records show: a webhook URL often carries its secret (Teams, Slack). */
  webhooks: { url: string; name?: string }[];
  secret: string | undefined;
  fetchImpl?: typeof fetch;
  /** Milliseconds since the epoch; the signature carries it in seconds. */
  now?: () => number;
  timeoutMs?: number;
}

export const NOTIFIER_USER_AGENT = 'caseflow-notifier';

export interface DeliveryProblem {
  /** Host and path only, never the query, so the message is safe to record in workflow history. */
  target: string;
  problem: string;
}

/** Retryable on purpose: receivers come back, and the idempotency key makes repeats harmless. */
export class WebhookDeliveryError extends ApplicationFailure {
  constructor(
    notificationId: string,
    readonly failures: readonly DeliveryProblem[],
  ) {
    const list = failures.map((f) => `${f.target} (${f.problem})`).join('; ');
    super(`webhook delivery of notification ${notificationId} failed: ${list}`, WEBHOOK_UNAVAILABLE, false);
  }
}

export function createNotificationActivities(deps: NotificationDeps) {
  const client = createSignedWebhookClient({
    userAgent: NOTIFIER_USER_AGENT,
    fetchImpl: deps.fetchImpl,
    now: deps.now,
    timeoutMs: deps.timeoutMs,
  });

  const activities = {
    async notify(event: CaseNotification): Promise<NotificationDelivery> {
      const context = activityContext();
      const attempt = context?.info.attempt ?? 1;
      countCaseEvent(context, event.type);
      if (deps.webhooks.length === 0) return { deliveredTo: [], attempt };

      const secret = requireSecret(deps.secret);
      const notification = parseNotification(event);
      const body = JSON.stringify(notification);
      const cancellation = context?.cancellationSignal;
      const outcomes = await Promise.all(
        deps.webhooks.map(async ({ url }) => {
          const request = { url, secret, body, cancellation, event: notification.type };
          try {
            await client.post({ ...request, idempotencyKey: notification.id });
            return { target: describeTarget(url), problem: undefined };
          } catch (error) {
            if (error instanceof WebhookProblem)
              return { target: describeTarget(url), problem: error.problem };
            throw error;
          }
        }),
      );
      outcomes.forEach((o, i) =>
        countDelivery(context, {
          kind: 'notification',
          receiver: receiverName(deps.webhooks[i] ?? {}, i),
          outcome: o.problem === undefined ? 'delivered' : 'failed',
        }),
      );
      // A cancelled activity must end as cancelled (the reason is Temporal's CancelledFailure),
      // not as a delivery failure that would be retried.
      cancellation?.throwIfAborted();

      const failures = outcomes.filter((o): o is DeliveryProblem => o.problem !== undefined);
      if (failures.length > 0) throw new WebhookDeliveryError(notification.id, failures);
      return { deliveredTo: deps.webhooks.map((w, i) => receiverName(w, i)), attempt };
    },

    /** `notify`, run as a local activity inside the workflow task that raised the notice. */
    async notifyNow(event: CaseNotification): Promise<ImmediateDelivery> {
      const delivery = await activities.notify(event);
      const { id, type, summary, audience } = event;
      return { ...delivery, notice: { id, type, summary, ...(audience ? { audience } : {}) } };
    },
  };
  return activities;
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;

/** The name a receiver is recorded by: its configured name, or its position; never its URL. */
export const receiverName = (webhook: { name?: string }, index: number): string =>
  webhook.name ?? `receiver-${index + 1}`;

const RECEIVER_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Parses `CASEFLOW_NOTIFY_URLS`: comma-separated http(s) URLs, each optionally named
 * (`teams=https://…`); empty entries are skipped. Records show the name (or `receiver-<n>`),
 * never the URL. A bad entry is named by position, not echoed, because webhook URLs often embed
 * tokens.
 */
export function parseWebhookUrls(value: string | undefined): { url: string; name: string }[] {
  if (value === undefined) return [];
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return entries.map((entry, index) => {
    const named = /^([^=:/]+)=(.*)$/.exec(entry);
    const name = named?.[1]?.trim() ?? `receiver-${index + 1}`;
    if (!RECEIVER_NAME.test(name)) {
      throw new Error(
        `CASEFLOW_NOTIFY_URLS: entry ${index + 1} has a bad name (lower-case letters, digits, dash)`,
      );
    }
    return { name, url: checkWebhookUrl(named?.[2]?.trim() ?? entry, index + 1) };
  });
}

function checkWebhookUrl(entry: string, position: number): string {
  const fail = (why: string) => new Error(`CASEFLOW_NOTIFY_URLS: entry ${position} ${why}`);
  const problem = webhookUrlProblem(entry);
  if (problem !== undefined) throw fail(problem);
  return new URL(entry).href;
}

/** Outside a running activity (plain unit tests, scripts) there is no context, so no attempt number. */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

function requireSecret(secret: string | undefined): string {
  if (secret === undefined || secret.trim() === '') {
    // Retrying cannot make a secret appear; the case should learn at once that nothing was sent.
    throw ApplicationFailure.nonRetryable(
      'CASEFLOW_NOTIFY_SECRET is missing: webhooks are configured but notifications cannot be signed',
      'NotifySecretMissing',
    );
  }
  return secret;
}

function parseNotification(event: CaseNotification): CaseNotification {
  const parsed = caseNotificationSchema.safeParse(event);
  if (parsed.success) return parsed.data;
  // A malformed notification comes from workflow code, and the same input would fail every retry.
  const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
  throw ApplicationFailure.nonRetryable(`invalid notification: ${fields}`, 'InvalidNotification');
}

function describeTarget(url: string): string {
  const parsed = new URL(url);
  return `${parsed.host}${parsed.pathname}`;
}
