import { type SealedSecret, VaultError } from './keyring';

/**
 * What the vault decides, whatever stores it. The file vault and the PostgreSQL vault each read
 * the records an operation touches (under their own lock), ask these functions what to write or
 * answer, and write it: the two stores cannot drift apart in what they allow.
 */

const MAX_ID_LENGTH = 200;

/** A legacy per-elevation grant as stored. */
export interface GrantState {
  deviceSerial: string;
  account: string;
  endsAtMs: number;
  version: number;
  revokedAtMs: number | null;
  sealed: SealedSecret | null;
}

/** A device's current JIT password as stored. */
export interface DeviceState {
  account: string;
  version: number;
  rotatesAtMs: number;
  /** When the device got this version; null while it is sealed but not yet on the device. */
  setAtMs: number | null;
  sealed: SealedSecret | null;
}

export interface LeaseRecord {
  leaseId: string;
  deviceSerial: string;
  holder: string;
  endsAtMs: number;
  openedAtMs: number;
  closedAtMs: number | null;
}

export interface GrantRecord {
  elevationId: string;
  deviceSerial: string;
  account: string;
  endsAtMs: number;
  version: number;
}

export interface GrantInput {
  elevationId: string;
  deviceSerial: string;
  account: string;
  password: string;
  endsAtMs: number;
}

export interface DevicePasswordInput {
  deviceSerial: string;
  account: string;
  version: number;
  rotatesAtMs: number;
  password: string;
}

export interface LeaseInput {
  leaseId: string;
  deviceSerial: string;
  holder: string;
  endsAtMs: number;
  nowMs: number;
}

// ---- input checks ------------------------------------------------------------------------------

export function checkGrantInput(input: GrantInput): void {
  if (!isUsableId(input.elevationId)) throw new TypeError('elevationId must be 1-200 visible characters');
  if (input.deviceSerial.trim() === '') throw new TypeError('deviceSerial must not be empty');
  if (input.account.trim() === '') throw new TypeError('account must not be empty');
  // Deliberately says nothing about the value itself.
  if (input.password.length === 0) throw new TypeError('password must not be empty');
  checkTime(input.endsAtMs, 'endsAtMs');
}

