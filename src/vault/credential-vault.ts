import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { decrypt, encrypt, type Keyring, type SealedSecret, VaultError } from './keyring';

export { VaultError, type VaultErrorCode } from './keyring';

/**
 * The credential vault for JIT admin access: a device's admin password is readable only while an
 * approved window is open. The password is sealed at rest (AES-256-GCM, the elevation id as
 * associated data) and dropped for good on revoke; `checkout` compares the window end itself, so
 * an elapsed window stays closed even when the revoke activity is late or never ran.
 */

export interface GrantRecord {
  elevationId: string;
  deviceSerial: string;
  account: string;
  endsAtMs: number;
  /** Revision of the grant: 1 when granted, +1 for each extension and for the revoke. */
  version: number;
}

export type GrantDescription = GrantRecord & { revokedAtMs: number | null };

export interface CredentialVault {
  /**
   * Stores the password for the device's JIT admin account, readable until endsAtMs. Idempotent per
   * elevationId: a repeat returns the existing grant and keeps the first password.
   */
  grant(input: {
    elevationId: string;
    deviceSerial: string;
    account: string;
    endsAtMs: number;
    password: string;
  }): Promise<GrantRecord>;
  /**
   * Moves the end of an open window; refused with 'closed' once the grant is revoked or has ended
   * (at nowMs, by default the wall clock). Repeating the same move is a no-op.
   */
  extend(elevationId: string, endsAtMs: number, nowMs?: number): Promise<GrantRecord>;
  /** The password, only while the grant is not revoked and nowMs < endsAtMs. */
  checkout(elevationId: string, nowMs: number): Promise<{ password: string; endsAtMs: number }>;
  /** Marks the grant revoked and forgets its password; a repeat reports the first revocation. */
  revoke(elevationId: string, nowMs: number): Promise<{ revokedAtMs: number; alreadyRevoked: boolean }>;
  /** Re-seals every secret not yet under the keyring's current key; returns how many were rewritten. */
  reencryptAll(): Promise<number>;
  describe(elevationId: string): Promise<GrantDescription | null>;
}

interface VaultEntry {
  deviceSerial: string;
  account: string;
  endsAtMs: number;
  version: number;
  revokedAtMs: number | null;
  sealed: SealedSecret | null;
}

type Entries = Map<string, VaultEntry>;

const FILE_FORMAT = 'caseflow-vault';
const FILE_FORMAT_VERSION = 1;
const MAX_ID_LENGTH = 200;

export function createFileVault(options: { path: string; keyring: Keyring }): CredentialVault {
  const file = path.resolve(options.path);
  const { keyring } = options;
  const exclusive = <T>(operation: () => Promise<T>) => runExclusive(file, operation);

  const load = () => readEntries(file);
  const save = (entries: Entries) => writeEntriesAtomically(file, entries);

  return {
    grant: (input) =>
      exclusive(async () => {
        checkGrantInput(input);
        const entries = await load();
        const existing = entries.get(input.elevationId);
        if (existing) return sameGrantOrFail(input, existing);
        const entry: VaultEntry = {
          deviceSerial: input.deviceSerial,
          account: input.account,
          endsAtMs: input.endsAtMs,
          version: 1,
          revokedAtMs: null,
          sealed: encrypt(keyring, input.password, input.elevationId),
        };
        entries.set(input.elevationId, entry);
        await save(entries);
        return toRecord(input.elevationId, entry);
      }),

    extend: (elevationId, endsAtMs, nowMs = Date.now()) =>
      exclusive(async () => {
        checkTime(endsAtMs, 'endsAtMs');
        checkTime(nowMs, 'nowMs');
        const entries = await load();
        const entry = requireEntry(entries, elevationId);
        if (entry.endsAtMs === endsAtMs && isOpen(entry, nowMs)) return toRecord(elevationId, entry);
        if (entry.revokedAtMs !== null) throw closed(elevationId, 'was revoked');
        if (!isOpen(entry, nowMs)) throw closed(elevationId, 'has already ended');
        const updated: VaultEntry = { ...entry, endsAtMs, version: entry.version + 1 };
        entries.set(elevationId, updated);
        await save(entries);
        return toRecord(elevationId, updated);
      }),

    checkout: (elevationId, nowMs) =>
      exclusive(async () => {
        checkTime(nowMs, 'nowMs');
        const entry = requireEntry(await load(), elevationId);
        if (entry.revokedAtMs !== null) throw new VaultError('revoked', `grant ${elevationId} was revoked`);
        if (!isOpen(entry, nowMs)) throw new VaultError('expired', `grant ${elevationId} has ended`);
        if (!entry.sealed) {
          throw new VaultError('corrupt', `grant ${elevationId} is open but holds no secret`);
        }
        return { password: decrypt(keyring, entry.sealed, elevationId), endsAtMs: entry.endsAtMs };
      }),

    revoke: (elevationId, nowMs) =>
      exclusive(async () => {
        checkTime(nowMs, 'nowMs');
        const entries = await load();
        const entry = requireEntry(entries, elevationId);
        if (entry.revokedAtMs !== null) return { revokedAtMs: entry.revokedAtMs, alreadyRevoked: true };
        entries.set(elevationId, { ...entry, revokedAtMs: nowMs, sealed: null, version: entry.version + 1 });
        await save(entries);
        return { revokedAtMs: nowMs, alreadyRevoked: false };
      }),

    reencryptAll: () =>
      exclusive(async () => {
        const entries = await load();
        let rewritten = 0;
        for (const [elevationId, entry] of entries) {
          if (!entry.sealed || entry.sealed.keyId === keyring.currentKeyId) continue;
          const password = decrypt(keyring, entry.sealed, elevationId);
          entries.set(elevationId, { ...entry, sealed: encrypt(keyring, password, elevationId) });
          rewritten++;
        }
        if (rewritten > 0) await save(entries);
        return rewritten;
      }),

    describe: (elevationId) =>
      exclusive(async () => {
        const entry = (await load()).get(elevationId);
        return entry ? { ...toRecord(elevationId, entry), revokedAtMs: entry.revokedAtMs } : null;
      }),
  };
}

