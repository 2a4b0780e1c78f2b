import type { z } from 'zod';
import type { Severity } from './categories';
import type {
  elevationPolicySchema,
  elevationRequestSchema,
  elevationViewSchema,
} from '../schemas/elevation-schema';
import { type Notice, noticeFrom } from './notifications';

/*
 * Just-in-time elevation (DOMAIN.md, "JIT elevation"): the policy as data, the request schema, and
 * the elevation's lifecycle as pure functions over plain data. Times are epoch ms from the
 * workflow clock. No password ever appears here: only the vault and the activities touch it.
 */

export const ELEVATION_POLICY_VERSION = '2026-11-23.1';

export type ActionLevel = 'allowed' | 'not-recommended' | 'unsupported';

/** Each action the escalation team may ask to do with admin rights, and the rule that governs it. */
export const ELEVATION_ACTIONS = {
  'elevate-troubleshooter': {
    level: 'allowed',
    rule: 'allowed.troubleshooters',
    text: 'Elevating built-in troubleshooters',
  },
  'elevate-shell': { level: 'allowed', rule: 'allowed.shell', text: 'Elevated command prompt or PowerShell' },
  'troubleshoot-lob-app': {
    level: 'allowed',
    rule: 'allowed.lob-apps',
    text: 'Troubleshooting line-of-business apps',
  },
  'workaround-by-design': {
    level: 'allowed',
    rule: 'allowed.by-design-workarounds',
    text: 'Working around something that should work by design (BitLocker activation, system time)',
  },
  'device-manager': {
    level: 'allowed',
    rule: 'allowed.device-manager',
    text: 'Device Manager: update drivers, uninstall a device, scan for changes',
  },
  'install-software': {
    level: 'not-recommended',
    rule: 'not-recommended.install-software',
    text: 'Installing software or browsers',
  },
  'install-driver': {
    level: 'not-recommended',
    rule: 'not-recommended.drivers-outside-settings',
    text: 'Installing drivers outside Windows settings',
  },
  'install-package': {
    level: 'not-recommended',
    rule: 'not-recommended.msi-exe',
    text: 'Installing .msi or .exe files',
  },
  'install-windows-feature': {
    level: 'not-recommended',
    rule: 'not-recommended.windows-features',
    text: 'Installing Windows features',
  },
  'disable-required-feature': {
    level: 'unsupported',
    rule: 'unsupported.disable-required-feature',
    text: 'Disabling a required Windows feature such as BitLocker',
  },
  'modify-managed-settings': {
    level: 'unsupported',
    rule: 'unsupported.managed-settings',
    text: 'Changing settings the organisation manages, or anything conflicting with the service’s security or management',
  },
} as const satisfies Record<string, { level: ActionLevel; rule: string; text: string }>;
export type ElevationAction = keyof typeof ELEVATION_ACTIONS;
export const ELEVATION_ACTION_IDS = Object.keys(ELEVATION_ACTIONS) as [ElevationAction, ...ElevationAction[]];

export type ElevationPolicy = z.output<typeof elevationPolicySchema>;
/** What `elevationPolicySchema` fills in for an empty policy (a unit test holds the two equal). */
export const DEFAULT_ELEVATION_POLICY: ElevationPolicy = {
  approvalTimeoutMinutes: 60,
  approvalReminderBeforeMinutes: 15,
  defaultWindowMinutes: 120,
  maxWindowMinutes: 240,
  maxTotalMinutes: 480,
  expiryWarningMinutes: 15,
  passwordMaxAgeMinutes: 120,
  rotationFailingAfterMinutes: 15,
  grantTimeoutMinutes: 10,
  deviceIdleMinutes: 60,
};

export type ElevationRequest = z.infer<typeof elevationRequestSchema>;

export interface Refusal {
  rule: string;
  reason: string;
}

