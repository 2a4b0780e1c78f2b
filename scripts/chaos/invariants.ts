/*
 * What must still be true after a chaos run, as pure functions over what the run recorded: the
 * cases it drove (as the API reads them back), the elevations, what each recording receiver was
 * sent, and the texts a password could have leaked into. Each check returns its figures and a
 * list of violations; an empty list is a pass. Kept free of I/O so each can be fed bad records.
 */

export interface Verdict {
  name: string;
  /** Human-readable figures for the results file. */
  figures: Record<string, number>;
  violations: string[];
}

const verdict = (name: string, figures: Record<string, number>, violations: string[]): Verdict => ({
  name,
  figures,
  violations,
});

// ---------------------------------------------------------------------------------------------
// Cases

/** A case the driver opened: what it expects at the end, and what the API says now. */
export interface CaseOutcome {
  id: string;
  /** The scenario it was driven through (plain, elevation, escalation, vendor). */
  scenario: string;
  /** The status the API answers now, or null if the case cannot be read. */
  status: string | null;
  /** Whether its workflow exists: a case that cannot be read but exists is stuck, not lost. */
  exists: boolean;
  /** How many cases the list shows for this case's own requester (1 when nothing is duplicated). */
  listedRows: number;
  /** Elevations of the case not finished, and escalations not over, as the case sees them. */
  openElevations: number;
  openEscalations: number;
  /** Escalations the scenario filed that the case does not record. */
  missingEscalations: number;
}

const CLOSED = new Set(['closed', 'closed-unresponsive']);

/** Every case accounted for, one of each, closed, and nothing left open under a closed case. */
export function checkCases(cases: readonly CaseOutcome[]): Verdict {
  const violations: string[] = [];
  let lost = 0;
  let duplicated = 0;
  let inconsistent = 0;
  let closed = 0;
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.id)) {
      duplicated++;
      violations.push(`case ${c.id} was opened twice by the driver`);
    }
    seen.add(c.id);
    if (c.status === null) {
      if (c.exists) {
        inconsistent++;
        violations.push(`case ${c.id} (${c.scenario}) exists but cannot be read`);
      } else {
        lost++;
        violations.push(`case ${c.id} (${c.scenario}) has no workflow: lost`);
      }
      continue;
    }
    if (c.listedRows > 1) {
      duplicated++;
      violations.push(`case ${c.id} is listed ${c.listedRows} times for its requester`);
    } else if (c.listedRows === 0) {
      lost++;
      violations.push(`case ${c.id} is missing from the case list`);
    }
    if (CLOSED.has(c.status)) closed++;
    else {
      inconsistent++;
      violations.push(`case ${c.id} (${c.scenario}) ended the run ${c.status}, not closed`);
    }
    if (CLOSED.has(c.status) && (c.openElevations > 0 || c.openEscalations > 0)) {
      inconsistent++;
      violations.push(
        `case ${c.id} is ${c.status} with ${c.openElevations} elevation(s) and ${c.openEscalations} escalation(s) still open`,
      );
    }
    if (c.missingEscalations > 0) {
      inconsistent++;
      violations.push(`case ${c.id} does not record ${c.missingEscalations} escalation(s) filed on it`);
    }
  }
  return verdict('cases', { cases: cases.length, closed, lost, duplicated, inconsistent }, violations);
}

// ---------------------------------------------------------------------------------------------
// Leases

export interface LeaseOutcome {
  id: string;
  status: string;
  deviceSerial: string;
  /** The start of the window (epoch ms), or null when it never started. */
  startsAtMs: number | null;
  /** The end of the window, after extensions (epoch ms), or null when it never started. */
  endsAtMs: number | null;
  /** When the vault stopped handing out its password (epoch ms). */
  accessClosedAtMs: number | null;
  checkoutsAtMs: number[];
  /** Checkouts the driver tried after the window plus the grace had passed, and what they answered. */
  lateCheckoutStatuses: number[];
}

export const LEASE_GRACE_MS = 60_000;

const ENDED_LEASE = new Set(['ended', 'denied', 'expired', 'grant-failed']);