/** Fail-closed: a NaN or missing time never counts as inside the window. */
function isOpen(entry: VaultEntry, nowMs: number): boolean {
  return entry.revokedAtMs === null && nowMs < entry.endsAtMs;
}

function requireEntry(entries: Entries, elevationId: string): VaultEntry {
  const entry = entries.get(elevationId);
  if (!entry) throw new VaultError('not-found', `no grant for elevation ${describeId(elevationId)}`);
  return entry;
}

function closed(elevationId: string, why: string): VaultError {
  return new VaultError('closed', `grant ${elevationId} ${why}`);
}

/** A retry must not swap the device or account of a grant behind the workflow's back. */
function sameGrantOrFail(
  input: { elevationId: string; deviceSerial: string; account: string },
  entry: VaultEntry,
) {
  if (entry.deviceSerial !== input.deviceSerial || entry.account !== input.account) {
    throw new Error(`elevation ${input.elevationId} is already granted for another device or account`);
  }
  return toRecord(input.elevationId, entry);
}

function toRecord(elevationId: string, entry: VaultEntry): GrantRecord {
  const { deviceSerial, account, endsAtMs, version } = entry;
  return { elevationId, deviceSerial, account, endsAtMs, version };
}

function checkGrantInput(input: {
  elevationId: string;
  deviceSerial: string;
  account: string;
  password: string;
  endsAtMs: number;
}): void {
  if (!isUsableId(input.elevationId)) throw new TypeError('elevationId must be 1-200 visible characters');
  if (input.deviceSerial.trim() === '') throw new TypeError('deviceSerial must not be empty');
  if (input.account.trim() === '') throw new TypeError('account must not be empty');
  // Deliberately says nothing about the value itself.
  if (input.password.length === 0) throw new TypeError('password must not be empty');
  checkTime(input.endsAtMs, 'endsAtMs');
}

