import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { severitySchema } from '../domain/categories-schema';
import { NOTIFICATION_TYPES } from '../domain/notifications';
import { EVENT_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signPayload } from '../domain/webhook-signature';

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
const DEFAULT_TIMEOUT_MS = 10_000;

export interface DeliveryProblem {
  /** Host and path only, never the query, so the message is safe to record in workflow history. */
  target: string;
  problem: string;
}

/** Retryable on purpose: receivers come back, and the idempotency key makes repeats harmless. */
export class WebhookDeliveryError extends Error {
  constructor(
    notificationId: string,
    readonly failures: readonly DeliveryProblem[],
  ) {
    const list = failures.map((f) => `${f.target} (${f.problem})`).join('; ');
    super(`webhook delivery of notification ${notificationId} failed: ${list}`);
    this.name = 'WebhookDeliveryError';
  }
}

export function createNotificationActivities(deps: NotificationDeps) {
  const fetchImpl = deps.fetchImpl ?? fetch;
  const now = deps.now ?? Date.now;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  return {
    async notify(event: CaseNotification): Promise<NotificationDelivery> {
      const context = activityContext();
      const attempt = context?.info.attempt ?? 1;
      if (deps.webhooks.length === 0) return { deliveredTo: [], attempt };

      const secret = requireSecret(deps.secret);
      const notification = parseNotification(event);
      const body = JSON.stringify(notification);
      const headers = {
        'content-type': 'application/json',
        'user-agent': NOTIFIER_USER_AGENT,
        [SIGNATURE_HEADER]: signPayload(secret, Math.floor(now() / 1000), body),
        [IDEMPOTENCY_HEADER]: notification.id,
        [EVENT_HEADER]: notification.type,
      };

      const cancellation = context?.cancellationSignal;
      const outcomes = await Promise.all(
        deps.webhooks.map(async ({ url }) => {
          const signal = requestSignal(timeoutMs, cancellation);
          const problem = await postOnce(
            fetchImpl,
            url,
            { method: 'POST', headers, body, signal },
            timeoutMs,
          );
          return { target: describeTarget(url), problem };
        }),
      );
      // A cancelled activity must end as cancelled (the reason is Temporal's CancelledFailure),
      // not as a delivery failure that would be retried.
      cancellation?.throwIfAborted();

      const failures = outcomes.filter((o): o is DeliveryProblem => o.problem !== undefined);
      if (failures.length > 0) throw new WebhookDeliveryError(notification.id, failures);
      return { deliveredTo: deps.webhooks.map((w, i) => receiverName(w, i)), attempt };
    },
  };
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
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw fail('is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fail('must be an http or https URL');
  // fetch refuses URLs with user:password, so this would otherwise fail only at the first delivery.
  if (url.username !== '' || url.password !== '') throw fail('must not contain credentials');
  return url.href;
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

function requestSignal(timeoutMs: number, cancellation: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return cancellation ? AbortSignal.any([timeout, cancellation]) : timeout;
}

/** Returns a description of what went wrong, or undefined when the receiver accepted. */
async function postOnce(
  fetchImpl: typeof fetch,
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<string | undefined> {
  try {
    // A redirect would re-send the signed body to wherever the receiver points; treat it as a failure.
    const response = await fetchImpl(url, { ...init, redirect: 'manual' });
    // Only the status matters; discarding the body releases the connection.
    await response.body?.cancel();
    return response.ok ? undefined : `HTTP ${response.status}`;
  } catch (error) {
    return describeFetchError(error, timeoutMs);
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (error instanceof Error && error.name === 'AbortError') return 'aborted';
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (typeof code === 'string') return `network error ${code}`;
  return `network error: ${error instanceof Error ? error.message : String(error)}`;
}

function describeTarget(url: string): string {
  const parsed = new URL(url);
  return `${parsed.host}${parsed.pathname}`;
}
