/*
 * The JIT admin account of one device (DOMAIN.md, "JIT elevation"; DESIGN.md, "Device account"):
 * one owner sets its password, elevations hold leases on it. Pure rules over plain data; the
 * device workflow asks `nextStep` what to do, does it, and applies the outcome. Times are epoch ms
 * from the workflow clock. No password ever appears here, only its version and when it was set.
 *
 * The guarantees, as rules of `nextStep`:
 *  - a password handed to holders is rotated at its maximum age, open leases or not;
 *  - when the last lease ends the password is rotated at once (post-use rotation);
 *  - holders at the same time share the current password: a grant never replaces it while
 *    another lease is open, and one lease ending never ends another;
 *  - the vault is told a lease is closed before anything else happens on the device.
 */

const MINUTE_MS = 60_000;

export interface DevicePolicy {
  /** No password handed to a holder stays set longer than this (the seed's two hours). */
  passwordMaxAgeMinutes: number;
  /** A rotation still failing after this long raises `elevation-rotation-failing`. */
  rotationFailingAfterMinutes: number;
  /** A grant not done after this long is refused (the requester and approver are told). */
  grantTimeoutMinutes: number;
  /** The owner finishes after this long with no lease and a rotated password. */
  idleMinutes: number;
}

export const DEFAULT_DEVICE_POLICY: DevicePolicy = {
  passwordMaxAgeMinutes: 120,
  rotationFailingAfterMinutes: 15,
  grantTimeoutMinutes: 10,
  idleMinutes: 60,
};

/** Policy fields the elevation policy may carry; anything missing (older policies) takes the default. */
export function devicePolicyOf(p: Partial<DevicePolicy> | undefined): DevicePolicy {
  return {
    passwordMaxAgeMinutes: p?.passwordMaxAgeMinutes ?? DEFAULT_DEVICE_POLICY.passwordMaxAgeMinutes,
    rotationFailingAfterMinutes:
      p?.rotationFailingAfterMinutes ?? DEFAULT_DEVICE_POLICY.rotationFailingAfterMinutes,
    grantTimeoutMinutes: p?.grantTimeoutMinutes ?? DEFAULT_DEVICE_POLICY.grantTimeoutMinutes,
    idleMinutes: p?.idleMinutes ?? DEFAULT_DEVICE_POLICY.idleMinutes,
  };
}

/** An elevation asking for access; its id is the elevation id and doubles as the lease id. */
export interface LeaseRequest {
  leaseId: string;
  /** Where the owner reports back (granted, refused, rotated, closed). */
  holderWorkflowId: string;
  holder: string;
  caseId: string;
  endsAtMs: number;
  requestedAtMs: number;
}

export interface Lease extends LeaseRequest {
  grantedAtMs: number;
  /** The window end the vault holds; differs from endsAtMs while an extension is on its way. */
  vaultEndsAtMs: number;
}

export interface EndingLease {
  leaseId: string;
  holderWorkflowId: string;
  reason: string;
}

/** The password holders know: its version and when it must be gone from the device. */
export interface CurrentPassword {
  version: number;
  setAtMs: number;
  rotateAtMs: number;
  /** A lease has held it: from then on it must be rotated when the last holder leaves. */
  exposed: boolean;
}

export interface DeviceLogEntry {
  at: string;
  type:
    | 'lease-requested'
    | 'lease-granted'
    | 'lease-refused'
    | 'lease-extended'
    | 'lease-ended'
    | 'lease-closed'
    | 'password-set'
    | 'password-rotated'
    | 'rotation-failing'
    | 'rotation-recovered';
  leaseId: string | null;
  text: string;
}

export interface DeviceRecord {
  serial: string;
  /** The last password version the owner set on the device (0: none yet). */
  version: number;
  /** The password the open leases share, or null when the device holds one nobody knows. */
  current: CurrentPassword | null;
  leases: Lease[];
  pending: LeaseRequest[];
  ending: EndingLease[];
  /** Recently closed lease ids, so a late or repeated request cannot reopen one. */
  closed: string[];
  lastChangeMs: number;
  rotationFailingSinceMs: number | null;
  rotationFailingNotified: boolean;
  /** The recent part of the log; the history holds the rest. */
  log: DeviceLogEntry[];
}

