import { describe, expect, it } from 'vitest';
import {
  type CaseOutcome,
  checkCases,
  checkEscalationDeliveries,
  checkLeases,
  checkNotifications,
  checkPasswordAges,
  checkReplays,
  checkSecrets,
  deliveredNotificationIds,
  type LeaseOutcome,
  type PartyDelivery,
} from '../../scripts/chaos/invariants';

const MIN = 60_000;

const closedCase = (over: Partial<CaseOutcome> = {}): CaseOutcome => ({
  id: 'c1',
  scenario: 'plain',
  status: 'closed',
  exists: true,
  listedRows: 1,
  openElevations: 0,
  openEscalations: 0,
  missingEscalations: 0,
  ...over,
});

describe('chaos invariant: every case accounted for and consistent', () => {
  it('passes closed cases listed once', () => {
    const v = checkCases([closedCase(), closedCase({ id: 'c2' })]);
    expect(v.violations).toEqual([]);
    expect(v.figures).toMatchObject({ cases: 2, closed: 2, lost: 0, duplicated: 0, inconsistent: 0 });
  });

  it('counts a case with no workflow, or missing from the list, as lost', () => {
    const v = checkCases([
      closedCase({ status: null, exists: false }),
      closedCase({ id: 'c2', listedRows: 0 }),
    ]);
    expect(v.figures.lost).toBe(2);
    expect(v.violations).toHaveLength(2);
  });

  it('counts a case whose workflow exists but cannot be read as inconsistent, not lost', () => {
    const v = checkCases([closedCase({ status: null })]);
    expect(v.figures).toMatchObject({ lost: 0, inconsistent: 1 });
  });

  it('counts a case listed twice, or opened twice, as duplicated', () => {
    const v = checkCases([closedCase({ listedRows: 2 }), closedCase({ id: 'c2' }), closedCase({ id: 'c2' })]);
    expect(v.figures.duplicated).toBe(2);
  });

  it('flags a case not closed, or closed with a child still open, or missing an escalation', () => {
    const v = checkCases([
      closedCase({ status: 'in-progress' }),
      closedCase({ id: 'c2', openElevations: 1 }),
      closedCase({ id: 'c3', missingEscalations: 1 }),
    ]);
    expect(v.figures.inconsistent).toBe(3);
    expect(v.violations.join('\n')).toMatch(/in-progress, not closed/);
    expect(v.violations.join('\n')).toMatch(/1 elevation\(s\)/);
  });
});

const lease = (over: Partial<LeaseOutcome> = {}): LeaseOutcome => ({
  id: 'c1.1',
  status: 'ended',
  deviceSerial: 'S1',
  startsAtMs: 4 * MIN,
  endsAtMs: 10 * MIN,
  accessClosedAtMs: 10 * MIN + 20_000,
  checkoutsAtMs: [5 * MIN],
  lateCheckoutStatuses: [409],
  ...over,
});

describe('chaos invariant: no lease usable past its window by more than a minute', () => {
  it('passes a lease closed within the grace and refused afterwards', () => {
    const v = checkLeases([
      lease(),
      lease({ id: 'c2.1', status: 'denied', endsAtMs: null, accessClosedAtMs: null }),
    ]);
    expect(v.violations).toEqual([]);
    expect(v.figures.leasesPastWindow).toBe(0);
  });

  it('reports how late the vault closed a lease without judging it (the vault refuses by itself)', () => {
    const v = checkLeases([lease({ accessClosedAtMs: 10 * MIN + 90_000 })]);
    expect(v.figures).toMatchObject({ leasesPastWindow: 0, maxAccessCloseAfterWindowSeconds: 90 });
  });

  it('fails a checked-out password left on the device more than a minute after every lease on it ended', () => {
    const sets = [
      { serial: 'S1', password: 'pw-1-xxxxxx', reason: 'grant', atMs: 4 * MIN },
      { serial: 'S1', password: 'pw-2-xxxxxx', reason: 'rotate', atMs: 11 * MIN + 30_000 },
    ];
    const by = new Map([['pw-1-xxxxxx', 'c1.1']]);
    expect(checkLeases([lease()], sets, by, 20 * MIN).figures.devicePasswordsPastWindow).toBe(1);
    // Rotated within the minute: fine; kept because another lease on the device was still open: fine.
    const inTime = [sets[0]!, { ...sets[1]!, atMs: 10 * MIN + 50_000 }];
    expect(checkLeases([lease()], inTime, by, 20 * MIN).violations).toEqual([]);
    const shared = [lease(), lease({ id: 'c2.1', startsAtMs: 9 * MIN, endsAtMs: 11 * MIN })];
    expect(checkLeases(shared, sets, by, 20 * MIN).violations).toEqual([]);
    // Still on the device at the end of the run, long after: fails.
    expect(checkLeases([lease()], [sets[0]!], by, 30 * MIN).figures.devicePasswordsPastWindow).toBe(1);
  });

  it('fails a checkout recorded after the window, or a late probe that got a password', () => {
    expect(checkLeases([lease({ checkoutsAtMs: [10 * MIN + 5_000] })]).figures.leasesPastWindow).toBe(1);
    expect(checkLeases([lease({ lateCheckoutStatuses: [200] })]).figures.leasesPastWindow).toBe(1);
  });

  it('fails a lease still active, or ended without closing access', () => {
    const v = checkLeases([lease({ status: 'active' }), lease({ id: 'c2.1', accessClosedAtMs: null })]);
    expect(v.figures.stillOpen).toBe(1);
    expect(v.figures.leasesPastWindow).toBe(1);
  });
});

