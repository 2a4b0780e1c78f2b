import { createHmac } from 'node:crypto';
import { type Keyring, parseKeyring } from '../vault/keyring';

/**
 * Keyed hashes of the personal values caseflow indexes in search attributes (the requester's
 * directory id, the device serial), so Temporal's visibility store, its backups and the search
 * attributes in histories never hold them in clear, while lists still filter on them: the API
 * hashes a filter value the same way and asks for the hash.
 *
 * `CASEFLOW_SEARCH_ATTRIBUTE_KEYS` is a `keyId:base64key,…` list like the codec's: the first key
 * hashes new cases, the others still match cases indexed under them. An indexed value reads
 * `<keyId>:<first 32 hex digits of HMAC-SHA-256(key, attribute NUL value)>`; the attribute name
 * is part of the hashed text, so one string never hashes alike as a requester and as a device.
 * Without the setting (the embedded default, whose payloads are not sealed either) values are
 * indexed in clear.
 *
 * Computed only at the edge (the API): the hash goes into the case's start input, so workflow
 * code never needs the key and stays deterministic.
 */

export const SEARCH_ATTRIBUTE_KEYS_SETTING = 'CASEFLOW_SEARCH_ATTRIBUTE_KEYS';

/** The search attributes whose values are personal data. */
export type PersonalAttribute = 'RequesterId' | 'DeviceSerial';

/** 128 bits: no collision among any realistic number of requesters or devices. */
const HASH_HEX_DIGITS = 32;

export class PersonalIndex {
  constructor(private readonly keyring?: Keyring) {}

  /** Whether values are hashed (a key is configured). */
  get hashes(): boolean {
    return this.keyring !== undefined;
  }

  /** What a new case indexes for this value: its hash under the current key (or the value itself without keys). */
  indexed(attribute: PersonalAttribute, value: string): string {
    return this.keyring ? this.hashUnder(this.keyring.currentKeyId, attribute, value) : value;
  }

  /**
   * Every value an indexed attribute may hold for this value, for a filter: its hash under each
   * configured key (cases indexed before a rotation), and the value itself (cases indexed before
   * hashing was configured; the query is not stored).
   */
  candidates(attribute: PersonalAttribute, value: string): string[] {
    if (!this.keyring) return [value];
    return [...this.keyring.keyIds.map((keyId) => this.hashUnder(keyId, attribute, value)), value];
  }

  private hashUnder(keyId: string, attribute: PersonalAttribute, value: string): string {
    const key = this.keyring?.keyFor(keyId);
    if (!key) throw new Error(`${SEARCH_ATTRIBUTE_KEYS_SETTING} has no key ${keyId}`);
    const digest = createHmac('sha256', key).update(`${attribute}\0${value}`, 'utf8').digest('hex');
    return `${keyId}:${digest.slice(0, HASH_HEX_DIGITS)}`;
  }

  toJSON(): { hashes: boolean; keyIds: string[] } {
    return { hashes: this.hashes, keyIds: this.keyring?.keyIds ?? [] };
  }
}

/** The index for CASEFLOW_SEARCH_ATTRIBUTE_KEYS; values in clear when it is not set. */
export function personalIndexFromEnv(env: NodeJS.ProcessEnv = process.env): PersonalIndex {
  const keys = env[SEARCH_ATTRIBUTE_KEYS_SETTING];
  return new PersonalIndex(
    keys && keys.trim() !== '' ? parseKeyring(keys, SEARCH_ATTRIBUTE_KEYS_SETTING) : undefined,
  );
}