/**
 * No lease usable past its window by more than a minute: from the vault (no checkout recorded
 * after the window, a checkout tried after the window and the grace refused) and from the device
 * (a password some lease checked out is replaced within the grace once every lease on that device
 * whose window overlapped its life has ended; `deviceGraceMs` adds the time the device could not
 * be reached). How late each lease was closed in the vault is reported, not judged: the vault
 * refuses checkout at the window's end by itself, whenever the workflow gets to close it.
 */
export function checkLeases(
  leases: readonly LeaseOutcome[],
  sets: readonly PasswordSet[] = [],
  checkedOutBy: ReadonlyMap<string, string> = new Map(),
  endMs = Number.MAX_SAFE_INTEGER,
  deviceGraceMs = LEASE_GRACE_MS,
): Verdict {
  const violations: string[] = [];
  let pastWindow = 0;
  let open = 0;
  let maxOverrunMs = 0;
  for (const l of leases) {
    if (!ENDED_LEASE.has(l.status)) {
      open++;
      violations.push(`elevation ${l.id} is still ${l.status} at the end of the run`);
    }
    let overran = false;
    if (l.endsAtMs !== null && l.accessClosedAtMs !== null) {
      maxOverrunMs = Math.max(maxOverrunMs, l.accessClosedAtMs - l.endsAtMs);
    }
    if (l.endsAtMs !== null && l.status === 'ended' && l.accessClosedAtMs === null) {
      overran = true;
      violations.push(`elevation ${l.id} ended without closing access in the vault`);
    }
    const lateCheckout =
      l.endsAtMs === null ? undefined : l.checkoutsAtMs.find((t) => t > l.endsAtMs! + 1_000);
    if (lateCheckout !== undefined) {
      overran = true;
      violations.push(`elevation ${l.id} recorded a checkout after its window`);
    }
    if (l.lateCheckoutStatuses.some((s) => s >= 200 && s < 300)) {
      overran = true;
      violations.push(`elevation ${l.id} handed out its password after its window and the grace`);
    }
    if (overran) pastWindow++;
  }
  // The device side: a checked-out password outliving every lease that could hold it.
  const onDevice = new Map<string, PasswordSet[]>();
  for (const p of sets) onDevice.set(p.serial, [...(onDevice.get(p.serial) ?? []), p]);
  let devicePastWindow = 0;
  for (const [serial, list] of onDevice) {
    const ordered = [...list].sort((a, b) => a.atMs - b.atMs);
    ordered.forEach((p, i) => {
      const holder = checkedOutBy.get(p.password);
      if (holder === undefined) return;
      const replacedAt = ordered[i + 1]?.atMs ?? endMs;
      const overlapping = leases.filter(
        (l) =>
          l.deviceSerial === serial &&
          l.startsAtMs !== null &&
          l.endsAtMs !== null &&
          l.startsAtMs <= replacedAt &&
          l.endsAtMs >= p.atMs,
      );
      const lastEnd = Math.max(...overlapping.map((l) => l.endsAtMs ?? 0), p.atMs);
      if (replacedAt > lastEnd + deviceGraceMs) {
        devicePastWindow++;
        violations.push(
          `the password ${holder} checked out stayed on ${serial} ${Math.round((replacedAt - lastEnd) / 1000)} s after every lease on it ended`,
        );
      }
    });
  }
  return verdict(
    'leases',
    {
      elevations: leases.length,
      leasesPastWindow: pastWindow + devicePastWindow,
      devicePasswordsPastWindow: devicePastWindow,
      stillOpen: open,
      maxAccessCloseAfterWindowSeconds: Math.round(maxOverrunMs / 1000),
      lateCheckoutProbes: leases.reduce((n, l) => n + l.lateCheckoutStatuses.length, 0),
    },
    violations,
  );
}

// ---------------------------------------------------------------------------------------------
// Passwords on devices

/** A password the device receiver was told to set (applied once per idempotency key). */
export interface PasswordSet {
  serial: string;
  password: string;
  reason: string;
  atMs: number;
}

/**
 * No checked-out password valid on its device past `maxAgeMs` (the configured age, at most 2 h)
 * plus a grace: from the device receiver's record, a password lives from its set until the next
 * set on the same device, or until the end of the run.
 */