export interface RequestContext {
  caseSeverity: Severity;
  caseDeviceSerial: string;
  deviceIsTestGroup: boolean;
  caseOpen: boolean;
}

/** Checks a request against the policy: what must be refused (with the rule), and what needs acknowledging. */
export function evaluateRequest(
  request: ElevationRequest,
  context: RequestContext,
  policy: ElevationPolicy,
): { refusals: Refusal[]; notRecommended: ElevationAction[] } {
  const refusals: Refusal[] = [];
  if (!context.caseOpen) refusals.push({ rule: 'case.open', reason: 'The case is resolved or closed.' });
  if (context.deviceIsTestGroup) {
    refusals.push({
      rule: 'device.test-group',
      reason: 'Elevation is not available for devices in the Test group.',
    });
  }
  if (request.deviceSerial !== context.caseDeviceSerial) {
    refusals.push({
      rule: 'device.case-device',
      reason: `Elevation is for the case's device (${context.caseDeviceSerial}), not ${request.deviceSerial}.`,
    });
  }
  for (const action of request.actions) {
    const spec = ELEVATION_ACTIONS[action];
    if (spec.level === 'unsupported') {
      refusals.push({ rule: spec.rule, reason: `Not supported: ${spec.text}.` });
    }
  }
  if (request.durationMinutes !== undefined && request.durationMinutes > policy.maxWindowMinutes) {
    refusals.push({
      rule: 'window.max',
      reason: `A grant lasts at most ${policy.maxWindowMinutes} minutes; ${request.durationMinutes} were asked.`,
    });
  }
  if (request.breakGlass && context.caseSeverity !== 'A') {
    refusals.push({ rule: 'break-glass.sev-a', reason: 'Break-glass is only for Sev A cases.' });
  }
  const notRecommended = request.actions.filter((a) => ELEVATION_ACTIONS[a].level === 'not-recommended');
  return { refusals, notRecommended };
}

export const ELEVATION_STATUSES = [
  'pending-approval',
  'granting',
  'active',
  'denied',
  'expired',
  'grant-failed',
  'ended',
] as const;
export type ElevationStatus = (typeof ELEVATION_STATUSES)[number];

export interface ElevationLogEntry {
  at: string;
  type:
    | 'requested'
    | 'approved'
    | 'break-glass'
    | 'denied'
    | 'expired'
    | 'approval-reminder'
    | 'granted'
    | 'checked-out'
    | 'extension-requested'
    | 'extension-approved'
    | 'extension-denied'
    | 'expiry-warning'
    | 'released'
    | 'revoked'
    | 'window-ended'
    | 'rotated'
    | 'grant-failed'
    | 'end-requested'
    | 'password-rotated'
    | 'access-closed';
  actor: string;
  reason: string | null;
  text: string;
}

export interface ElevationRecord {
  id: string;
  caseId: string;
  caseSeverity: Severity;
  request: ElevationRequest;
  notRecommended: ElevationAction[];
  status: ElevationStatus;
  requestedBy: string;
  requestedAtMs: number;
  approvedBy: string | null;
  approvalReason: string | null;
  acknowledgedNotRecommended: boolean;
  breakGlass: boolean;
  /** Approved but the vault grant has not landed yet. */
  granting: boolean;
  windowMinutes: number;
  startsAtMs: number | null;
  endsAtMs: number | null;
  checkouts: { by: string; atMs: number }[];
  extension: { requestedBy: string; minutes: number; reason: string; requestedAtMs: number } | null;
  endedReason: string | null;
  endedBy: string | null;
  rotatedAtMs: number | null;
  /** Device-account leases: when the shared password rotates at the latest (its maximum age). */
  passwordRotatesAtMs?: number | null;
  /** An end (release, revoke, case over) that arrived while the grant was in flight. */
  pendingEnd?: { type: 'released' | 'revoked'; actor: string; reason: string } | null;
  grantFailure?: string | null;
  /** When the vault stopped handing this lease the password. */
  accessClosedAtMs?: number | null;
  firedEvents: string[];
  log: ElevationLogEntry[];
  /** The DeviceSerial search attribute's value (see NewElevation); absent on elevations from before. */
  deviceIndex?: string | null;
}

