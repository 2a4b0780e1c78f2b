import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { decrypt, encrypt, type Keyring, type SealedSecret, VaultError } from './keyring';

import {
  checkTime,
  describeId,
  deviceAad,
  type DeviceState,
  deviceConfirmation,
  devicePasswordToSeal,
  deviceRetirement,
  grantCheckout,
  grantExtension,
  grantRecord,
  type GrantRecord,
  grantRevocation,
  type GrantState,
  grantToStore,
  isUsableId,
  type LeaseRecord,
  leaseCheckout,
  leaseDescription,
  leaseExtension,
  leaseToOpen,
  requireGrant,
  sealedVersion,
  type VaultStats,
  vaultStatsOf,
} from './vault-rules';

export { VaultError, type VaultErrorCode } from './keyring';
export type { GrantRecord, LeaseRecord, VaultStats } from './vault-rules';

/**
 * The credential vault for JIT admin access: a device's admin password is readable only while an
 * approved window is open. The password is sealed at rest (AES-256-GCM, the elevation id as
 * associated data) and dropped for good on revoke; `checkout` compares the window end itself, so
 * an elapsed window stays closed even when the revoke activity is late or never ran.
 */

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

  // Device accounts (one owner per device sets the password; elevations hold leases on it).
  /**
   * Seals password `version` of the device, not yet checkout-able (the device does not have it
   * yet). Idempotent per version: a repeat keeps the first password, so a retried activity sends
   * the device the password holders will check out. An older version than the stored one is refused.
   */
  sealDevicePassword(input: {
    deviceSerial: string;
    account: string;
    version: number;
    rotatesAtMs: number;
    password: string;
  }): Promise<void>;
  /** The sealed password of this version, for the activity that sets it on the device. */
  revealDevicePassword(deviceSerial: string, version: number): Promise<string>;
  /** The device holds `version` now: holders may check it out until its rotation time. */
  confirmDevicePassword(deviceSerial: string, version: number, setAtMs: number): Promise<void>;
  /** The device is getting a password nobody may know: forget whatever is sealed for it. */
  retireDevicePassword(deviceSerial: string, version: number): Promise<void>;
  openLease(input: {
    leaseId: string;
    deviceSerial: string;
    holder: string;
    endsAtMs: number;
    nowMs: number;
  }): Promise<LeaseRecord>;
  extendLease(leaseId: string, endsAtMs: number): Promise<LeaseRecord>;
  /** Closes the lease (no more checkouts); a repeat, or an unknown lease, is a no-op. */
  closeLease(leaseId: string, nowMs: number): Promise<void>;
  /** The lease and the device password's state, without the secret. */
  describeLease(leaseId: string): Promise<LeaseDescription | null>;
  /** The password, only for an open lease inside its window and a confirmed password before its rotation. */
  checkoutLease(
    leaseId: string,
    nowMs: number,
  ): Promise<{ password: string; version: number; endsAtMs: number; rotatesAtMs: number }>;
  /** Counts for the operators' metrics; no secret, no holder. */
  stats(nowMs: number): Promise<VaultStats>;
}

export interface LeaseDescription {
  lease: LeaseRecord;
  /** The password holders may check out now, or null while none is confirmed on the device. */
  password: { version: number; rotatesAtMs: number } | null;
}

/** Options of the file vault: a writer holds the file's lock; the API only reads. */
export interface FileVaultOptions {
  path: string;
  keyring: Keyring;
  /** 'reader' refuses every change; a 'writer' takes the lock file on its first change. */
  access?: 'writer' | 'reader';
}

type VaultEntry = GrantState;

type Entries = Map<string, VaultEntry>;

type DeviceEntry = DeviceState;

/** Everything in the vault file: legacy per-elevation grants, device passwords and leases. */
interface VaultState {
  entries: Entries;
  devices: Map<string, DeviceEntry>;
  leases: Map<string, LeaseRecord>;
}

const FILE_FORMAT = 'caseflow-vault';
const FILE_FORMAT_VERSION = 2;