const LOG_KEEP = 50;
const CLOSED_KEEP = 500;
const iso = (ms: number) => new Date(ms).toISOString();

function logged(d: DeviceRecord, nowMs: number, entry: Omit<DeviceLogEntry, 'at'>): DeviceRecord {
  return { ...d, lastChangeMs: nowMs, log: [...d.log, { at: iso(nowMs), ...entry }].slice(-LOG_KEEP) };
}

export function openDevice(serial: string, nowMs: number): DeviceRecord {
  return {
    serial,
    version: 0,
    current: null,
    leases: [],
    pending: [],
    ending: [],
    closed: [],
    lastChangeMs: nowMs,
    rotationFailingSinceMs: null,
    rotationFailingNotified: false,
    log: [],
  };
}

const knows = (d: DeviceRecord, leaseId: string) =>
  d.leases.some((l) => l.leaseId === leaseId) ||
  d.pending.some((l) => l.leaseId === leaseId) ||
  d.ending.some((l) => l.leaseId === leaseId);

// ---- messages -----------------------------------------------------------------------------------

/** A repeated request (a retried activity) changes nothing; one for a closed lease is ignored. */
export function leaseRequested(d: DeviceRecord, request: LeaseRequest, nowMs: number): DeviceRecord {
  if (knows(d, request.leaseId) || d.closed.includes(request.leaseId)) return d;
  return logged({ ...d, pending: [...d.pending, request] }, nowMs, {
    type: 'lease-requested',
    leaseId: request.leaseId,
    text: `Lease ${request.leaseId} for ${request.holder} requested until ${iso(request.endsAtMs)}.`,
  });
}

/** The holder ends its lease (release, revoke, window end, case over); also while it is granting. */
export function leaseEndRequested(
  d: DeviceRecord,
  leaseId: string,
  reason: string,
  nowMs: number,
): DeviceRecord {
  const open = d.leases.find((l) => l.leaseId === leaseId);
  const pending = d.pending.find((l) => l.leaseId === leaseId);
  if (!open && !pending) return d;
  const holder = (open ?? pending) as LeaseRequest;
  return logged(
    {
      ...d,
      leases: d.leases.filter((l) => l.leaseId !== leaseId),
      pending: d.pending.filter((l) => l.leaseId !== leaseId),
      ending: [...d.ending, { leaseId, holderWorkflowId: holder.holderWorkflowId, reason }],
    },
    nowMs,
    { type: 'lease-ended', leaseId, text: `Lease ${leaseId} ended: ${reason}.` },
  );
}

/** A re-approved extension moves the lease's end; the vault follows in the next step. */
export function leaseExtended(
  d: DeviceRecord,
  leaseId: string,
  endsAtMs: number,
  nowMs: number,
): DeviceRecord {
  const move = <L extends LeaseRequest>(l: L): L => (l.leaseId === leaseId ? { ...l, endsAtMs } : l);
  if (!d.leases.some((l) => l.leaseId === leaseId) && !d.pending.some((l) => l.leaseId === leaseId)) return d;
  return logged({ ...d, leases: d.leases.map(move), pending: d.pending.map(move) }, nowMs, {
    type: 'lease-extended',
    leaseId,
    text: `Lease ${leaseId} extended until ${iso(endsAtMs)}.`,
  });
}

// ---- what to do next ----------------------------------------------------------------------------

export type DeviceStep =
  /** Tell the vault these leases are closed (first: checkout stops before anything else). */
  | { type: 'close-leases'; leases: EndingLease[]; lastHolderLeft: boolean }
  /** Move lease ends in the vault to what the holders were granted. */
  | { type: 'sync-lease-ends'; leases: { leaseId: string; endsAtMs: number }[] }
  /**
   * Set a new password on the device. `keep`: it is for holders (sealed in the vault); otherwise
   * nobody learns it. `grant`: pending leases that get it.
   */
  | { type: 'set-password'; version: number; reason: 'grant' | 'max-age' | 'post-use'; keep: boolean }
  /** Pending leases join the current password (open them in the vault). */
  | { type: 'open-leases'; leases: LeaseRequest[] }
  /** Pending requests that waited too long. */
  | { type: 'refuse-leases'; leases: LeaseRequest[]; reason: string }
  /** Leases whose window is over on the owner's clock (the holder should have ended them). */
  | { type: 'expire-leases'; leaseIds: string[] }
  | { type: 'wait'; untilMs: number | null }
  /** Nothing open, nothing known: the owner may finish. */
  | { type: 'idle' };