export const SYSTEM = 'caseflow';
const MINUTE_MS = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
export const elevationIsOver = (r: ElevationRecord) =>
  r.status !== 'pending-approval' && r.status !== 'active' && r.status !== 'granting';

function logged(r: ElevationRecord, nowMs: number, entry: Omit<ElevationLogEntry, 'at'>): ElevationRecord {
  return { ...r, log: [...r.log, { at: iso(nowMs), ...entry }] };
}

export interface NewElevation {
  id: string;
  caseId: string;
  caseSeverity: Severity;
  request: ElevationRequest;
  requestedBy: string;
  policy: ElevationPolicy;
  /** How the case indexes its device in search attributes (a keyed hash); null: not indexed. */
  deviceIndex?: string | null;
}

export function openElevation(input: NewElevation, nowMs: number): ElevationRecord {
  const { request } = input;
  const notRecommended = request.actions.filter((a) => ELEVATION_ACTIONS[a].level === 'not-recommended');
  const record: ElevationRecord = {
    id: input.id,
    caseId: input.caseId,
    caseSeverity: input.caseSeverity,
    request,
    notRecommended,
    status: 'pending-approval',
    requestedBy: input.requestedBy,
    requestedAtMs: nowMs,
    approvedBy: null,
    approvalReason: null,
    acknowledgedNotRecommended: false,
    breakGlass: request.breakGlass !== undefined,
    granting: false,
    windowMinutes: Math.min(
      request.durationMinutes ?? input.policy.defaultWindowMinutes,
      input.policy.maxWindowMinutes,
    ),
    startsAtMs: null,
    endsAtMs: null,
    checkouts: [],
    extension: null,
    endedReason: null,
    endedBy: null,
    rotatedAtMs: null,
    firedEvents: [],
    log: [],
    ...(input.deviceIndex !== undefined ? { deviceIndex: input.deviceIndex } : {}),
  };
  return logged(record, nowMs, {
    type: 'requested',
    actor: input.requestedBy,
    reason: request.planOfAction,
    text: `Elevation on ${request.deviceSerial} requested for ticket ${request.ticketId}: ${request.title} (actions: ${request.actions.join(', ')}).`,
  });
}

export type Decision = { ok: true } | { ok: false; reason: string; forbidden?: boolean };
const ok: Decision = { ok: true };
const no = (reason: string, forbidden = false): Decision => ({ ok: false, reason, forbidden });

export interface Approval {
  actor: string;
  reason: string;
  acknowledgeNotRecommended: boolean;
}

/** Separation of duties: nobody approves their own request, whatever roles they hold. */
export function decideApproval(r: ElevationRecord, a: Approval): Decision {
  if (a.actor === r.requestedBy) return no('You cannot approve your own elevation request.', true);
  if (r.status !== 'pending-approval' || r.granting)
    return no(`The request is ${r.status}; it cannot be approved.`);
  if (r.notRecommended.length > 0 && !a.acknowledgeNotRecommended) {
    return no(
      `The request includes actions that are not recommended (${r.notRecommended.join(', ')}); approve with acknowledgeNotRecommended to accept them.`,
    );
  }
  return ok;
}

export function decideDenial(r: ElevationRecord, actor: string): Decision {
  if (actor === r.requestedBy) return no('You cannot decide on your own elevation request.', true);
  return r.status === 'pending-approval' && !r.granting
    ? ok
    : no(`The request is ${r.status}; it cannot be denied.`);
}

