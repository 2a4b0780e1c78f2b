import { Context } from '@temporalio/activity';
import { countDelivery } from './metrics';
import { ApplicationFailure } from '@temporalio/common';
import { callbackPath, callbackScope } from '../domain/callbacks';
import { ESCALATION_TARGETS, type EscalationTarget } from '../domain/routing';
import {
  createSignedWebhookClient,
  publicTarget,
  WEBHOOK_UNAVAILABLE,
  WebhookProblem,
  webhookUrlProblem,
} from './signed-webhook';

/**
 * Hands an escalation to the party that owns it next: service operations, the organisation's
 * Microsoft support channel, or the hardware vendor. Each target has its own endpoint and its own
 * signing secret, because each is a different organisation that must not be able to forge
 * callbacks as another.
 *
 * Delivery is at-least-once: any failure throws so Temporal retries, and the receiving party
 * dedupes by `idempotency-key` (the escalation id), so a retry after a lost answer reuses the
 * ticket the first attempt created instead of opening a second one.
 */

export const ESCALATION_TARGETS_VARIABLE = 'CASEFLOW_ESCALATION_TARGETS';
export const ESCALATION_USER_AGENT = 'caseflow-escalations';
export const ESCALATION_EVENT = 'escalation';
export const ESCALATION_WITHDRAWN_EVENT = 'escalation-withdrawn';
const MIN_SECRET_LENGTH = 16;
/** Matches what a callback may carry as externalReference, so the two sides agree on a ticket id. */
const MAX_REFERENCE_LENGTH = 200;

/**
 * Where service-operations escalations go when no endpoint is configured for them (the embedded
 * default): caseflow's own service-operations inbox in the portal, whose members answer with the
 * same transitions a signed callback drives. The other targets are other organisations and have
 * no in-app stand-in.
 */
export const IN_APP_INBOX = 'caseflow:service-ops-inbox';
export const IN_APP_TARGET: EscalationTarget = 'service-ops';

export function deliversInApp(endpoints: TargetEndpoints, target: EscalationTarget): boolean {
  return target === IN_APP_TARGET && !Object.hasOwn(endpoints, target);
}

/** Whether an escalation to this target has anywhere to go. */
export function hasDestination(endpoints: TargetEndpoints, target: EscalationTarget): boolean {
  return (isEscalationTarget(target) && Object.hasOwn(endpoints, target)) || deliversInApp(endpoints, target);
}

export interface TargetEndpoint {
  url: string;
  secret: string;
}

export type TargetEndpoints = Partial<Record<EscalationTarget, TargetEndpoint>>;

export interface EscalationDelivery {
  escalationId: string;
  target: EscalationTarget;
  payload: Record<string, unknown>;
  /** What is delivered: the escalation itself (default), or its withdrawal. */
  event?: typeof ESCALATION_EVENT | typeof ESCALATION_WITHDRAWN_EVENT;
}

export interface EscalationReceipt {
  /** The receiver's name (the target), never its URL: URLs may carry access tokens. */
  deliveredTo: string;
  status: number;
  /** The party's own id for the escalation (a vendor ticket, for instance), when it answered one. */
  externalReference: string | null;
  attempt: number;
}

export interface EscalationDeliveryDeps {
  endpoints: TargetEndpoints;
  fetchImpl?: typeof fetch;
  /** Milliseconds since the epoch; the signature carries it in seconds. */
  now?: () => number;
  timeoutMs?: number;
}

/** Retryable on purpose: parties come back, and the idempotency key makes repeats harmless. */
export class EscalationDeliveryError extends ApplicationFailure {
  constructor(
    readonly target: EscalationTarget,
    readonly endpoint: string,
    readonly problem: string,
  ) {
    super(`escalation delivery to ${target} at ${endpoint} failed: ${problem}`, WEBHOOK_UNAVAILABLE, false);
  }
}

export function createEscalationDeliveryActivities(deps: EscalationDeliveryDeps) {
  const client = createSignedWebhookClient({
    userAgent: ESCALATION_USER_AGENT,
    fetchImpl: deps.fetchImpl,
    now: deps.now,
    timeoutMs: deps.timeoutMs,
  });

  return {
    async deliverEscalation(delivery: EscalationDelivery): Promise<EscalationReceipt> {
      const context = activityContext();
      const attempt = context?.info.attempt ?? 1;
      if (deliversInApp(deps.endpoints, delivery.target)) {
        // Nothing leaves the process: the escalation is in the inbox as soon as it is filed.
        return { deliveredTo: IN_APP_INBOX, status: 202, externalReference: null, attempt };
      }
      const endpoint = requireEndpoint(deps.endpoints, delivery.target);
      requireHeaderSafeId(delivery.escalationId);

      const body = JSON.stringify(envelope(delivery));
      const withdrawn = delivery.event === ESCALATION_WITHDRAWN_EVENT;
      const cancellation = context?.cancellationSignal;

      let outcome: { status: number; externalReference: string | null };
      try {
        const answer = await client.post({
          url: endpoint.url,
          secret: endpoint.secret,
          event: delivery.event ?? ESCALATION_EVENT,
          idempotencyKey: withdrawn ? `${delivery.escalationId}:withdrawn` : delivery.escalationId,
          body,
          cancellation,
        });
        outcome = { status: answer.status, externalReference: referenceFrom(answer.json) };
      } catch (error) {
        // A cancelled activity must end as cancelled (Temporal's CancelledFailure is the reason),
        // not as a delivery failure that would be retried.
        cancellation?.throwIfAborted();
        countDelivery(context, { kind: 'escalation', receiver: delivery.target, outcome: 'failed' });
        if (error instanceof WebhookProblem) {
          throw new EscalationDeliveryError(delivery.target, publicTarget(endpoint.url), error.problem);
        }
        throw error;
      }
      countDelivery(context, { kind: 'escalation', receiver: delivery.target, outcome: 'delivered' });
      return { deliveredTo: delivery.target, ...outcome, attempt };
    },
  };
}

