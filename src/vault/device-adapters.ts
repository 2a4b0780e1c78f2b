import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createSignedWebhookClient,
  publicTarget,
  webhookFailure,
  WebhookProblem,
  webhookUrlProblem,
} from '../activities/signed-webhook';

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
  const client = createSignedWebhookClient({
    userAgent: DEVICE_ADAPTER_USER_AGENT,
    fetchImpl: options.fetchImpl,
    timeoutMs: options.timeoutMs,
  });

  return {
    async setPassword(change) {
      checkChange(change);
      const { deviceSerial, account, password, reason, changeId } = change;
      const body = JSON.stringify({ deviceSerial, account, password, reason, changeId });
      try {
        const answer = await client.post({
          url,
          secret: options.secret,
          event: DEVICE_PASSWORD_EVENT,
          idempotencyKey: `${changeId}:${reason}`,
          body,
        });
        return { reference: referenceFrom(answer.json) ?? `http:${answer.status}` };
      } catch (error) {
        if (!(error instanceof WebhookProblem)) throw error;
        const what = error.problem.startsWith('HTTP ')
          ? `answered ${error.problem}`
          : `failed: ${error.problem}`;
        throw webhookFailure(`device password webhook ${target} ${what}`, { retryable: true });
      }
    },
  };
}

function checkDeviceWebhookUrl(value: string): string {
  const problem = webhookUrlProblem(value);
  // Not echoed: webhook URLs often embed tokens.
  if (problem !== undefined) throw new TypeError(`the device webhook URL ${problem}`);
  return new URL(value).href;
}

/** The receiver's own reference for the change, when its answer is JSON carrying one. */
function referenceFrom(answer: unknown): string | undefined {
  const reference = (answer as { reference?: unknown } | null | undefined)?.reference;
  return typeof reference === 'string' && REFERENCE.test(reference) ? reference : undefined;
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