export function approve(r: ElevationRecord, a: Approval, nowMs: number): ElevationRecord {
  const next = {
    ...r,
    approvedBy: a.actor,
    approvalReason: a.reason,
    acknowledgedNotRecommended: a.acknowledgeNotRecommended,
    granting: true,
  };
  return logged(next, nowMs, {
    type: 'approved',
    actor: a.actor,
    reason: a.reason,
    text: `Approved for ${r.windowMinutes} minutes${a.acknowledgeNotRecommended && r.notRecommended.length > 0 ? ', not-recommended actions acknowledged' : ''}.`,
  });
}

export function breakGlass(r: ElevationRecord, nowMs: number): ElevationRecord {
  const reason = r.request.breakGlass?.reason ?? '';
  const next = {
    ...r,
    approvedBy: r.requestedBy,
    approvalReason: reason,
    acknowledgedNotRecommended: true,
    granting: true,
  };
  return logged(next, nowMs, {
    type: 'break-glass',
    actor: r.requestedBy,
    reason,
    text: 'Break-glass: self-approved on a Sev A case; every IT admin is notified and a post-incident review is required.',
  });
}

export function deny(r: ElevationRecord, actor: string, reason: string, nowMs: number): ElevationRecord {
  return logged({ ...r, status: 'denied', endedBy: actor, endedReason: reason }, nowMs, {
    type: 'denied',
    actor,
    reason,
    text: 'Elevation denied.',
  });
}

/** The vault holds the password now: the window opens at approval and runs its length. */
export function granted(r: ElevationRecord, startsAtMs: number, nowMs: number): ElevationRecord {
  const endsAtMs = startsAtMs + r.windowMinutes * MINUTE_MS;
  return logged({ ...r, status: 'active', granting: false, startsAtMs, endsAtMs }, nowMs, {
    type: 'granted',
    actor: SYSTEM,
    reason: null,
    text: `Access granted until ${iso(endsAtMs)}; a fresh password is in the vault for ${r.requestedBy} only.`,
  });
}

export function windowEndFor(r: ElevationRecord, approvedAtMs: number): number {
  return approvedAtMs + r.windowMinutes * MINUTE_MS;
}

export function checkedOut(r: ElevationRecord, actor: string, atMs: number, nowMs: number): ElevationRecord {
  return logged({ ...r, checkouts: [...r.checkouts, { by: actor, atMs }] }, nowMs, {
    type: 'checked-out',
    actor,
    reason: null,
    text: `Password checked out at ${iso(atMs)}.`,
  });
}

export interface ExtensionRequest {
  actor: string;
  minutes: number;
  reason: string;
}

export function decideExtensionRequest(
  r: ElevationRecord,
  e: ExtensionRequest,
  policy: ElevationPolicy,
  nowMs: number,
): Decision {
  if (e.actor !== r.requestedBy) return no('Only the requester can ask to extend their access.', true);
  if (r.pendingEnd) return no(`The access is ending (${r.pendingEnd.reason}); it cannot be extended.`);
  if (r.status !== 'active' || r.endsAtMs === null || nowMs >= r.endsAtMs)
    return no('An extension must be asked for before the window ends.');
  if (r.extension) return no('An extension is already waiting for approval.');
  if (e.minutes > policy.maxWindowMinutes)
    return no(`An extension is at most ${policy.maxWindowMinutes} minutes.`);
  const totalMinutes = (r.endsAtMs - (r.startsAtMs ?? r.endsAtMs)) / MINUTE_MS + e.minutes;
  if (totalMinutes > policy.maxTotalMinutes) {
    return no(
      `With this extension the grant would last ${totalMinutes} minutes; the policy allows ${policy.maxTotalMinutes}.`,
    );
  }
  return ok;
}

export function extensionRequested(r: ElevationRecord, e: ExtensionRequest, nowMs: number): ElevationRecord {
  return logged(
    { ...r, extension: { requestedBy: e.actor, minutes: e.minutes, reason: e.reason, requestedAtMs: nowMs } },
    nowMs,
    {
      type: 'extension-requested',
      actor: e.actor,
      reason: e.reason,
      text: `Extension by ${e.minutes} minutes requested.`,
    },
  );
}