export function nextStep(d: DeviceRecord, policy: DevicePolicy, nowMs: number): DeviceStep {
  if (d.ending.length > 0) {
    return { type: 'close-leases', leases: d.ending, lastHolderLeft: d.leases.length === 0 };
  }
  const overdue = d.leases.filter((l) => nowMs >= l.endsAtMs).map((l) => l.leaseId);
  if (overdue.length > 0) return { type: 'expire-leases', leaseIds: overdue };
  const grantDeadline = (l: LeaseRequest) => l.requestedAtMs + policy.grantTimeoutMinutes * MINUTE_MS;
  const late = d.pending.filter((l) => nowMs >= grantDeadline(l));
  if (late.length > 0) {
    return {
      type: 'refuse-leases',
      leases: late,
      reason: `the device account could not be granted within ${policy.grantTimeoutMinutes} minutes`,
    };
  }
  const unsynced = d.leases.filter((l) => l.vaultEndsAtMs !== l.endsAtMs);
  if (unsynced.length > 0) {
    return {
      type: 'sync-lease-ends',
      leases: unsynced.map((l) => ({ leaseId: l.leaseId, endsAtMs: l.endsAtMs })),
    };
  }
  const version = d.version + 1;
  if (d.current !== null) {
    if (nowMs >= d.current.rotateAtMs) {
      const holders = d.leases.length > 0 || d.pending.length > 0;
      return { type: 'set-password', version, reason: holders ? 'max-age' : 'post-use', keep: holders };
    }
    if (d.leases.length === 0 && (d.current.exposed || d.pending.length === 0)) {
      // The last holder left: the password they knew goes now; a waiting request gets a fresh one.
      return d.pending.length > 0
        ? { type: 'set-password', version, reason: 'grant', keep: true }
        : { type: 'set-password', version, reason: 'post-use', keep: false };
    }
    if (d.pending.length > 0) return { type: 'open-leases', leases: d.pending };
  } else if (d.pending.length > 0) {
    return { type: 'set-password', version, reason: 'grant', keep: true };
  }
  const wakes = [
    ...(d.current ? [d.current.rotateAtMs] : []),
    ...d.leases.map((l) => l.endsAtMs),
    ...d.pending.map(grantDeadline),
  ];
  if (wakes.length === 0 && d.rotationFailingSinceMs === null) return { type: 'idle' };
  return { type: 'wait', untilMs: wakes.length > 0 ? Math.min(...wakes) : null };
}

// ---- outcomes of steps --------------------------------------------------------------------------

export function leasesClosed(d: DeviceRecord, leaseIds: string[], nowMs: number): DeviceRecord {
  let next: DeviceRecord = {
    ...d,
    ending: d.ending.filter((l) => !leaseIds.includes(l.leaseId)),
    closed: [...d.closed, ...leaseIds].slice(-CLOSED_KEEP),
  };
  for (const leaseId of leaseIds) {
    next = logged(next, nowMs, {
      type: 'lease-closed',
      leaseId,
      text: `Lease ${leaseId} closed in the vault; its holder can no longer check out.`,
    });
  }
  return next;
}

export function leasesExpired(d: DeviceRecord, leaseIds: string[], nowMs: number): DeviceRecord {
  return leaseIds.reduce((r, id) => leaseEndRequested(r, id, 'the access window ended', nowMs), d);
}

export function leaseEndsSynced(
  d: DeviceRecord,
  synced: { leaseId: string; endsAtMs: number }[],
): DeviceRecord {
  const ends = new Map(synced.map((s) => [s.leaseId, s.endsAtMs]));
  return {
    ...d,
    leases: d.leases.map((l) =>
      ends.has(l.leaseId) ? { ...l, vaultEndsAtMs: ends.get(l.leaseId) ?? 0 } : l,
    ),
  };
}