describe('chaos invariant: no checked-out password valid past its maximum age', () => {
  const sets = [
    { serial: 'S1', password: 'pw-one-xxxx', reason: 'grant', atMs: 0 },
    { serial: 'S1', password: 'pw-two-xxxx', reason: 'rotate', atMs: 3 * MIN },
    { serial: 'S2', password: 'pw-three-xx', reason: 'grant', atMs: 0 },
  ];

  it('passes passwords replaced within the age, and ignores ones never checked out', () => {
    const v = checkPasswordAges(sets, new Set(['pw-one-xxxx']), 100 * MIN, 3 * MIN);
    expect(v.violations).toEqual([]);
    expect(v.figures.maxCheckedOutPasswordAgeSeconds).toBe(180);
  });

  it('fails a checked-out password left on its device past the age (until the end of the run)', () => {
    const v = checkPasswordAges(sets, new Set(['pw-two-xxxx']), 10 * MIN, 3 * MIN);
    expect(v.figures.passwordsPastMaxAge).toBe(1);
  });

  it('fails anything past two hours whatever the configured age, and unknown checkouts', () => {
    const long = [{ serial: 'S3', password: 'pw-long-xxx', reason: 'grant', atMs: 0 }];
    expect(checkPasswordAges(long, new Set(['pw-long-xxx']), 121 * MIN, 500 * MIN).violations).toHaveLength(
      1,
    );
    expect(checkPasswordAges([], new Set(['nowhere-xx']), 0, MIN).figures.checkedOutNeverSet).toBe(1);
  });
});

const delivery = (over: Partial<PartyDelivery> = {}): PartyDelivery => ({
  party: 'service-ops',
  idempotencyKey: 'c1.x1',
  escalationId: 'c1.x1',
  event: 'escalation',
  signatureValid: true,
  ...over,
});

describe('chaos invariant: every escalation delivered exactly once per party', () => {
  const filed = [{ id: 'c1.x1', target: 'service-ops', delivered: true }];

  it('passes one key per escalation, counting repeats of it as deduplicated redeliveries', () => {
    const v = checkEscalationDeliveries(filed, [delivery(), delivery()]);
    expect(v.violations).toEqual([]);
    expect(v.figures).toMatchObject({ duplicated: 0, redeliveriesDeduplicated: 1 });
  });

  it('fails an escalation that reached its party under two keys', () => {
    const v = checkEscalationDeliveries(filed, [delivery(), delivery({ idempotencyKey: 'other' })]);
    expect(v.figures.duplicated).toBe(1);
  });

  it('fails a missing delivery, one to the wrong party, and one no case filed', () => {
    expect(checkEscalationDeliveries(filed, []).figures.missing).toBe(1);
    const v = checkEscalationDeliveries(filed, [
      delivery(),
      delivery({ party: 'vendor' }),
      delivery({ idempotencyKey: 'zz.x1', escalationId: 'zz.x1' }),
    ]);
    expect(v.figures.misdirected).toBe(2);
  });

  it('fails an unsigned delivery', () => {
    expect(checkEscalationDeliveries(filed, [delivery({ signatureValid: false })]).violations).toHaveLength(
      1,
    );
  });
});

describe('chaos invariant: every notification delivered at least once and deduplicable', () => {
  const hook = (key: string, type = 'sla-at-risk', caseId = 'c1') => ({
    idempotencyKey: key,
    signatureValid: true,
    body: { id: key, type, caseId },
  });

  it('passes repeats of one key, and finds the ids in case log texts', () => {
    const ids = deliveredNotificationIds([
      'Notification case-resolved (c1:resolved) delivered: receiver-1.',
      'Notification case-closed (c1:closed) delivered: no subscribers configured.',
      'Note added',
    ]);
    expect(ids).toEqual(['c1:resolved']);
    const v = checkNotifications(ids, [hook('c1:resolved'), hook('c1:resolved')]);
    expect(v.violations).toEqual([]);
    expect(v.figures.redeliveriesDeduplicated).toBe(1);
  });

  it('fails a recorded delivery that never arrived', () => {
    expect(checkNotifications(['c1:x'], []).figures.recordedButNotReceived).toBe(1);
  });

  it('fails a key that carries two notifications, an unkeyed one, and an unsigned one', () => {
    expect(checkNotifications([], [hook('k'), hook('k', 'case-closed')]).figures.conflicting).toBe(1);
    expect(
      checkNotifications([], [{ idempotencyKey: undefined, signatureValid: true, body: { id: 'k' } }]).figures
        .unkeyed,
    ).toBe(1);
    expect(checkNotifications([], [{ ...hook('k'), signatureValid: false }]).violations).toHaveLength(1);
  });
});

describe('chaos invariant: no password anywhere', () => {
  it('finds a password, or its base64, and names the place', () => {
    const pw = 'Xy7#kq-Lm9!pass';
    const places = new Map([
      ['clean log', 'nothing here'],
      ['history h1', `{"data":"${Buffer.from(pw).toString('base64')}"}`],
      ['worker 1 output', `oops ${pw}`],
    ]);
    const v = checkSecrets([pw], places);
    expect(v.figures.passwordsFound).toBe(2);
    expect(v.violations).toEqual(['a password is in history h1', 'a password is in worker 1 output']);
    expect(checkSecrets([pw], new Map([['clean', 'x']])).violations).toEqual([]);
  });
});

describe('chaos invariant: every history replays', () => {
  it('fails on a replay error, and when fewer histories were replayed than expected', () => {
    expect(checkReplays([{ workflowId: 'a', error: null }], 1).violations).toEqual([]);
    expect(checkReplays([{ workflowId: 'a', error: 'nondeterminism' }], 1).figures.failures).toBe(1);
    expect(checkReplays([], 3).violations).toHaveLength(1);
  });
});