export function decideExtensionDecision(r: ElevationRecord, actor: string, nowMs: number): Decision {
  if (actor === r.requestedBy)
    return no('Someone other than the requester must decide on an extension.', true);
  if (!r.extension) return no('No extension is waiting for approval.');
  if (r.pendingEnd) return no(`The access is ending (${r.pendingEnd.reason}); it cannot be extended.`);
  if (r.status !== 'active' || r.endsAtMs === null || nowMs >= r.endsAtMs)
    return no('The window has already ended.');
  return ok;
}

export function extensionApproved(
  r: ElevationRecord,
  actor: string,
  reason: string,
  nowMs: number,
): ElevationRecord {
  const minutes = r.extension?.minutes ?? 0;
  const endsAtMs = (r.endsAtMs ?? nowMs) + minutes * MINUTE_MS;
  return logged({ ...r, endsAtMs, extension: null }, nowMs, {
    type: 'extension-approved',
    actor,
    reason,
    text: `Extended by ${minutes} minutes, until ${iso(endsAtMs)}.`,
  });
}

export function extensionDenied(
  r: ElevationRecord,
  actor: string,
  reason: string,
  nowMs: number,
): ElevationRecord {
  return logged({ ...r, extension: null }, nowMs, {
    type: 'extension-denied',
    actor,
    reason,
    text: 'Extension denied; the window ends as planned.',
  });
}

export function decideRelease(r: ElevationRecord, actor: string, actorIsAdmin: boolean): Decision {
  if (actor !== r.requestedBy && !actorIsAdmin)
    return no('Only the requester or an IT admin can end this access.', true);
  return (r.status === 'active' && !r.granting) || r.status === 'granting'
    ? ok
    : no(`The elevation is ${r.status}; there is no access to end.`);
}

/** The access ends (for whatever reason); the rotation that makes the old password useless follows. */
export function ending(
  r: ElevationRecord,
  type: 'released' | 'revoked' | 'window-ended',
  actor: string,
  reason: string,
  nowMs: number,
): ElevationRecord {
  const text = {
    released: 'Access released early.',
    revoked: 'Access revoked.',
    'window-ended': 'The access window ended.',
  }[type];
  return logged({ ...r, status: 'ended', endedBy: actor, endedReason: reason, extension: null }, nowMs, {
    type,
    actor,
    reason,
    text,
  });
}

export function rotated(r: ElevationRecord, rotatedAtMs: number, nowMs: number): ElevationRecord {
  return logged({ ...r, rotatedAtMs }, nowMs, {
    type: 'rotated',
    actor: SYSTEM,
    reason: null,
    text: 'The device password was rotated; the checked-out password no longer works.',
  });
}

export function expired(r: ElevationRecord, nowMs: number, policy: ElevationPolicy): ElevationRecord {
  return logged({ ...r, status: 'expired', endedBy: SYSTEM, endedReason: 'not answered in time' }, nowMs, {
    type: 'expired',
    actor: SYSTEM,
    reason: `no approval within ${policy.approvalTimeoutMinutes} minutes`,
    text: 'The request expired unanswered.',
  });
}

export function remembered(
  r: ElevationRecord,
  key: string,
  entry: Omit<ElevationLogEntry, 'at'>,
  nowMs: number,
): ElevationRecord {
  return logged({ ...r, firedEvents: [...r.firedEvents, key] }, nowMs, entry);
}

// ---- timers: approval reminder and expiry, expiry warning and window end -------------------------

/** What the elevation's clock says is due now, or until when it may wait. */
export type ElevationDue =
  | { type: 'expire' }
  | { type: 'remind'; deadlineMs: number }
  | { type: 'warn'; key: string; endsAtMs: number }
  | { type: 'end-window' }
  | { type: 'wait'; untilMs: number };