/** The device has the new password. Kept: holders share it until its maximum age. */
export function passwordSet(
  d: DeviceRecord,
  step: { version: number; reason: 'grant' | 'max-age' | 'post-use'; keep: boolean },
  policy: DevicePolicy,
  nowMs: number,
): DeviceRecord {
  const current = step.keep
    ? {
        version: step.version,
        setAtMs: nowMs,
        rotateAtMs: nowMs + policy.passwordMaxAgeMinutes * MINUTE_MS,
        exposed: d.leases.length > 0,
      }
    : null;
  const text = {
    grant: `A fresh password (version ${step.version}) was set for the holders; it rotates by ${current ? iso(current.rotateAtMs) : ''}.`,
    'max-age': `The password reached its ${policy.passwordMaxAgeMinutes}-minute limit and was rotated (version ${step.version}); holders check out again.`,
    'post-use': `The last holder left; the password was rotated (version ${step.version}) and nobody knows the new one.`,
  }[step.reason];
  const recovered = d.rotationFailingSinceMs !== null;
  let next = logged(
    {
      ...d,
      version: step.version,
      current,
      rotationFailingSinceMs: null,
      rotationFailingNotified: false,
    },
    nowMs,
    { type: step.reason === 'grant' ? 'password-set' : 'password-rotated', leaseId: null, text },
  );
  if (recovered) {
    next = logged(next, nowMs, {
      type: 'rotation-recovered',
      leaseId: null,
      text: 'Rotation succeeded again.',
    });
  }
  return next;
}

/** These pending leases now hold the current password (the vault has opened them). */
export function leasesOpened(d: DeviceRecord, leaseIds: string[], nowMs: number): DeviceRecord {
  const opened = d.pending.filter((l) => leaseIds.includes(l.leaseId));
  let next: DeviceRecord = {
    ...d,
    current: d.current && opened.length > 0 ? { ...d.current, exposed: true } : d.current,
    pending: d.pending.filter((l) => !leaseIds.includes(l.leaseId)),
    leases: [...d.leases, ...opened.map((l) => ({ ...l, grantedAtMs: nowMs, vaultEndsAtMs: l.endsAtMs }))],
  };
  for (const l of opened) {
    next = logged(next, nowMs, {
      type: 'lease-granted',
      leaseId: l.leaseId,
      text: `Lease ${l.leaseId} for ${l.holder} shares password version ${d.current?.version ?? d.version} until ${iso(l.endsAtMs)}.`,
    });
  }
  return next;
}

/**
 * Ids the vault opened that are no longer pending (their end arrived while the grant ran): they
 * must be closed again, so they go to `ending`.
 */
export function openedButGone(d: DeviceRecord, openedIds: string[], requests: LeaseRequest[]): DeviceRecord {
  const gone = requests.filter(
    (l) => openedIds.includes(l.leaseId) && !d.pending.some((p) => p.leaseId === l.leaseId),
  );
  const fresh = gone.filter((l) => !d.ending.some((e) => e.leaseId === l.leaseId));
  if (fresh.length === 0) return d;
  return {
    ...d,
    ending: [
      ...d.ending,
      ...fresh.map((l) => ({
        leaseId: l.leaseId,
        holderWorkflowId: l.holderWorkflowId,
        reason: 'ended while granting',
      })),
    ],
  };
}

export function leasesRefused(
  d: DeviceRecord,
  leaseIds: string[],
  reason: string,
  nowMs: number,
): DeviceRecord {
  let next: DeviceRecord = {
    ...d,
    pending: d.pending.filter((l) => !leaseIds.includes(l.leaseId)),
    closed: [...d.closed, ...leaseIds].slice(-CLOSED_KEEP),
  };
  for (const leaseId of leaseIds) {
    next = logged(next, nowMs, {
      type: 'lease-refused',
      leaseId,
      text: `Lease ${leaseId} refused: ${reason}.`,
    });
  }
  return next;
}

export function rotationFailing(d: DeviceRecord, cause: string, nowMs: number): DeviceRecord {
  if (d.rotationFailingSinceMs !== null) return d;
  return logged({ ...d, rotationFailingSinceMs: nowMs }, nowMs, {
    type: 'rotation-failing',
    leaseId: null,
    text: `Setting the device password failed: ${cause}. Retrying; checkout stays refused meanwhile.`,
  });
}

export const rotationFailingNotified = (d: DeviceRecord): DeviceRecord => ({
  ...d,
  rotationFailingNotified: true,
});