export function checkTime(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name} must be whole epoch milliseconds`);
}

export function checkSerial(serial: string): void {
  if (!isUsableId(serial)) throw new TypeError('deviceSerial must be 1-200 visible characters');
}

export function checkVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1)
    throw new RangeError('version must be a positive integer');
}

export function isUsableId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_ID_LENGTH && /^[\x21-\x7e]+$/.test(id);
}

/** Ids come from callers; a malformed one is not repeated into logs verbatim. */
export function describeId(id: string): string {
  return isUsableId(id) ? id : '(malformed id)';
}

/** Associated data of a device password: a sealed secret only opens for its device and version. */
export function deviceAad(deviceSerial: string, version: number): string {
  return `device:${deviceSerial}:v${version}`;
}

// ---- legacy grants -----------------------------------------------------------------------------

export function grantRecord(elevationId: string, grant: GrantState): GrantRecord {
  const { deviceSerial, account, endsAtMs, version } = grant;
  return { elevationId, deviceSerial, account, endsAtMs, version };
}

/**
 * A grant to create, or the one already there when this is a retry. A retry must not swap the
 * device or account of a grant behind the workflow's back. `seal` runs only for a new grant.
 */
export function grantToStore(
  input: GrantInput,
  existing: GrantState | undefined,
  seal: () => SealedSecret,
): { create: GrantState | null; record: GrantRecord } {
  checkGrantInput(input);
  if (existing) {
    if (existing.deviceSerial !== input.deviceSerial || existing.account !== input.account) {
      throw new Error(`elevation ${input.elevationId} is already granted for another device or account`);
    }
    return { create: null, record: grantRecord(input.elevationId, existing) };
  }
  const created: GrantState = {
    deviceSerial: input.deviceSerial,
    account: input.account,
    endsAtMs: input.endsAtMs,
    version: 1,
    revokedAtMs: null,
    sealed: seal(),
  };
  return { create: created, record: grantRecord(input.elevationId, created) };
}

export function requireGrant(elevationId: string, grant: GrantState | undefined): GrantState {
  if (!grant) throw new VaultError('not-found', `no grant for elevation ${describeId(elevationId)}`);
  return grant;
}

/** Fail-closed: a NaN or missing time never counts as inside the window. */
function isOpen(grant: GrantState, nowMs: number): boolean {
  return grant.revokedAtMs === null && nowMs < grant.endsAtMs;
}

/** The extended grant, or null when it already ends there (a retried extension). */
export function grantExtension(
  elevationId: string,
  stored: GrantState | undefined,
  endsAtMs: number,
  nowMs: number,
): GrantState | null {
  checkTime(endsAtMs, 'endsAtMs');
  checkTime(nowMs, 'nowMs');
  const grant = requireGrant(elevationId, stored);
  if (grant.endsAtMs === endsAtMs && isOpen(grant, nowMs)) return null;
  if (grant.revokedAtMs !== null) throw new VaultError('closed', `grant ${elevationId} was revoked`);
  if (!isOpen(grant, nowMs)) throw new VaultError('closed', `grant ${elevationId} has already ended`);
  return { ...grant, endsAtMs, version: grant.version + 1 };
}

/** The sealed password of a grant that may be handed out now. */
export function grantCheckout(
  elevationId: string,
  stored: GrantState | undefined,
  nowMs: number,
): { sealed: SealedSecret; endsAtMs: number } {
  checkTime(nowMs, 'nowMs');
  const grant = requireGrant(elevationId, stored);
  if (grant.revokedAtMs !== null) throw new VaultError('revoked', `grant ${elevationId} was revoked`);
  if (!isOpen(grant, nowMs)) throw new VaultError('expired', `grant ${elevationId} has ended`);
  if (!grant.sealed) throw new VaultError('corrupt', `grant ${elevationId} is open but holds no secret`);
  return { sealed: grant.sealed, endsAtMs: grant.endsAtMs };
}

/** The revoked grant (secret dropped), or null when a revocation already stands. */
export function grantRevocation(
  elevationId: string,
  stored: GrantState | undefined,
  nowMs: number,
): { revoked: GrantState | null; revokedAtMs: number; alreadyRevoked: boolean } {
  checkTime(nowMs, 'nowMs');
  const grant = requireGrant(elevationId, stored);
  if (grant.revokedAtMs !== null) {
    return { revoked: null, revokedAtMs: grant.revokedAtMs, alreadyRevoked: true };
  }
  return {
    revoked: { ...grant, revokedAtMs: nowMs, sealed: null, version: grant.version + 1 },
    revokedAtMs: nowMs,
    alreadyRevoked: false,
  };
}

// ---- device passwords --------------------------------------------------------------------------

/**
 * The device record to store for a newly generated password, or null when this exact version is
 * already sealed (a retried activity). An older version than the stored one is refused: the
 * device owner never goes back. `seal` runs only when something is written.
 */
export function devicePasswordToSeal(
  input: DevicePasswordInput,
  existing: DeviceState | undefined,
  seal: () => SealedSecret,
): DeviceState | null {
  checkSerial(input.deviceSerial);
  checkVersion(input.version);
  checkTime(input.rotatesAtMs, 'rotatesAtMs');
  if (input.account.trim() === '') throw new TypeError('account must not be empty');
  if (input.password.length === 0) throw new TypeError('password must not be empty');
  if (existing && existing.version > input.version) {
    throw new VaultError('closed', `device ${input.deviceSerial} is already past version ${input.version}`);
  }
  if (existing && existing.version === input.version && existing.sealed) return null;
  return {
    account: input.account,
    version: input.version,
    rotatesAtMs: input.rotatesAtMs,
    setAtMs: null,
    sealed: seal(),
  };
}

/** The device's sealed password of exactly this version. */
export function sealedVersion(
  deviceSerial: string,
  version: number,
  device: DeviceState | undefined,
): SealedSecret {
  if (!device || device.version !== version || !device.sealed) {
    throw new VaultError(
      'not-found',
      `no sealed password version ${version} for device ${describeId(deviceSerial)}`,
    );
  }
  return device.sealed;
}

/** The confirmation time to record, or null when the version was confirmed before. */
export function deviceConfirmation(
  deviceSerial: string,
  version: number,
  setAtMs: number,
  device: DeviceState | undefined,
): number | null {
  checkTime(setAtMs, 'setAtMs');
  sealedVersion(deviceSerial, version, device);
  return device?.setAtMs === null ? setAtMs : null;
}

/** The record that says no password of this version may be handed out, or null if already past. */
export function deviceRetirement(
  deviceSerial: string,
  version: number,
  device: DeviceState | undefined,
): DeviceState | null {
  checkSerial(deviceSerial);
  checkVersion(version);
  if (device && device.version > version) return null;
  return { account: device?.account ?? '', version, rotatesAtMs: 0, setAtMs: null, sealed: null };
}

// ---- leases ------------------------------------------------------------------------------------

/** The lease to create, or null when this is a retry of the same opening. */
export function leaseToOpen(input: LeaseInput, existing: LeaseRecord | undefined): LeaseRecord | null {
  if (!isUsableId(input.leaseId)) throw new TypeError('leaseId must be 1-200 visible characters');
  checkSerial(input.deviceSerial);
  checkTime(input.endsAtMs, 'endsAtMs');
  checkTime(input.nowMs, 'nowMs');
  if (existing) {
    if (existing.deviceSerial !== input.deviceSerial || existing.holder !== input.holder) {
      throw new Error(`lease ${input.leaseId} is already open for another device or holder`);
    }
    return null;
  }
  return {
    leaseId: input.leaseId,
    deviceSerial: input.deviceSerial,
    holder: input.holder,
    endsAtMs: input.endsAtMs,
    openedAtMs: input.nowMs,
    closedAtMs: null,
  };
}

export function leaseExtension(
  leaseId: string,
  lease: LeaseRecord | undefined,
  endsAtMs: number,
): LeaseRecord {
  checkTime(endsAtMs, 'endsAtMs');
  if (!lease) throw new VaultError('not-found', `no lease ${describeId(leaseId)}`);
  if (lease.closedAtMs !== null) throw new VaultError('closed', `grant ${leaseId} was closed`);
  return { ...lease, endsAtMs };
}

/** What a lease reader may know: the lease, and whether its device has a usable password. */
export function leaseDescription(lease: LeaseRecord, device: DeviceState | undefined) {
  const usable = device && device.sealed && device.setAtMs !== null;
  return {
    lease,
    password: usable ? { version: device.version, rotatesAtMs: device.rotatesAtMs } : null,
  };
}

/**
 * Fail-closed checkout: the lease must be open and inside its window, and its device must hold a
 * confirmed password before its rotation time. Answers what to unseal, with its associated data.
 */
export function leaseCheckout(
  leaseId: string,
  lease: LeaseRecord | undefined,
  device: DeviceState | undefined,
  nowMs: number,
): { sealed: SealedSecret; aad: string; version: number; endsAtMs: number; rotatesAtMs: number } {
  checkTime(nowMs, 'nowMs');
  if (!lease) throw new VaultError('not-found', `no lease ${describeId(leaseId)}`);
  if (lease.closedAtMs !== null) throw new VaultError('revoked', `lease ${leaseId} was closed`);
  if (nowMs >= lease.endsAtMs) throw new VaultError('expired', `lease ${leaseId} has ended`);
  if (!device || !device.sealed || device.setAtMs === null || nowMs >= device.rotatesAtMs) {
    throw new VaultError('closed', `device ${lease.deviceSerial} has no password to hand out right now`);
  }
  return {
    sealed: device.sealed,
    aad: deviceAad(lease.deviceSerial, device.version),
    version: device.version,
    endsAtMs: lease.endsAtMs,
    rotatesAtMs: device.rotatesAtMs,
  };
}

// ---- operators' counts ------------------------------------------------------------------------

export interface VaultStats {
  /** Leases not closed whose window has not ended. */
  openLeases: number;
  /** When the longest-open of them was opened, or null when none is open. */
  oldestOpenLeaseAtMs: number | null;
  /** Devices whose known password is past its rotation time: a rotation is overdue. */
  rotationsOverdue: number;
}

/** The stats of a vault's leases and device passwords (both vault kinds count the same way). */
export function vaultStatsOf(
  leases: Iterable<Pick<LeaseRecord, 'endsAtMs' | 'openedAtMs' | 'closedAtMs'>>,
  devices: Iterable<{ rotatesAtMs: number; setAtMs: number | null; sealed: unknown }>,
  nowMs: number,
): VaultStats {
  let openLeases = 0;
  let oldestOpenLeaseAtMs: number | null = null;
  for (const l of leases) {
    if (l.closedAtMs !== null || l.endsAtMs <= nowMs) continue;
    openLeases++;
    oldestOpenLeaseAtMs = Math.min(oldestOpenLeaseAtMs ?? l.openedAtMs, l.openedAtMs);
  }
  let rotationsOverdue = 0;
  for (const d of devices) if (d.sealed && d.setAtMs !== null && d.rotatesAtMs <= nowMs) rotationsOverdue++;
  return { openLeases, oldestOpenLeaseAtMs, rotationsOverdue };
}