/** Only for a request waiting on approval or an active grant; other states have no clock. */
export function elevationDue(r: ElevationRecord, policy: ElevationPolicy, nowMs: number): ElevationDue {
  if (r.status === 'pending-approval') {
    const deadlineMs = r.requestedAtMs + policy.approvalTimeoutMinutes * MINUTE_MS;
    const reminderAt = deadlineMs - policy.approvalReminderBeforeMinutes * MINUTE_MS;
    const reminded = r.firedEvents.includes('approval-reminder');
    if (nowMs >= deadlineMs) return { type: 'expire' };
    if (nowMs >= reminderAt && !reminded) return { type: 'remind', deadlineMs };
    return { type: 'wait', untilMs: nowMs < reminderAt && !reminded ? reminderAt : deadlineMs };
  }
  const endsAtMs = r.endsAtMs ?? nowMs;
  const key = `expiry-warning@${endsAtMs}`;
  const warnAt = endsAtMs - policy.expiryWarningMinutes * MINUTE_MS;
  const warned = r.firedEvents.includes(key);
  if (nowMs >= endsAtMs) return { type: 'end-window' };
  if (nowMs >= warnAt && !warned) return { type: 'warn', key, endsAtMs };
  return { type: 'wait', untilMs: nowMs < warnAt && !warned ? warnAt : endsAtMs };
}

/** The record after a due event, and the notice it sends (if any). */
export function applyDue(
  r: ElevationRecord,
  due: Exclude<ElevationDue, { type: 'wait' }>,
  policy: ElevationPolicy,
  nowMs: number,
): { record: ElevationRecord; notice: Notice | null } {
  switch (due.type) {
    case 'expire':
      return { record: expired(r, nowMs, policy), notice: null };
    case 'end-window':
      return { record: ending(r, 'window-ended', SYSTEM, 'the access window ended', nowMs), notice: null };
    case 'remind': {
      const record = remembered(
        r,
        'approval-reminder',
        { type: 'approval-reminder', actor: SYSTEM, reason: null, text: 'IT admins reminded to decide.' },
        nowMs,
      );
      const summary = `Elevation ${r.id} awaits approval; it expires at ${iso(due.deadlineMs)}.`;
      return {
        record,
        notice: elevationNotice(
          record,
          'elevation-approval-reminder',
          'approval-reminder',
          summary,
          nowMs,
          'it-admins',
        ),
      };
    }
    case 'warn': {
      const record = remembered(
        r,
        due.key,
        { type: 'expiry-warning', actor: SYSTEM, reason: null, text: `Access ends at ${iso(due.endsAtMs)}.` },
        nowMs,
      );
      const summary = `Access to ${r.request.deviceSerial} ends in ${policy.expiryWarningMinutes} minutes.`;
      return {
        record,
        notice: elevationNotice(record, 'elevation-expiring', due.key, summary, nowMs, 'case-team'),
      };
    }
  }
}

// ---- leases on the device's account (the elevationLease workflow) -------------------------------

/** Approved: the grant is asked of the device's owner; commands wait for it to settle. */
export function approvedForGrant(r: ElevationRecord, a: Approval, nowMs: number): ElevationRecord {
  return { ...approve(r, a, nowMs), status: 'granting' };
}

export function breakGlassForGrant(r: ElevationRecord, nowMs: number): ElevationRecord {
  return { ...breakGlass(r, nowMs), status: 'granting' };
}

/** The device's owner granted the lease: the window runs from approval, the password rotates by rotatesAtMs. */
export function leaseGranted(
  r: ElevationRecord,
  approvedAtMs: number,
  rotatesAtMs: number,
  nowMs: number,
): ElevationRecord {
  const next = granted(r, approvedAtMs, nowMs);
  return { ...next, passwordRotatesAtMs: rotatesAtMs };
}