/** Whether a failing rotation has gone on long enough to tell people. */
export function rotationFailingIsDue(d: DeviceRecord, policy: DevicePolicy, nowMs: number): boolean {
  return (
    d.rotationFailingSinceMs !== null &&
    !d.rotationFailingNotified &&
    nowMs - d.rotationFailingSinceMs >= policy.rotationFailingAfterMinutes * MINUTE_MS
  );
}

/** What continue-as-new carries: the state without the log (the history holds the log). */
export const deviceSummary = (d: DeviceRecord): DeviceRecord => ({ ...d, log: [] });

/** The owner as operators and the API see it: versions and times, never a password. */
export interface DeviceView {
  serial: string;
  passwordVersion: number;
  passwordSetAt: string | null;
  rotatesAt: string | null;
  leases: { leaseId: string; holder: string; caseId: string; endsAt: string; grantedAt: string }[];
  pending: { leaseId: string; holder: string; requestedAt: string }[];
  rotationFailingSince: string | null;
  log: DeviceLogEntry[];
}

export function deviceView(d: DeviceRecord): DeviceView {
  return {
    serial: d.serial,
    passwordVersion: d.version,
    passwordSetAt: d.current ? iso(d.current.setAtMs) : null,
    rotatesAt: d.current ? iso(d.current.rotateAtMs) : null,
    leases: d.leases.map((l) => ({
      leaseId: l.leaseId,
      holder: l.holder,
      caseId: l.caseId,
      endsAt: iso(l.endsAtMs),
      grantedAt: iso(l.grantedAtMs),
    })),
    pending: d.pending.map((l) => ({
      leaseId: l.leaseId,
      holder: l.holder,
      requestedAt: iso(l.requestedAtMs),
    })),
    rotationFailingSince: d.rotationFailingSinceMs === null ? null : iso(d.rotationFailingSinceMs),
    log: d.log,
  };
}

// ---- checkout -----------------------------------------------------------------------------------

export type CheckoutDecision =
  | { ok: true; endsAtMs: number; rotatesAtMs: number }
  | { ok: false; reason: string; forbidden: boolean; unconfirmed?: boolean };

/**
 * The one decision on a password checkout: the requester of an active elevation, inside its
 * window, with a lease the vault holds open, before the password's rotation time. The vault's
 * facts come first, so a refusal needs no worker; with the elevation's state unknown (no worker
 * answering) nothing is handed out (`unconfirmed`).
 */
export function decideLeaseCheckout(input: {
  actor: string;
  elevation: { status: string; requestedBy: string; endsAtMs: number | null } | null;
  lease: { closed: boolean; endsAtMs: number; holder: string | null } | null;
  password: { rotatesAtMs: number } | null;
  nowMs: number;
}): CheckoutDecision {
  const { actor, elevation, lease, password, nowMs } = input;
  const refuse = (reason: string, forbidden = false): CheckoutDecision => ({ ok: false, reason, forbidden });
  const holder = elevation?.requestedBy ?? lease?.holder ?? null;
  if (holder !== null && actor !== holder) {
    return refuse('Only the approved requester can check out the password.', true);
  }
  if (elevation && (elevation.status !== 'active' || elevation.endsAtMs === null)) {
    return refuse(`The elevation is ${elevation.status}; there is nothing to check out.`);
  }
  if (elevation && elevation.endsAtMs !== null && nowMs >= elevation.endsAtMs)
    return refuse('The access window has ended.');
  if (!lease) return refuse('No access is granted for this elevation; there is nothing to check out.');
  if (lease.closed) return refuse('The access was closed (revoked); there is nothing to check out.');
  if (nowMs >= lease.endsAtMs) return refuse('The access window has ended.');
  if (!password || nowMs >= password.rotatesAtMs) {
    return refuse('The device password is being rotated; try again in a moment.');
  }
  if (!elevation) {
    return {
      ok: false,
      reason: "The elevation's state cannot be read right now; nothing is handed out. Try again.",
      forbidden: false,
      unconfirmed: true,
    };
  }
  return {
    ok: true,
    endsAtMs: Math.min(elevation.endsAtMs ?? lease.endsAtMs, lease.endsAtMs),
    rotatesAtMs: password.rotatesAtMs,
  };
}

export const deviceWorkflowIdOf = (serial: string): string => `device:${serial}`;
