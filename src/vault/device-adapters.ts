import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { EVENT_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signPayload } from '../domain/webhook-signature';

/**
 * The device side of a JIT password change. caseflow does not manage devices itself: an adapter
 * hands the new password to whatever does (the customer's device-management automation), or, in
 * the embedded default, only records that a change was asked for. Adapters are called from
 * activities, so throwing means "retry"; the password never appears in what they log or throw.
 */

export type PasswordChangeReason = 'grant' | 'rotate';

export interface PasswordChange {
  deviceSerial: string;
  account: string;
  password: string;
  reason: PasswordChangeReason;
  changeId: string;
}

export interface DeviceAccountAdapter {
  setPassword(input: PasswordChange): Promise<{ reference: string }>;
}

// ---- recording (embedded default) ---------------------------------------------------------------

/**
 * Appends one JSON line per call and changes nothing on any device: the stand-in used when no
 * automation is configured, and a record of what would have been sent.
 */
export function createRecordingDeviceAdapter(options: { logPath: string }): DeviceAccountAdapter {
  const logPath = path.resolve(options.logPath);
  let lineCount: number | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const append = async (change: PasswordChange): Promise<{ reference: string }> => {
    checkChange(change);
    await mkdir(path.dirname(logPath), { recursive: true, mode: 0o700 });
    // Numbering continues from the existing log, so references stay unique across restarts.
    lineCount ??= await countLines(logPath);
    const reference = `recorded:${lineCount + 1}`;
    const line = {
      at: new Date().toISOString(),
      deviceSerial: change.deviceSerial,
      account: change.account,
      reason: change.reason,
      changeId: change.changeId,
      reference,
    };
    await appendFile(logPath, `${JSON.stringify(line)}\n`, { encoding: 'utf8', mode: 0o600 });
    lineCount++;
    return { reference };
  };

  return {
    setPassword(change) {
      // Appends run one at a time so line numbers and references cannot collide.
      const run = queue.then(() => append(change));
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

async function countLines(file: string): Promise<number> {
  try {
    const text = await readFile(file, 'utf8');
    return text.split('\n').filter((line) => line.trim() !== '').length;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'ENOENT') return 0;
    throw error;
  }
}

// ---- webhook ------------------------------------------------------------------------------------

export const DEVICE_PASSWORD_EVENT = 'device-password';
export const DEVICE_ADAPTER_USER_AGENT = 'caseflow-device-adapter';
const DEFAULT_TIMEOUT_MS = 10_000;
/** Enough for `{"reference": …}`; a larger answer is not read, so a receiver cannot flood memory. */
const MAX_ANSWER_BYTES = 16 * 1024;
const REFERENCE = /^[\x21-\x7e]{1,200}$/;

export interface WebhookDeviceAdapterOptions {
  url: string;
  secret: string;
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
}

/**
 * Posts the change, signed like caseflow's other webhooks, to the customer's automation. The
 * idempotency key is `<changeId>:<reason>`, the same on every retry, so the receiver applies a
 * change once. The body carries a password, so plain http is accepted for loopback only.
 */
export function createWebhookDeviceAdapter(options: WebhookDeviceAdapterOptions): DeviceAccountAdapter {
  const url = checkDeviceWebhookUrl(options.url);
  if (options.secret.trim() === '') throw new TypeError('the device webhook needs a signing secret');
  const target = publicTarget(url);
  const fetchImpl = options.fetchImpl ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  return {
    async setPassword(change) {
      checkChange(change);
      const { deviceSerial, account, password, reason, changeId } = change;
      const body = JSON.stringify({ deviceSerial, account, password, reason, changeId });
      const headers = {
        'content-type': 'application/json',
        'user-agent': DEVICE_ADAPTER_USER_AGENT,
        [SIGNATURE_HEADER]: signPayload(options.secret, Math.floor(Date.now() / 1000), body),
        [IDEMPOTENCY_HEADER]: `${changeId}:${reason}`,
        [EVENT_HEADER]: DEVICE_PASSWORD_EVENT,
      };
      let response: Response;
      try {
        // A redirect would re-send the password to wherever the receiver points: never follow one.
        response = await fetchImpl(url, {
          method: 'POST',
          headers,
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new Error(`device password webhook ${target} failed: ${describeFetchError(error, timeoutMs)}`);
      }
      if (response.status < 200 || response.status > 299) {
        await response.body?.cancel();
        throw new Error(`device password webhook ${target} answered HTTP ${response.status}`);
      }
      const reference = await referenceFrom(response);
      return { reference: reference ?? `http:${response.status}` };
    },
  };
}

function checkDeviceWebhookUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not echoed: webhook URLs often embed tokens.
    throw new TypeError('the device webhook URL is not a URL');
  }
  if (url.username !== '' || url.password !== '') {
    throw new TypeError('the device webhook URL must not contain credentials');
  }
  if (url.protocol === 'https:') return url.href;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url.href;
  throw new TypeError('the device webhook URL must use https (plain http only to a loopback address)');
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/** Origin and path only: the query string may carry a token. */
function publicTarget(href: string): string {
  const url = new URL(href);
  return `${url.origin}${url.pathname}`;
}

/** Never the error's own message: some fetch errors quote the request, and the request has the password. */
function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (error instanceof Error && error.name === 'AbortError') return 'aborted';
  const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)
    ? `network error ${code}`
    : 'network error';
}

/** The receiver's own reference for the change, when its answer is JSON carrying one. */
async function referenceFrom(response: Response): Promise<string | undefined> {
  const type = response.headers.get('content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    await response.body?.cancel();
    return undefined;
  }
  const text = await readCapped(response, MAX_ANSWER_BYTES);
  if (text === undefined) return undefined;
  try {
    const answer = JSON.parse(text) as unknown;
    const reference = (answer as { reference?: unknown } | null)?.reference;
    return typeof reference === 'string' && REFERENCE.test(reference) ? reference : undefined;
  } catch {
    return undefined;
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  if (!response.body) return undefined;
  // Node's DOM typings leave the chunk type open; fetch bodies are always byte streams.
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
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

// ---- shared -------------------------------------------------------------------------------------

function checkChange(change: PasswordChange): void {
  if (change.deviceSerial.trim() === '') throw new TypeError('deviceSerial must not be empty');
  if (change.account.trim() === '') throw new TypeError('account must not be empty');
  // It travels in the idempotency-key header: visible ASCII only, so no CR/LF to split headers with.
  if (!/^[\x21-\x7e]{1,200}$/.test(change.changeId)) {
    throw new TypeError('changeId must be 1-200 visible ASCII characters');
  }
  if (change.reason !== 'grant' && change.reason !== 'rotate')
    throw new TypeError('reason must be grant or rotate');
  // Says nothing about the value: this message may end up in workflow history.
  if (change.password.length === 0) throw new TypeError('password must not be empty');
}