export function createFileVault(options: FileVaultOptions): CredentialVault {
  const file = path.resolve(options.path);
  const { keyring } = options;
  const access = options.access ?? 'writer';
  const exclusive = <T>(operation: () => Promise<T>) => runExclusive(file, operation);
  const load = () => readState(file);
  /** Read-modify-write under the process lock, and only by the one writer process. */
  const change = <T>(operation: (state: VaultState) => Promise<T> | T) =>
    exclusive(async () => {
      if (access !== 'writer') throw new VaultError('closed', 'this vault is opened read-only');
      await holdWriterLock(file);
      const state = await load();
      const result = await operation(state);
      await writeStateAtomically(file, state);
      return result;
    });
  const read = <T>(operation: (state: VaultState) => T) => exclusive(async () => operation(await load()));

  return {
    grant: (input) =>
      change((state) => {
        const { create, record } = grantToStore(input, state.entries.get(input.elevationId), () =>
          encrypt(keyring, input.password, input.elevationId),
        );
        if (create) state.entries.set(input.elevationId, create);
        return record;
      }),

    extend: (elevationId, endsAtMs, nowMs = Date.now()) =>
      change((state) => {
        const stored = state.entries.get(elevationId);
        const extended = grantExtension(elevationId, stored, endsAtMs, nowMs);
        if (extended) state.entries.set(elevationId, extended);
        return grantRecord(elevationId, extended ?? requireGrant(elevationId, stored));
      }),

    checkout: (elevationId, nowMs) =>
      read((state) => {
        const { sealed, endsAtMs } = grantCheckout(elevationId, state.entries.get(elevationId), nowMs);
        return { password: decrypt(keyring, sealed, elevationId), endsAtMs };
      }),

    revoke: (elevationId, nowMs) =>
      change((state) => {
        const { revoked, revokedAtMs, alreadyRevoked } = grantRevocation(
          elevationId,
          state.entries.get(elevationId),
          nowMs,
        );
        if (revoked) state.entries.set(elevationId, revoked);
        return { revokedAtMs, alreadyRevoked };
      }),

    reencryptAll: () =>
      change((state) => {
        let rewritten = 0;
        for (const [elevationId, entry] of state.entries) {
          if (!entry.sealed || entry.sealed.keyId === keyring.currentKeyId) continue;
          const password = decrypt(keyring, entry.sealed, elevationId);
          state.entries.set(elevationId, { ...entry, sealed: encrypt(keyring, password, elevationId) });
          rewritten++;
        }
        for (const [serial, device] of state.devices) {
          if (!device.sealed || device.sealed.keyId === keyring.currentKeyId) continue;
          const aad = deviceAad(serial, device.version);
          state.devices.set(serial, {
            ...device,
            sealed: encrypt(keyring, decrypt(keyring, device.sealed, aad), aad),
          });
          rewritten++;
        }
        return rewritten;
      }),

    describe: (elevationId) =>
      read((state) => {
        const entry = state.entries.get(elevationId);
        return entry ? { ...grantRecord(elevationId, entry), revokedAtMs: entry.revokedAtMs } : null;
      }),

    sealDevicePassword: (input) =>
      change((state) => {
        const sealed = devicePasswordToSeal(input, state.devices.get(input.deviceSerial), () =>
          encrypt(keyring, input.password, deviceAad(input.deviceSerial, input.version)),
        );
        if (sealed) state.devices.set(input.deviceSerial, sealed);
      }),

    revealDevicePassword: (deviceSerial, version) =>
      read((state) =>
        decrypt(
          keyring,
          sealedVersion(deviceSerial, version, state.devices.get(deviceSerial)),
          deviceAad(deviceSerial, version),
        ),
      ),

    confirmDevicePassword: (deviceSerial, version, setAtMs) =>
      change((state) => {
        const device = state.devices.get(deviceSerial);
        const confirmedAtMs = deviceConfirmation(deviceSerial, version, setAtMs, device);
        if (device && confirmedAtMs !== null)
          state.devices.set(deviceSerial, { ...device, setAtMs: confirmedAtMs });
      }),

    retireDevicePassword: (deviceSerial, version) =>
      change((state) => {
        const retired = deviceRetirement(deviceSerial, version, state.devices.get(deviceSerial));
        if (retired) state.devices.set(deviceSerial, retired);
      }),

    openLease: (input) =>
      change((state) => {
        const existing = state.leases.get(input.leaseId);
        const opened = leaseToOpen(input, existing);
        if (!opened) return existing as LeaseRecord;
        state.leases.set(input.leaseId, opened);
        return opened;
      }),

    extendLease: (leaseId, endsAtMs) =>
      change((state) => {
        const extended = leaseExtension(leaseId, state.leases.get(leaseId), endsAtMs);
        state.leases.set(leaseId, extended);
        return extended;
      }),

    closeLease: (leaseId, nowMs) =>
      change((state) => {
        checkTime(nowMs, 'nowMs');
        const lease = state.leases.get(leaseId);
        if (!lease || lease.closedAtMs !== null) return;
        state.leases.set(leaseId, { ...lease, closedAtMs: nowMs });
      }),

    stats: (nowMs) => read((state) => vaultStatsOf(state.leases.values(), state.devices.values(), nowMs)),

    describeLease: (leaseId) =>
      read((state) => {
        const lease = state.leases.get(leaseId);
        return lease ? leaseDescription(lease, state.devices.get(lease.deviceSerial)) : null;
      }),

    checkoutLease: (leaseId, nowMs) =>
      read((state) => {
        const lease = state.leases.get(leaseId);
        const { sealed, aad, ...window } = leaseCheckout(
          leaseId,
          lease,
          lease && state.devices.get(lease.deviceSerial),
          nowMs,
        );
        return { password: decrypt(keyring, sealed, aad), ...window };
      }),
  };
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
async function readState(file: string): Promise<VaultState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return { entries: new Map(), devices: new Map(), leases: new Map() };
    throw error;
  }
  return parseVaultFile(text, file);
}