function checkTime(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name} must be whole epoch milliseconds`);
}

function isUsableId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_ID_LENGTH && /^[\x21-\x7e]+$/.test(id);
}

/** Ids come from callers; a malformed one is not repeated into logs verbatim. */
function describeId(id: string): string {
  return isUsableId(id) ? id : '(malformed id)';
}

// ---- the file -----------------------------------------------------------------------------------

/**
 * One promise chain per file for the whole process, so two vault objects on the same path (the
 * worker's and a test's, say) cannot interleave a read-modify-write and lose an update.
 */
const fileLocks = new Map<string, Promise<unknown>>();

function runExclusive<T>(file: string, operation: () => Promise<T>): Promise<T> {
  const previous = fileLocks.get(file) ?? Promise.resolve();
  const run = previous.then(operation);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  fileLocks.set(file, settled);
  // Forget the chain once it is idle, so the map does not grow with every path ever used.
  void settled.then(() => {
    if (fileLocks.get(file) === settled) fileLocks.delete(file);
  });
  return run;
}

/** Re-read on every operation: the API process reads the same file the worker writes. */
async function readEntries(file: string): Promise<Entries> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return new Map();
    throw error;
  }
  return parseVaultFile(text, file);
}

function parseVaultFile(text: string, file: string): Entries {
  const corrupt = (why: string) => new VaultError('corrupt', `vault file ${file} ${why}`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // The parser's own message quotes the file's text; say only that it is not JSON.
    throw corrupt('is not valid JSON');
  }
  if (!isObject(document) || document.format !== FILE_FORMAT) throw corrupt('is not a caseflow vault');
  if (document.version !== FILE_FORMAT_VERSION) throw corrupt('has an unsupported format version');
  if (!isObject(document.entries)) throw corrupt('has no entries object');
  const entries: Entries = new Map();
  for (const [elevationId, raw] of Object.entries(document.entries)) {
    const entry = parseEntry(raw);
    if (!entry || !isUsableId(elevationId))
      throw corrupt(`has a malformed entry for ${describeId(elevationId)}`);
    entries.set(elevationId, entry);
  }
  return entries;
}

function parseEntry(raw: unknown): VaultEntry | undefined {
  if (!isObject(raw)) return undefined;
  const { deviceSerial, account, endsAtMs, version, revokedAtMs, sealed } = raw;
  if (typeof deviceSerial !== 'string' || typeof account !== 'string') return undefined;
  if (!isEpochMs(endsAtMs) || !isEpochMs(version) || version < 1) return undefined;
  if (revokedAtMs !== null && !isEpochMs(revokedAtMs)) return undefined;
  const parsedSealed = sealed === null ? null : parseSealed(sealed);
  if (parsedSealed === undefined) return undefined;
  // A revoked entry must have forgotten its secret; one that has not is not trustworthy either way.
  if ((revokedAtMs === null) !== (parsedSealed !== null)) return undefined;
  return { deviceSerial, account, endsAtMs, version, revokedAtMs, sealed: parsedSealed };
}

function parseSealed(raw: unknown): SealedSecret | undefined {
  if (!isObject(raw)) return undefined;
  const { keyId, iv, tag, ciphertext } = raw;
  if (typeof keyId !== 'string' || typeof iv !== 'string') return undefined;
  if (typeof tag !== 'string' || typeof ciphertext !== 'string') return undefined;
  return { keyId, iv, tag, ciphertext };
}

function serialise(entries: Entries): string {
  const document = {
    format: FILE_FORMAT,
    version: FILE_FORMAT_VERSION,
    entries: Object.fromEntries(entries),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * Temp file in the same directory, fsync, rename over the target, fsync the directory: a crash
 * leaves either the old file or the new one, never a torn one, and the rename itself survives.
 */
async function writeEntriesAtomically(file: string, entries: Entries): Promise<void> {
  const directory = path.dirname(file);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const temp = path.join(
    directory,
    `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(serialise(entries), 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(directory);
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
    if (!isErrno(error, 'EINVAL') && !isErrno(error, 'EPERM') && !isErrno(error, 'EISDIR')) throw error;
  } finally {
    await handle.close();
  }
}

function isErrno(error: unknown, code: string): boolean {
  return (error as { code?: unknown } | null)?.code === code;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEpochMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

// ---- passwords ----------------------------------------------------------------------------------

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
// Only symbols that mean nothing inside a quoted PowerShell or cmd string: no quotes, backtick,
// backslash, $, %, ^, !, &, |, < or >. Device automation that splices the password into a script
// then cannot be tripped up; 75 characters still give about 149 bits over 24 places.
const SYMBOLS = '#*+,-./:=?@_~';
const PASSWORD_CLASSES = [UPPER, LOWER, DIGITS, SYMBOLS] as const;
const PASSWORD_ALPHABET = PASSWORD_CLASSES.join('');
const PASSWORD_LENGTH = 24;

/** 24 characters, at least one of each class, each drawn with crypto.randomInt (no modulo bias). */
export function generatePassword(): string {
  const chars = PASSWORD_CLASSES.map(pick);
  while (chars.length < PASSWORD_LENGTH) chars.push(pick(PASSWORD_ALPHABET));
  // The guaranteed characters would otherwise always sit at the front.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join('');
}

function pick(alphabet: string): string {
  return alphabet.charAt(randomInt(alphabet.length));
}
