import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encryption keys of the credential vault and the AES-256-GCM sealing that uses them.
 *
 * `CASEFLOW_VAULT_KEYS` lists `keyId:base64key` entries; the first is the current key that seals
 * everything new, the rest only open older entries. Rotation is therefore: prepend a new key,
 * restart, re-encrypt, then drop the old key. Key material never appears in an error message, a
 * log line, `JSON.stringify` or `util.inspect` output: it lives in private fields only.
 */

export const VAULT_KEYS_SETTING = 'CASEFLOW_VAULT_KEYS';

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
// Buffer.from(…, 'base64') silently skips junk, so a typo would shorten the key instead of failing.
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CIPHER = 'aes-256-gcm';

export type VaultErrorCode = 'not-found' | 'revoked' | 'expired' | 'closed' | 'corrupt' | 'key' | 'locked';

/** Lives here rather than in the vault so the keyring can raise it without an import cycle. */
export class VaultError extends Error {
  constructor(
    readonly code: VaultErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}

/** An encrypted secret as stored at rest; every field is safe to write to disk. */
export interface SealedSecret {
  keyId: string;
  /** base64 of 12 random bytes, fresh for every encryption (GCM breaks if one ever repeats). */
  iv: string;
  /** base64 of the 16-byte GCM authentication tag. */
  tag: string;
  ciphertext: string;
}

export class Keyring {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly currentKeyId: string;

  constructor(entries: readonly { keyId: string; key: Buffer }[]) {
    const first = entries[0];
    if (!first) throw new TypeError('a keyring needs at least one key');
    const keys = new Map<string, Buffer>();
    for (const { keyId, key } of entries) {
      if (!KEY_ID.test(keyId)) throw new TypeError('a key id must be 1-32 of A-Z a-z 0-9 _ -');
      if (key.length !== KEY_BYTES) throw new TypeError(`key ${keyId} must be exactly ${KEY_BYTES} bytes`);
      if (keys.has(keyId)) throw new TypeError(`key id ${keyId} appears twice`);
      // A private copy, so the caller wiping or reusing its buffer cannot change the keyring.
      keys.set(keyId, Buffer.from(key));
    }
    this.#keys = keys;
    this.currentKeyId = first.keyId;
  }

  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  has(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  /** Only for the sealing functions below; callers outside this module have no use for raw keys. */
  keyFor(keyId: string): Buffer | undefined {
    return this.#keys.get(keyId);
  }

  toJSON(): { currentKeyId: string; keyIds: string[] } {
    return { currentKeyId: this.currentKeyId, keyIds: this.keyIds };
  }
}

/** Parses `CASEFLOW_VAULT_KEYS`; empty entries (a trailing comma) are skipped, positions count from 1. */
export function parseVaultKeys(value: string | undefined): Keyring {
  return parseKeyring(value, VAULT_KEYS_SETTING);
}

/** The same `keyId:base64key,…` list under another setting's name (the payload codec's keys). */
export function parseKeyring(value: string | undefined, setting: string): Keyring {
  if (value === undefined || value.trim() === '') {
    throw new Error(`${setting} is not set: it needs at least one keyId:base64key entry`);
  }
  const entries: { keyId: string; key: Buffer }[] = [];
  const seen = new Set<string>();
  value.split(',').forEach((raw, index) => {
    const entry = raw.trim();
    if (entry === '') return;
    const parsed = parseKeyEntry(entry, index + 1, setting);
    if (seen.has(parsed.keyId)) {
      throw keySettingError(setting, index + 1, `repeats key id ${parsed.keyId}`);
    }
    seen.add(parsed.keyId);
    entries.push(parsed);
  });
  if (entries.length === 0) throw new Error(`${setting} holds no keys`);
  return new Keyring(entries);
}

function parseKeyEntry(entry: string, position: number, setting: string): { keyId: string; key: Buffer } {
  const colon = entry.indexOf(':');
  if (colon < 0) throw keySettingError(setting, position, 'is not in the form keyId:base64key');
  const keyId = entry.slice(0, colon).trim();
  const encoded = entry.slice(colon + 1).trim();
  // The id is echoed only once it is known to be a harmless short token, never the key part.
  if (!KEY_ID.test(keyId))
    throw keySettingError(setting, position, 'has a key id that is not 1-32 of A-Z a-z 0-9 _ -');
  if (!STRICT_BASE64.test(encoded))
    throw keySettingError(setting, position, `(key ${keyId}) is not valid base64`);
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== KEY_BYTES) {
    throw keySettingError(setting, position, `(key ${keyId}) must decode to exactly ${KEY_BYTES} bytes`);
  }
  return { keyId, key };
}

function keySettingError(setting: string, position: number, why: string): Error {
  return new Error(`${setting}: entry ${position} ${why}`);
}

/** A new `keyId:base64key` entry, ready to put first in `CASEFLOW_VAULT_KEYS`. */
export function generateVaultKey(keyId: string): string {
  if (!KEY_ID.test(keyId)) throw new TypeError('a key id must be 1-32 of A-Z a-z 0-9 _ -');
  return `${keyId}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

/**
 * Seals `plaintext` with the current key. `aad` is authenticated but not stored: the same value
 * must be given to decrypt, which is what ties a ciphertext to the entry it was written for.
 */
export function encrypt(keyring: Keyring, plaintext: string, aad: string): SealedSecret {
  const keyId = keyring.currentKeyId;
  const key = requireKey(keyring, keyId);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    keyId,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  };
}

export function decrypt(keyring: Keyring, sealed: SealedSecret, aad: string): string {
  const key = requireKey(keyring, sealed.keyId);
  const iv = decodeExact(sealed.iv, IV_BYTES, 'iv');
  const tag = decodeExact(sealed.tag, TAG_BYTES, 'tag');
  const ciphertext = decodeBase64(sealed.ciphertext, 'ciphertext');
  // Fixing the tag length stops a shortened (and so forgeable) tag from being accepted.
  const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new VaultError('corrupt', `a sealed secret failed authentication (key ${sealed.keyId})`);
  }
}

function requireKey(keyring: Keyring, keyId: string): Buffer {
  const key = keyring.keyFor(keyId);
  if (!key) {
    throw new VaultError('key', `${VAULT_KEYS_SETTING} has no key with id ${describeKeyId(keyId)}`);
  }
  return key;
}

/** A key id read from disk may be anything; only a well-formed one is worth repeating. */
function describeKeyId(keyId: string): string {
  return KEY_ID.test(keyId) ? keyId : '(malformed id)';
}

function decodeExact(value: string, bytes: number, field: string): Buffer {
  const decoded = decodeBase64(value, field);
  if (decoded.length !== bytes) throw new VaultError('corrupt', `a sealed secret has a malformed ${field}`);
  return decoded;
}

function decodeBase64(value: string, field: string): Buffer {
  if (!STRICT_BASE64.test(value)) throw new VaultError('corrupt', `a sealed secret has a malformed ${field}`);
  return Buffer.from(value, 'base64');
}