function parseVaultFile(text: string, file: string): VaultState {
  const corrupt = (why: string) => new VaultError('corrupt', `vault file ${file} ${why}`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // The parser's own message quotes the file's text; say only that it is not JSON.
    throw corrupt('is not valid JSON');
  }
  if (!isObject(document) || document.format !== FILE_FORMAT) throw corrupt('is not a caseflow vault');
  // Version 1 held only per-elevation grants; it reads as a version 2 file without devices.
  if (document.version !== 1 && document.version !== FILE_FORMAT_VERSION) {
    throw corrupt('has an unsupported format version');
  }
  if (!isObject(document.entries)) throw corrupt('has no entries object');
  const entries: Entries = new Map();
  for (const [elevationId, raw] of Object.entries(document.entries)) {
    const entry = parseEntry(raw);
    if (!entry || !isUsableId(elevationId))
      throw corrupt(`has a malformed entry for ${describeId(elevationId)}`);
    entries.set(elevationId, entry);
  }
  const devices = new Map<string, DeviceEntry>();
  for (const [serial, raw] of Object.entries(isObject(document.devices) ? document.devices : {})) {
    const device = parseDevice(raw);
    if (!device || !isUsableId(serial)) throw corrupt(`has a malformed device ${describeId(serial)}`);
    devices.set(serial, device);
  }
  const leases = new Map<string, LeaseRecord>();
  for (const [leaseId, raw] of Object.entries(isObject(document.leases) ? document.leases : {})) {
    const lease = parseLease(leaseId, raw);
    if (!lease) throw corrupt(`has a malformed lease ${describeId(leaseId)}`);
    leases.set(leaseId, lease);
  }
  return { entries, devices, leases };
}

function parseDevice(raw: unknown): DeviceEntry | undefined {
  if (!isObject(raw)) return undefined;
  const { account, version, rotatesAtMs, setAtMs, sealed } = raw;
  if (typeof account !== 'string' || !isEpochMs(version) || !isEpochMs(rotatesAtMs)) return undefined;
  if (setAtMs !== null && !isEpochMs(setAtMs)) return undefined;
  const parsedSealed = sealed === null ? null : parseSealed(sealed);
  if (parsedSealed === undefined) return undefined;
  return { account, version, rotatesAtMs, setAtMs, sealed: parsedSealed };
}

function parseLease(leaseId: string, raw: unknown): LeaseRecord | undefined {
  if (!isObject(raw) || !isUsableId(leaseId)) return undefined;
  const { deviceSerial, holder, endsAtMs, openedAtMs, closedAtMs } = raw;
  if (typeof deviceSerial !== 'string' || typeof holder !== 'string') return undefined;
  if (!isEpochMs(endsAtMs) || !isEpochMs(openedAtMs)) return undefined;
  if (closedAtMs !== null && !isEpochMs(closedAtMs)) return undefined;
  return { leaseId, deviceSerial, holder, endsAtMs, openedAtMs, closedAtMs };
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

function serialise(state: VaultState): string {
  const document = {
    format: FILE_FORMAT,
    version: FILE_FORMAT_VERSION,
    entries: Object.fromEntries(state.entries),
    devices: Object.fromEntries(state.devices),
    leases: Object.fromEntries(state.leases),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * Temp file in the same directory, fsync, rename over the target, fsync the directory: a crash
 * leaves either the old file or the new one, never a torn one, and the rename itself survives.
 */
async function writeStateAtomically(file: string, state: VaultState): Promise<void> {
  const directory = path.dirname(file);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const temp = path.join(
    directory,
    `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(serialise(state), 'utf8');
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

/**
 * The file vault has one writer process: a second one would read, change and write back the
 * same file and lose the first one's updates. The writer holds `<file>.lock` (its pid); another
 * live process holding it makes every change fail, and a lock left by a dead process is taken over.
 */
const heldLocks = new Set<string>();

async function holdWriterLock(file: string): Promise<void> {
  if (heldLocks.has(file)) return;
  const lock = `${file}.lock`;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      heldLocks.add(file);
      releaseLocksOnExit();
      return;
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
    }
    const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    if (holder === process.pid) {
      heldLocks.add(file);
      return;
    }
    if (Number.isSafeInteger(holder) && holder > 0 && processIsAlive(holder)) {
      throw new VaultError(
        'locked',
        `the vault file is held by another writer process (pid ${holder}); the file vault allows one writer`,
      );
    }
    // Left behind by a process that died: take it over.
    await unlink(lock).catch(() => undefined);
  }
  throw new VaultError('locked', 'could not take the vault lock');
}

let releaseRegistered = false;

/** One exit hook for every lock this process holds: the next writer need not wait for staleness. */
function releaseLocksOnExit(): void {
  if (releaseRegistered) return;
  releaseRegistered = true;
  process.once('exit', () => {
    for (const file of heldLocks) {
      const lock = `${file}.lock`;
      try {
        if (readFileSync(lock, 'utf8').trim() === String(process.pid)) unlinkSync(lock);
      } catch {
        // Gone already: nothing to release.
      }
    }
  });
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, 'EPERM');
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
