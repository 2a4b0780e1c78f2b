import { ApplicationFailure } from '@temporalio/common';
import { EVENT_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signPayload } from '../domain/webhook-signature';

/**
 * The one way caseflow posts a signed JSON webhook (notifications, escalation hand-offs, device
 * password changes), so all of them follow the same rules:
 * - https only, plain http to a loopback address only (bodies carry case texts and passwords);
 * - no credentials in the URL, never a followed redirect (it would re-send the signed body);
 * - a timeout per request, and the caller's cancellation;
 * - the answer is read up to a byte cap, so a receiver cannot flood a worker's memory;
 * - one error vocabulary: a failure that a later attempt can fix (network, timeout, any non-2xx
 *   answer) is a retryable `ApplicationFailure` of type `WebhookUnavailable`; one that no retry
 *   can fix (configuration, bad input) is non-retryable. Messages name the receiver by origin and
 *   path only and never quote the body, the answer or the error's own text, which may echo either.
 */

export const WEBHOOK_UNAVAILABLE = 'WebhookUnavailable';
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
/** Enough for `{"reference": …}` and a little more; larger answers are not read. */
export const MAX_WEBHOOK_ANSWER_BYTES = 16 * 1024;
const HEADER_SAFE = /^[\x21-\x7e]{1,200}$/;

/** Why a URL cannot be a webhook target, or undefined when it can; never quotes the URL. */
export function webhookUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  // fetch refuses URLs with user:password, so this would otherwise fail only at the first delivery.
  if (url.username !== '' || url.password !== '') return 'must not contain credentials';
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    return 'must use https (plain http only to a loopback address)';
  }
  return undefined;
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/** Origin and path only: the query string (and sometimes the path) of a webhook URL may carry a token. */
export function publicTarget(href: string): string {
  const url = new URL(href);
  return `${url.origin}${url.pathname}`;
}

export interface SignedWebhookRequest {
  url: string;
  secret: string;
  /** The `caseflow-event` header. */
  event: string;
  /** The `idempotency-key` header: the same on every attempt, so receivers apply a request once. */
  idempotencyKey: string;
  body: string;
  /** The activity's cancellation, if any; a cancelled request is reported as `aborted`. */
  cancellation?: AbortSignal;
}

export interface SignedWebhookAnswer {
  status: number;
  /** The answer parsed as JSON when it is JSON within the byte cap; undefined otherwise. */
  json: unknown;
}

/** What went wrong with one request, in words safe to record in workflow history. */
export class WebhookProblem extends Error {
  constructor(
    readonly target: string,
    readonly problem: string,
  ) {
    super(`${target}: ${problem}`);
    this.name = 'WebhookProblem';
  }
}

export interface SignedWebhookClientOptions {
  userAgent: string;
  fetchImpl?: typeof fetch;
  /** Milliseconds since the epoch; the signature carries it in seconds. */
  now?: () => number;
  timeoutMs?: number;
  maxAnswerBytes?: number;
}

export interface SignedWebhookClient {
  readonly timeoutMs: number;
  /** Resolves with a 2xx answer; rejects with a `WebhookProblem` for anything else. */
  post(request: SignedWebhookRequest): Promise<SignedWebhookAnswer>;
}

export function createSignedWebhookClient(options: SignedWebhookClientOptions): SignedWebhookClient {
  const fetchImpl = options.fetchImpl ?? fetch;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  const maxAnswerBytes = options.maxAnswerBytes ?? MAX_WEBHOOK_ANSWER_BYTES;

  return {
    timeoutMs,
    async post(request) {
      const urlProblem = webhookUrlProblem(request.url);
      if (urlProblem !== undefined) {
        throw webhookFailure(`webhook URL ${urlProblem}`, { retryable: false, type: 'WebhookMisconfigured' });
      }
      if (!HEADER_SAFE.test(request.idempotencyKey) || !HEADER_SAFE.test(request.event)) {
        throw webhookFailure('webhook idempotency key and event must be 1 to 200 visible ASCII characters', {
          retryable: false,
          type: 'InvalidInput',
        });
      }
      const target = publicTarget(request.url);
      const headers = {
        'content-type': 'application/json',
        'user-agent': options.userAgent,
        [SIGNATURE_HEADER]: signPayload(request.secret, Math.floor(now() / 1000), request.body),
        [IDEMPOTENCY_HEADER]: request.idempotencyKey,
        [EVENT_HEADER]: request.event,
      };
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = request.cancellation ? AbortSignal.any([timeout, request.cancellation]) : timeout;

      let response: Response;
      try {
        // A redirect would re-send the signed body to wherever the receiver points: never follow one.
        response = await fetchImpl(request.url, {
          method: 'POST',
          headers,
          body: request.body,
          redirect: 'manual',
          signal,
        });
      } catch (error) {
        throw new WebhookProblem(target, describeFetchError(error, timeoutMs));
      }
      if (response.status < 200 || response.status > 299) {
        // Discarding the body releases the connection; its content is never reported.
        await response.body?.cancel().catch(() => undefined);
        throw new WebhookProblem(target, `HTTP ${response.status}`);
      }
      const text = await readCapped(response, maxAnswerBytes, signal).catch(() => undefined);
      return { status: response.status, json: parseJson(text) };
    },
  };
}

/** The one failure shape of the webhook activities, so workflows can tell "wait" from "give up". */
export function webhookFailure(
  message: string,
  { retryable, type = WEBHOOK_UNAVAILABLE }: { retryable: boolean; type?: string },
): ApplicationFailure {
  return retryable
    ? ApplicationFailure.retryable(message, type)
    : ApplicationFailure.nonRetryable(message, type);
}

/** Never the error's own message: some fetch errors quote the request, and the request has the body. */
function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (error instanceof Error && error.name === 'AbortError') return 'aborted';
  const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)
    ? `network error ${code}`
    : 'network error';
}

/** Reads at most `maxBytes` of the answer; a longer answer is dropped unread rather than buffered. */
async function readCapped(
  response: Response,
  maxBytes: number,
  signal: AbortSignal,
): Promise<string | undefined> {
  if (!response.body) return undefined;
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body.cancel();
    return undefined;
  }
  // Node's DOM typings leave the chunk type open; fetch bodies are always byte streams.
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    if (signal.aborted) {
      await reader.cancel();
      return undefined;
    }
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
