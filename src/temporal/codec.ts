import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { type Keyring, parseKeyring } from '../vault/keyring';

/**
 * The payload codec: every payload a caseflow client or worker sends to Temporal (workflow and
 * activity inputs and results, update and signal arguments, memo, failure details) is sealed with
 * AES-256-GCM before it leaves the process, so requester data, case texts and notes are not in
 * clear in Temporal's database, its backups or exported histories. The whole original payload
 * (metadata and data) is sealed; the outer payload says only which key to open it with.
 *
 * `CASEFLOW_CODEC_KEYS` is a `keyId:base64key,…` list like the vault's: the first key seals, the
 * others still open older payloads. Histories are immutable, so a codec key is kept for as long as
 * any history sealed with it is.
 */

export const CODEC_KEYS_SETTING = 'CASEFLOW_CODEC_KEYS';
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Binds a sealed payload to this use: the same key sealing something else never opens as a payload.
const AAD = Buffer.from('caseflow-payload-v1', 'utf8');

const utf8 = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? []).toString('utf8');

export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

export function parseCodecKeys(value: string | undefined): Keyring {
  return parseKeyring(value, CODEC_KEYS_SETTING);
}

/** The codec for CASEFLOW_CODEC_KEYS, or undefined when it is not set (the embedded default). */
export function codecFromEnv(env: NodeJS.ProcessEnv = process.env): EncryptionCodec | undefined {
  const keys = env[CODEC_KEYS_SETTING];
  return keys && keys.trim() !== '' ? new EncryptionCodec(parseCodecKeys(keys)) : undefined;
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keyring: Keyring) {}

  get currentKeyId(): string {
    return this.keyring.currentKeyId;
  }

  // A throw inside the executor becomes a rejection, as callers of a codec expect.
  encode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((payload) => this.seal(payload))));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((payload) => this.open(payload))));
  }

  private seal(payload: Payload): Payload {
    const keyId = this.keyring.currentKeyId;
    const key = this.keyring.keyFor(keyId) as Buffer;
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(AAD);
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        encoding: Buffer.from(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: Buffer.from(keyId),
      },
      data: sealed,
    };
  }

  /** Payloads in any other encoding pass through: histories written before the codec stay readable. */
  private open(payload: Payload): Payload {
    if (utf8(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
    const keyId = utf8(payload.metadata?.[KEY_ID_METADATA]);
    const key = this.keyring.keyFor(keyId);
    if (!key) {
      const shown = /^[A-Za-z0-9_-]{1,32}$/.test(keyId) ? keyId : '(malformed id)';
      throw new CodecError(`${CODEC_KEYS_SETTING} has no key with id ${shown}`);
    }
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) throw new CodecError('an encrypted payload is too short');
    const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(AAD);
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new CodecError(`an encrypted payload failed authentication (key ${keyId})`);
    }
    const decoded = temporal.api.common.v1.Payload.decode(plain);
    return { metadata: decoded.metadata ?? {}, data: decoded.data ?? new Uint8Array() };
  }
}

// ---- payloads in JSON form (histories as Temporal's tools print them, the codec endpoint) ----

export interface JsonPayloadForm {
  metadata?: Record<string, string>;
  data?: string;
}

export function payloadFromJson(json: JsonPayloadForm): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [name, value] of Object.entries(json.metadata ?? {}))
    metadata[name] = Buffer.from(value, 'base64');
  return { metadata, data: Buffer.from(json.data ?? '', 'base64') };
}

export function payloadToJson(payload: Payload): JsonPayloadForm {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload.metadata ?? {})) {
    metadata[name] = Buffer.from(value ?? []).toString('base64');
  }
  return { metadata, data: Buffer.from(payload.data ?? []).toString('base64') };
}

const ENCRYPTED_ENCODING_BASE64 = Buffer.from(ENCRYPTED_ENCODING).toString('base64');

function isEncryptedJsonPayload(value: unknown): value is JsonPayloadForm {
  if (!value || typeof value !== 'object') return false;
  const metadata = (value as { metadata?: unknown }).metadata;
  return (
    !!metadata &&
    typeof metadata === 'object' &&
    (metadata as Record<string, unknown>).encoding === ENCRYPTED_ENCODING_BASE64
  );
}

/**
 * A copy of a JSON history (or any JSON value) with every sealed payload opened, wherever it sits:
 * inputs, results, update arguments, failures, memo. Without codecs the value is returned as is.
 */
export async function decodeJsonPayloads<T>(value: T, codecs: readonly PayloadCodec[]): Promise<T> {
  if (codecs.length === 0) return value;
  const walk = async (node: unknown): Promise<unknown> => {
    if (Array.isArray(node)) return Promise.all(node.map(walk));
    if (!node || typeof node !== 'object') return node;
    if (isEncryptedJsonPayload(node)) {
      let payloads = [payloadFromJson(node)];
      for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
      return payloadToJson(payloads[0] as Payload);
    }
    const copy: Record<string, unknown> = {};
    for (const [name, child] of Object.entries(node)) copy[name] = await walk(child);
    return copy;
  };
  return (await walk(value)) as T;
}
