import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DEVICE_POLICY,
  decideLeaseCheckout,
  type DeviceRecord,
  deviceSummary,
  deviceView,
  devicePolicyOf,
  type LeaseRequest,
  leaseEndRequested,
  leaseEndsSynced,
  leaseExtended,
  leaseRequested,
  leasesClosed,
  leasesExpired,
  leasesOpened,
  leasesRefused,
  nextStep,
  openDevice,
  openedButGone,
  passwordSet,
  rotationFailing,
  rotationFailingIsDue,
  rotationFailingNotified,
} from '../../src/domain/device-account';

const T0 = Date.UTC(2026, 11, 1, 9, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const policy = DEFAULT_DEVICE_POLICY;

const request = (leaseId: string, overrides: Partial<LeaseRequest> = {}): LeaseRequest => ({
  leaseId,
  holderWorkflowId: `case:c:elevation:${leaseId}`,
  holder: `esc-${leaseId}`,
  caseId: 'c',
  endsAtMs: T0 + 2 * HOUR,
  requestedAtMs: T0,
  ...overrides,
});

/** Runs the owner's steps as the workflow would, with every side effect succeeding at once. */
function settle(d: DeviceRecord, nowMs: number): DeviceRecord {
  for (let i = 0; i < 20; i++) {
    const step = nextStep(d, policy, nowMs);
    switch (step.type) {
      case 'close-leases':
        d = leasesClosed(
          d,
          step.leases.map((l) => l.leaseId),
          nowMs,
        );
        break;
      case 'expire-leases':
        d = leasesExpired(d, step.leaseIds, nowMs);
        break;
      case 'refuse-leases':
        d = leasesRefused(
          d,
          step.leases.map((l) => l.leaseId),
          step.reason,
          nowMs,
        );
        break;
      case 'sync-lease-ends':
        d = leaseEndsSynced(d, step.leases);
        break;
      case 'set-password':
        d = passwordSet(d, step, policy, nowMs);
        break;
      case 'open-leases':
        d = leasesOpened(
          d,
          step.leases.map((l) => l.leaseId),
          nowMs,
        );
        break;
      default:
        return d;
    }
  }
  throw new Error('the owner did not settle');
}

describe('device account policy', () => {
  it('defaults to the seed: two-hour passwords', () => {
    expect(DEFAULT_DEVICE_POLICY.passwordMaxAgeMinutes).toBe(120);
    expect(devicePolicyOf(undefined)).toEqual(DEFAULT_DEVICE_POLICY);
    expect(devicePolicyOf({ passwordMaxAgeMinutes: 60 }).passwordMaxAgeMinutes).toBe(60);
  });
});

describe('grants', () => {
  it('sets a fresh password for the first lease, then opens it', () => {
    let d = leaseRequested(openDevice('S1', T0), request('a'), T0);
    expect(nextStep(d, policy, T0)).toEqual({
      type: 'set-password',
      version: 1,
      reason: 'grant',
      keep: true,
    });
    d = passwordSet(d, { version: 1, reason: 'grant', keep: true }, policy, T0);
    expect(nextStep(d, policy, T0)).toMatchObject({ type: 'open-leases', leases: [{ leaseId: 'a' }] });
    d = leasesOpened(d, ['a'], T0);
    expect(d.leases.map((l) => l.leaseId)).toEqual(['a']);
    expect(d.current).toMatchObject({ version: 1, rotateAtMs: T0 + 2 * HOUR, exposed: true });
  });

  it('lets a second holder join the current password instead of replacing it', () => {
    let d = settle(leaseRequested(openDevice('S1', T0), request('a'), T0), T0);
    d = leaseRequested(d, request('b', { requestedAtMs: T0 + MINUTE }), T0 + MINUTE);
    expect(nextStep(d, policy, T0 + MINUTE)).toMatchObject({
      type: 'open-leases',
      leases: [{ leaseId: 'b' }],
    });
    d = settle(d, T0 + MINUTE);
    expect(d.version).toBe(1);
    expect(d.leases.map((l) => l.leaseId)).toEqual(['a', 'b']);
  });

  it('ignores a repeated request and one for a lease already closed', () => {
    let d = leaseRequested(openDevice('S1', T0), request('a'), T0);
    expect(leaseRequested(d, request('a'), T0)).toBe(d);
    d = settle(d, T0);
    d = settle(leaseEndRequested(d, 'a', 'released', T0 + MINUTE), T0 + MINUTE);
    expect(leaseRequested(d, request('a'), T0 + 2 * MINUTE)).toBe(d);
  });

  it('refuses a request not granted within the grant timeout', () => {
    const d = leaseRequested(openDevice('S1', T0), request('a'), T0);
    const late = T0 + policy.grantTimeoutMinutes * MINUTE;
    expect(nextStep(d, policy, late)).toMatchObject({ type: 'refuse-leases', leases: [{ leaseId: 'a' }] });
    const refused = leasesRefused(d, ['a'], 'too slow', late);
    expect(refused.pending).toEqual([]);
    expect(refused.closed).toContain('a');
  });

  it('closes again a lease whose end arrived while the vault opened it', () => {
    let d = passwordSet(
      leaseRequested(openDevice('S1', T0), request('a'), T0),
      { version: 1, reason: 'grant', keep: true },
      policy,
      T0,
    );
    const requests = d.pending;
    d = leaseEndRequested(d, 'a', 'case resolved', T0);
    // The end took it out of pending and put it in ending already.
    expect(d.ending.map((l) => l.leaseId)).toEqual(['a']);
    expect(openedButGone(d, ['a'], requests)).toBe(d);
    const reopened = openedButGone({ ...d, ending: [] }, ['a'], requests);
    expect(reopened.ending.map((l) => l.leaseId)).toEqual(['a']);
  });
});

describe('rotation', () => {
  it('rotates at once when the last lease ends, and nobody learns the new password', () => {
    let d = settle(leaseRequested(openDevice('S1', T0), request('a'), T0), T0);
    d = settle(leaseRequested(d, request('b'), T0), T0);
    d = leaseEndRequested(d, 'a', 'released', T0 + MINUTE);
    expect(nextStep(d, policy, T0 + MINUTE)).toEqual({
      type: 'close-leases',
      leases: [{ leaseId: 'a', holderWorkflowId: 'case:c:elevation:a', reason: 'released' }],
      lastHolderLeft: false,
    });
    d = settle(d, T0 + MINUTE);
    // One holder leaving never ends the other's access.
    expect(d.version).toBe(1);
    expect(d.leases.map((l) => l.leaseId)).toEqual(['b']);
    d = leaseEndRequested(d, 'b', 'released', T0 + 2 * MINUTE);
    d = leasesClosed(d, ['b'], T0 + 2 * MINUTE);
    expect(nextStep(d, policy, T0 + 2 * MINUTE)).toEqual({
      type: 'set-password',
      version: 2,
      reason: 'post-use',
      keep: false,
    });
    d = settle(d, T0 + 2 * MINUTE);
    expect(d.current).toBeNull();
    expect(nextStep(d, policy, T0 + 3 * MINUTE)).toEqual({ type: 'idle' });
  });

  it('rotates at the maximum age even with leases open, keeping the new one for the holders', () => {
    let d = settle(leaseRequested(openDevice('S1', T0), request('a', { endsAtMs: T0 + 4 * HOUR }), T0), T0);
    expect(nextStep(d, policy, T0 + HOUR)).toEqual({ type: 'wait', untilMs: T0 + 2 * HOUR });
    expect(nextStep(d, policy, T0 + 2 * HOUR)).toEqual({
      type: 'set-password',
      version: 2,
      reason: 'max-age',
      keep: true,
    });
    d = settle(d, T0 + 2 * HOUR);
    expect(d.current).toMatchObject({ version: 2, rotateAtMs: T0 + 4 * HOUR, exposed: true });
    expect(d.leases.map((l) => l.leaseId)).toEqual(['a']);
  });

  it('never keeps a handed-out password past its maximum age, whatever the leases do', () => {
    let d = openDevice('S1', T0);
    let lastSet = T0;
    for (let t = T0; t < T0 + 12 * HOUR; t += 7 * MINUTE) {
      const i = (t - T0) / (7 * MINUTE);
      if (i % 5 === 0)
        d = leaseRequested(d, request(`l${i}`, { endsAtMs: t + 3 * HOUR, requestedAtMs: t }), t);
      if (i % 11 === 3 && d.leases[0]) d = leaseEndRequested(d, d.leases[0].leaseId, 'released', t);
      const before = d.version;
      d = settle(d, t);
      if (d.version !== before) lastSet = t;
      if (d.current) expect(t - d.current.setAtMs).toBeLessThan(policy.passwordMaxAgeMinutes * MINUTE);
      expect(t - lastSet).toBeLessThan(policy.passwordMaxAgeMinutes * MINUTE + 7 * MINUTE);
    }
  });

  it('gives a fresh password to a request that arrives after the last holder left', () => {
    let d = settle(leaseRequested(openDevice('S1', T0), request('a'), T0), T0);
    d = leasesClosed(leaseEndRequested(d, 'a', 'released', T0 + MINUTE), ['a'], T0 + MINUTE);
    d = leaseRequested(d, request('b', { requestedAtMs: T0 + MINUTE }), T0 + MINUTE);
    expect(nextStep(d, policy, T0 + MINUTE)).toEqual({
      type: 'set-password',
      version: 2,
      reason: 'grant',
      keep: true,
    });
  });

  it('ends leases whose window is over on its own clock', () => {
    const d = settle(leaseRequested(openDevice('S1', T0), request('a'), T0), T0);
    expect(nextStep(d, policy, T0 + 2 * HOUR)).toEqual({ type: 'expire-leases', leaseIds: ['a'] });
    const ended = leasesExpired(d, ['a'], T0 + 2 * HOUR);
    expect(ended.ending).toMatchObject([{ leaseId: 'a', reason: 'the access window ended' }]);
  });

  it('moves lease ends to the vault when a holder is extended', () => {
    let d = settle(leaseRequested(openDevice('S1', T0), request('a'), T0), T0);
    d = leaseExtended(d, 'a', T0 + 3 * HOUR, T0 + HOUR);
    expect(nextStep(d, policy, T0 + HOUR)).toEqual({
      type: 'sync-lease-ends',
      leases: [{ leaseId: 'a', endsAtMs: T0 + 3 * HOUR }],
    });
    expect(leaseExtended(d, 'unknown', T0, T0)).toBe(d);
  });

  it('says a failing rotation is due for a notice once, after the configured time', () => {
    let d = rotationFailing(openDevice('S1', T0), 'device webhook answered HTTP 503', T0);
    expect(rotationFailing(d, 'again', T0 + MINUTE)).toBe(d);
    expect(rotationFailingIsDue(d, policy, T0 + 14 * MINUTE)).toBe(false);
    expect(rotationFailingIsDue(d, policy, T0 + 15 * MINUTE)).toBe(true);
    d = rotationFailingNotified(d);
    expect(rotationFailingIsDue(d, policy, T0 + HOUR)).toBe(false);
    const recovered = passwordSet(d, { version: 1, reason: 'post-use', keep: false }, policy, T0 + HOUR);
    expect(recovered.rotationFailingSinceMs).toBeNull();
    expect(recovered.log.map((l) => l.type)).toContain('rotation-recovered');
  });
});

describe('view and summary', () => {
  it('shows versions and times, never a password, and hands over without the log', () => {
    const d = settle(leaseRequested(openDevice('S1', T0), request('a'), T0), T0);
    const view = deviceView(d);
    expect(view).toMatchObject({ serial: 'S1', passwordVersion: 1, leases: [{ leaseId: 'a' }] });
    expect(JSON.stringify(view)).not.toMatch(/"password"/);
    expect(deviceSummary(d).log).toEqual([]);
  });
});

describe('decideLeaseCheckout', () => {
  const base = {
    actor: 'esc-1',
    elevation: { status: 'active', requestedBy: 'esc-1', endsAtMs: T0 + 2 * HOUR },
    lease: { closed: false, endsAtMs: T0 + 2 * HOUR, holder: 'esc-1' },
    password: { rotatesAtMs: T0 + 2 * HOUR },
    nowMs: T0 + HOUR,
  };

  it('allows the requester of an active lease inside its window before rotation', () => {
    expect(decideLeaseCheckout(base)).toEqual({
      ok: true,
      endsAtMs: T0 + 2 * HOUR,
      rotatesAtMs: T0 + 2 * HOUR,
    });
  });

  it.each([
    ['someone else', { actor: 'esc-2' }, /Only the approved requester/, true],
    ['a granting elevation', { elevation: { ...base.elevation, status: 'granting' } }, /granting/, false],
    ['a released elevation', { elevation: { ...base.elevation, status: 'ended' } }, /ended/, false],
    ['after the window', { nowMs: T0 + 2 * HOUR }, /window has ended/, false],
    [
      'a closed lease',
      { lease: { closed: true, endsAtMs: T0 + 2 * HOUR, holder: 'esc-1' } },
      /revoked/,
      false,
    ],
    ['no lease in the vault', { lease: null }, /nothing to check out/, false],
    [
      'someone else, from the vault alone',
      { actor: 'esc-2', elevation: null },
      /Only the approved requester/,
      true,
    ],
    ['a password being rotated', { password: null }, /being rotated/, false],
    ['a password past its rotation time', { password: { rotatesAtMs: T0 + HOUR } }, /being rotated/, false],
  ])('refuses %s', (_what, change, reason, forbidden) => {
    const decision = decideLeaseCheckout({ ...base, ...change });
    expect(decision).toMatchObject({ ok: false, forbidden });
    if (!decision.ok) expect(decision.reason).toMatch(reason);
  });

  it('hands nothing out while the elevation state is unknown, but refuses from the vault alone', () => {
    expect(decideLeaseCheckout({ ...base, elevation: null })).toMatchObject({ ok: false, unconfirmed: true });
    expect(decideLeaseCheckout({ ...base, elevation: null, nowMs: T0 + 3 * HOUR })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/window has ended/),
    });
  });
});