export function grantFailed(r: ElevationRecord, cause: string, nowMs: number): ElevationRecord {
  return logged(
    {
      ...r,
      status: 'grant-failed',
      granting: false,
      grantFailure: cause,
      endedBy: SYSTEM,
      endedReason: cause,
    },
    nowMs,
    { type: 'grant-failed', actor: SYSTEM, reason: cause, text: `Access could not be granted: ${cause}.` },
  );
}

/** An end that arrives while the grant is in flight is remembered and applied once it settles. */
export function endRequested(
  r: ElevationRecord,
  end: { type: 'released' | 'revoked'; actor: string; reason: string },
  nowMs: number,
): ElevationRecord {
  if (r.pendingEnd) return r;
  return logged({ ...r, pendingEnd: end, extension: null }, nowMs, {
    type: 'end-requested',
    actor: end.actor,
    reason: end.reason,
    text: 'Access will end as soon as the grant in flight settles.',
  });
}

export function passwordRotatedOnDevice(
  r: ElevationRecord,
  rotatesAtMs: number,
  nowMs: number,
): ElevationRecord {
  return logged({ ...r, passwordRotatesAtMs: rotatesAtMs }, nowMs, {
    type: 'password-rotated',
    actor: SYSTEM,
    reason: null,
    text: `The device password reached its maximum age and was rotated; check out again (next rotation by ${iso(rotatesAtMs)}).`,
  });
}

export function accessClosed(r: ElevationRecord, lastHolder: boolean, nowMs: number): ElevationRecord {
  return logged({ ...r, accessClosedAtMs: nowMs, passwordRotatesAtMs: null }, nowMs, {
    type: 'access-closed',
    actor: SYSTEM,
    reason: null,
    text: lastHolder
      ? 'The vault no longer hands out the password; nobody else holds the device, so it is rotated now.'
      : 'The vault no longer hands out the password; others still hold this device, and the password rotates when the last of them leaves or at its maximum age.',
  });
}

export function elevationNotice(
  r: ElevationRecord,
  type: Notice['type'],
  key: string,
  summary: string,
  nowMs: number,
  audience: Notice['audience'],
): Notice {
  return noticeFrom({ id: r.id, caseId: r.caseId, severity: r.caseSeverity }, type, key, summary, nowMs, {
    audience,
    details: { elevationId: r.id, deviceSerial: r.request.deviceSerial, requestedBy: r.requestedBy },
  });
}

export type ElevationView = z.infer<typeof elevationViewSchema>;

export function elevationView(r: ElevationRecord): ElevationView {
  const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
  return {
    id: r.id,
    caseId: r.caseId,
    status: r.status,
    requestedBy: r.requestedBy,
    approvedBy: r.approvedBy,
    startsAt: isoOrNull(r.startsAtMs),
    endsAt: isoOrNull(r.endsAtMs),
    ticketId: r.request.ticketId,
    deviceSerial: r.request.deviceSerial,
    category: r.request.category,
    title: r.request.title,
    planOfAction: r.request.planOfAction,
    actions: r.request.actions,
    notRecommended: r.notRecommended,
    breakGlass: r.breakGlass,
    requestedAt: iso(r.requestedAtMs),
    checkouts: r.checkouts.map((c) => ({ by: c.by, at: iso(c.atMs) })),
    pendingExtension: r.extension
      ? {
          minutes: r.extension.minutes,
          reason: r.extension.reason,
          requestedAt: iso(r.extension.requestedAtMs),
        }
      : null,
    endedReason: r.endedReason,
    rotatedAt: isoOrNull(r.rotatedAtMs),
    nextRotationAt: r.status === 'active' ? isoOrNull(r.passwordRotatesAtMs ?? null) : null,
    accessClosedAt: isoOrNull(r.accessClosedAtMs ?? null),
    grantFailure: r.grantFailure ?? null,
    policyVersion: ELEVATION_POLICY_VERSION,
    log: r.log,
  };
}