export function checkPasswordAges(
  sets: readonly PasswordSet[],
  checkedOut: ReadonlySet<string>,
  endMs: number,
  maxAgeMs: number,
  graceMs = LEASE_GRACE_MS,
): Verdict {
  const violations: string[] = [];
  const TWO_HOURS = 2 * 3_600_000;
  const bySerial = new Map<string, PasswordSet[]>();
  for (const s of sets) bySerial.set(s.serial, [...(bySerial.get(s.serial) ?? []), s]);
  let maxAge = 0;
  let tooOld = 0;
  let checkedOutSeen = 0;
  for (const [serial, list] of bySerial) {
    const ordered = [...list].sort((a, b) => a.atMs - b.atMs);
    ordered.forEach((s, i) => {
      if (!checkedOut.has(s.password)) return;
      checkedOutSeen++;
      const until = ordered[i + 1]?.atMs ?? endMs;
      const age = until - s.atMs;
      maxAge = Math.max(maxAge, age);
      if (age > TWO_HOURS || age > maxAgeMs + graceMs) {
        tooOld++;
        violations.push(
          `a checked-out password on ${serial} stayed valid ${Math.round(age / 1000)} s (set for ${s.reason})`,
        );
      }
    });
  }
  const unknown = [...checkedOut].filter((p) => !sets.some((s) => s.password === p)).length;
  if (unknown > 0) violations.push(`${unknown} checked-out password(s) were never set on any device`);
  return verdict(
    'password-ages',
    {
      passwordsSet: sets.length,
      checkedOutPasswords: checkedOutSeen,
      passwordsPastMaxAge: tooOld,
      maxCheckedOutPasswordAgeSeconds: Math.round(maxAge / 1000),
      checkedOutNeverSet: unknown,
    },
    violations,
  );
}

// ---------------------------------------------------------------------------------------------
// Escalation deliveries

/** One request a party received and accepted (2xx). */
export interface PartyDelivery {
  party: string;
  idempotencyKey: string | undefined;
  escalationId: string | undefined;
  event: string | undefined;
  signatureValid: boolean;
}

export interface FiledEscalation {
  id: string;
  target: string;
  /** Whether the escalation says it was delivered. */
  delivered: boolean;
}

/** Every escalation delivered exactly once per party: one idempotency key, at its own party only. */
export function checkEscalationDeliveries(
  filed: readonly FiledEscalation[],
  accepted: readonly PartyDelivery[],
): Verdict {
  const violations: string[] = [];
  const escalations = accepted.filter((d) => (d.event ?? 'escalation') === 'escalation');
  const keysOf = new Map<string, Set<string>>();
  let unsigned = 0;
  for (const d of accepted) {
    if (!d.signatureValid) unsigned++;
  }
  if (unsigned > 0) violations.push(`${unsigned} accepted deliveries carried no valid signature`);
  for (const d of escalations) {
    if (d.idempotencyKey === undefined || d.escalationId === undefined) {
      violations.push(`${d.party} accepted an escalation delivery without idempotency key or id`);
      continue;
    }
    if (d.idempotencyKey !== d.escalationId) {
      violations.push(`${d.party} got escalation ${d.escalationId} under key ${d.idempotencyKey}`);
    }
    const k = `${d.party}|${d.escalationId}`;
    keysOf.set(k, (keysOf.get(k) ?? new Set()).add(d.idempotencyKey));
  }
  let duplicated = 0;
  let missing = 0;
  let misdirected = 0;
  const known = new Set(filed.map((f) => f.id));
  for (const f of filed) {
    const keys = keysOf.get(`${f.target}|${f.id}`);
    if (!keys) {
      if (f.delivered) {
        missing++;
        violations.push(`escalation ${f.id} says delivered but ${f.target} never accepted it`);
      } else {
        missing++;
        violations.push(`escalation ${f.id} was never delivered to ${f.target}`);
      }
    } else if (keys.size > 1) {
      duplicated++;
      violations.push(`escalation ${f.id} reached ${f.target} under ${keys.size} idempotency keys`);
    }
  }
  for (const k of keysOf.keys()) {
    const [party, id] = k.split('|') as [string, string];
    const f = filed.find((x) => x.id === id);
    if (!known.has(id)) {
      misdirected++;
      violations.push(`${party} got escalation ${id}, which no case filed`);
    } else if (f && f.target !== party) {
      misdirected++;
      violations.push(`escalation ${id} for ${f.target} reached ${party} too`);
    }
  }
  const redeliveries = escalations.length - [...keysOf.values()].reduce((n, s) => n + s.size, 0);
  return verdict(
    'escalation-deliveries',
    {
      escalations: filed.length,
      acceptedDeliveries: escalations.length,
      redeliveriesDeduplicated: Math.max(0, redeliveries),
      duplicated,
      missing,
      misdirected,
    },
    violations,
  );
}