export type EscalationDeliveryActivities = ReturnType<typeof createEscalationDeliveryActivities>;

/**
 * Parses `CASEFLOW_ESCALATION_TARGETS`, a JSON object from target to `{url, secret}`. Unset or blank
 * means no targets; escalations then fail at delivery, naming the missing target. Errors name the
 * variable and the target but never echo values: the JSON holds secrets, and URLs may hold tokens.
 */
export function parseTargetEndpoints(value: string | undefined): TargetEndpoints {
  if (value === undefined || value.trim() === '') return {};
  const fail = (why: string) => new Error(`${ESCALATION_TARGETS_VARIABLE}: ${why}`);

  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    // JSON.parse's own message quotes the input, which would leak the secrets into logs.
    throw fail('is not valid JSON');
  }
  if (!isPlainObject(parsed)) throw fail('must be a JSON object from escalation target to {url, secret}');

  const endpoints: TargetEndpoints = {};
  for (const [key, entry] of Object.entries(parsed)) {
    if (!isEscalationTarget(key)) {
      throw fail(`unknown target ${JSON.stringify(key)} (expected one of ${ESCALATION_TARGETS.join(', ')})`);
    }
    endpoints[key] = checkEndpoint(entry, (why) => fail(`target ${key} ${why}`));
  }
  return endpoints;
}

function checkEndpoint(entry: unknown, fail: (why: string) => Error): TargetEndpoint {
  if (!isPlainObject(entry)) throw fail('must be an object with url and secret');
  const { url, secret } = entry;
  if (typeof url !== 'string') throw fail('needs a url');
  if (typeof secret !== 'string' || secret.trim().length < MIN_SECRET_LENGTH) {
    throw fail(`needs a secret of at least ${MIN_SECRET_LENGTH} characters`);
  }
  return { url: checkUrl(url, fail), secret };
}

function checkUrl(value: string, fail: (why: string) => Error): string {
  const problem = webhookUrlProblem(value);
  if (problem === 'is not a URL') throw fail('has a url that is not a URL');
  if (problem === 'must not contain credentials') throw fail('must not have credentials in its url');
  if (problem === 'must be an http or https URL') throw fail('must have an http or https url');
  if (problem !== undefined) throw fail('must have an https url (plain http only to a loopback address)');
  return new URL(value).href;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEscalationTarget(value: string): value is EscalationTarget {
  return (ESCALATION_TARGETS as readonly string[]).includes(value);
}

function requireEndpoint(endpoints: TargetEndpoints, target: EscalationTarget): TargetEndpoint {
  // hasOwn, so that a target name arriving from workflow input cannot reach Object.prototype.
  const endpoint =
    isEscalationTarget(target) && Object.hasOwn(endpoints, target) ? endpoints[target] : undefined;
  if (endpoint === undefined) {
    // Retrying cannot make configuration appear; the case should learn at once that nothing was sent.
    throw ApplicationFailure.nonRetryable(
      `${ESCALATION_TARGETS_VARIABLE} has no endpoint for target ${String(target)}: the escalation was not sent`,
      'EscalationTargetMissing',
    );
  }
  return endpoint;
}

/** The id travels as a header, where CR/LF could split headers and fetch would reject it on every retry. */
function requireHeaderSafeId(escalationId: string): void {
  if (typeof escalationId !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(escalationId)) {
    throw ApplicationFailure.nonRetryable(
      'escalationId must be 1 to 200 visible ASCII characters without spaces',
      'InvalidEscalation',
    );
  }
}

/**
 * The envelope fields win over same-named payload fields, so the body always agrees with the
 * headers. `callback` tells the party where to answer and what its signature must cover: bound to
 * this escalation, so an answer captured for one escalation is refused for any other.
 */
function envelope({ escalationId, target, payload }: EscalationDelivery): Record<string, unknown> {
  const { escalationId: _id, target: _target, callback: _callback, ...rest } = payload;
  return {
    escalationId,
    target,
    ...rest,
    callback: {
      path: callbackPath(target, escalationId),
      signatureCovers: `<t>.${callbackScope(target, escalationId)}.<raw body>`,
    },
  };
}

/** The party accepted; a missing or odd answer body only means it told us no reference. */
function referenceFrom(answer: unknown): string | null {
  if (!isPlainObject(answer)) return null;
  const { reference } = answer;
  if (typeof reference !== 'string' || reference === '' || reference.length > MAX_REFERENCE_LENGTH)
    return null;
  return reference;
}

/** Outside a running activity (plain unit tests, scripts) there is no context, so no attempt number. */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