// ---------------------------------------------------------------------------------------------
// Notifications

export interface ReceivedNotification {
  idempotencyKey: string | undefined;
  signatureValid: boolean;
  /** The parsed body (`id`, `type`, `caseId`), or null when it was not JSON. */
  body: { id?: unknown; type?: unknown; caseId?: unknown } | null;
}

/**
 * Every notification a record says was delivered arrived at least once, and every arrival is
 * deduplicable: signed, keyed by its own id, and the same notification under the same key.
 */
export function checkNotifications(
  recordedDelivered: readonly string[],
  received: readonly ReceivedNotification[],
): Verdict {
  const violations: string[] = [];
  const byKey = new Map<string, string>();
  let conflicting = 0;
  let unkeyed = 0;
  for (const r of received) {
    if (!r.signatureValid) violations.push(`notification ${r.idempotencyKey ?? '?'} is not validly signed`);
    if (r.idempotencyKey === undefined || r.body === null || r.body.id !== r.idempotencyKey) {
      unkeyed++;
      violations.push(`a notification arrived without a key equal to its id (${r.idempotencyKey ?? 'none'})`);
      continue;
    }
    const identity = `${String(r.body.type)}|${String(r.body.caseId)}`;
    const earlier = byKey.get(r.idempotencyKey);
    if (earlier !== undefined && earlier !== identity) {
      conflicting++;
      violations.push(`key ${r.idempotencyKey} carried two different notifications`);
    }
    byKey.set(r.idempotencyKey, identity);
  }
  const notReceived = [...new Set(recordedDelivered)].filter((id) => !byKey.has(id));
  for (const id of notReceived)
    violations.push(`notification ${id} is recorded as delivered but never arrived`);
  return verdict(
    'notifications',
    {
      received: received.length,
      distinct: byKey.size,
      redeliveriesDeduplicated: received.length - unkeyed - byKey.size,
      recordedDelivered: new Set(recordedDelivered).size,
      recordedButNotReceived: notReceived.length,
      conflicting,
      unkeyed,
    },
    violations,
  );
}

/** Notification ids a case log records as delivered ("Notification <type> (<id>) delivered: …"). */
export function deliveredNotificationIds(logTexts: readonly string[]): string[] {
  const ids: string[] = [];
  for (const text of logTexts) {
    const m = /^Notification \S+ \((\S+)\) delivered: (?!no subscribers)/.exec(text);
    if (m?.[1]) ids.push(m[1]);
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Secrets

/** No password (nor its base64) in any history, log or bundle. Places are name → text. */
export function checkSecrets(passwords: readonly string[], places: ReadonlyMap<string, string>): Verdict {
  const violations: string[] = [];
  let found = 0;
  const needles = passwords
    .filter((p) => p.length >= 8)
    .flatMap((p) => [p, Buffer.from(p, 'utf8').toString('base64')]);
  let bytes = 0;
  for (const [place, text] of places) {
    bytes += text.length;
    for (const needle of needles) {
      if (text.includes(needle)) {
        found++;
        violations.push(`a password is in ${place}`);
        break;
      }
    }
  }
  return verdict(
    'secrets',
    {
      passwordsSearched: passwords.length,
      placesSearched: places.size,
      bytesSearched: bytes,
      passwordsFound: found,
    },
    violations,
  );
}

// ---------------------------------------------------------------------------------------------
// Replay

export interface ReplayOutcome {
  workflowId: string;
  error: string | null;
}

/** Every history replays cleanly against the current workflow code. */
export function checkReplays(replays: readonly ReplayOutcome[], expectedAtLeast: number): Verdict {
  const violations = replays
    .filter((r) => r.error !== null)
    .map((r) => `history ${r.workflowId} does not replay: ${r.error}`);
  if (replays.length < expectedAtLeast) {
    violations.push(`only ${replays.length} histories replayed, expected at least ${expectedAtLeast}`);
  }
  return verdict(
    'replay',
    { histories: replays.length, failures: replays.filter((r) => r.error !== null).length },
    violations,
  );
}
