import { describe, expect, it } from 'vitest';
import { type CaseIntake, type NewCase } from '../../src/domain/case';
import { caseIntakeSchema } from '../../src/schemas/case-schema';
import {
  activeElevations,
  applyCommand,
  breakGlassReviewed,
  type CaseRecord,
  decide,
  decideBreakGlassReview,
  decideElevationRequest,
  elevationFinished,
  elevationStarted,
  nextElevationId,
  openCase,
  unreviewedBreakGlass,
} from '../../src/domain/case-lifecycle';
import {
  type ActionLevel,
  approve,
  type Approval,
  breakGlass,
  checkedOut,
  decideApproval,
  decideDenial,
  decideExtensionDecision,
  decideExtensionRequest,
  decideRelease,
  DEFAULT_ELEVATION_POLICY,
  deny,
  type Decision,
  ELEVATION_ACTION_IDS,
  ELEVATION_ACTIONS,
  ELEVATION_POLICY_VERSION,
  type ElevationPolicy,
  type ElevationRecord,
  type ElevationRequest,
  elevationNotice,
  elevationDue,
  applyDue,
  elevationView,
  ending,
  evaluateRequest,
  expired,
  extensionApproved,
  extensionDenied,
  extensionRequested,
  granted,
  openElevation,
  type RequestContext,
  remembered,
  rotated,
  SYSTEM,
  windowEndFor,
} from '../../src/domain/elevation';
import {
  elevationPolicySchema,
  elevationRequestSchema,
  elevationViewSchema,
} from '../../src/schemas/elevation-schema';

// Monday 2 November 2026, 17:00 UTC. Every time below is worked out from it by hand.
const T0 = Date.UTC(2026, 10, 2, 17, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const policy = DEFAULT_ELEVATION_POLICY;

const REQUESTER = 'esc-1';
const ADMIN = 'admin-1';
const OTHER_ADMIN = 'admin-2';
const AGENT = 'agent-9';
const SERIAL = 'PF3XK9Z';
const PLAN = 'Run the printer troubleshooter elevated, then reinstall the print driver from Device Manager.';

const validRequestInput = {
  ticketId: 'INC-4711',
  deviceSerial: SERIAL,
  category: 'Printing',
  title: 'Printer driver broken',
  planOfAction: PLAN,
  actions: ['elevate-troubleshooter', 'device-manager'],
};

function request(overrides: Record<string, unknown> = {}): ElevationRequest {
  return elevationRequestSchema.parse({ ...validRequestInput, ...overrides });
}

function open(
  overrides: Record<string, unknown> = {},
  options: { policy?: ElevationPolicy; severity?: 'A' | 'B' | 'C' } = {},
): ElevationRecord {
  return openElevation(
    {
      id: 'case-1.1',
      caseId: 'case-1',
      caseSeverity: options.severity ?? 'B',
      request: request(overrides),
      requestedBy: REQUESTER,
      policy: options.policy ?? policy,
    },
    T0,
  );
}

const approval = (overrides: Partial<Approval> = {}): Approval => ({
  actor: ADMIN,
  reason: 'Needed to fix the driver',
  acknowledgeNotRecommended: false,
  ...overrides,
});

/** Approved at T0+5m, granted 2 s later: the window runs from T0+5m (S) to S+120m = 19:05 UTC. */
const APPROVED_AT = T0 + 5 * MINUTE;
const STARTS_AT = APPROVED_AT;
const ENDS_AT = STARTS_AT + 120 * MINUTE;
function active(overrides: Record<string, unknown> = {}, p: ElevationPolicy = policy): ElevationRecord {
  const approved = approve(open(overrides, { policy: p }), approval(), APPROVED_AT);
  return granted(approved, APPROVED_AT, APPROVED_AT + 2_000);
}

const reasonOf = (d: Decision): string | null => (d.ok ? null : d.reason);
const refusalOf = (d: Decision) => (d.ok ? null : { reason: d.reason, forbidden: d.forbidden === true });
const lastLog = (r: ElevationRecord) => r.log[r.log.length - 1];

// ------------------------------------------------------------------------------------------------

describe('ELEVATION_ACTIONS', () => {
  const expected: Record<string, ActionLevel> = {
    'elevate-troubleshooter': 'allowed',
    'elevate-shell': 'allowed',
    'troubleshoot-lob-app': 'allowed',
    'workaround-by-design': 'allowed',
    'device-manager': 'allowed',
    'install-software': 'not-recommended',
    'install-driver': 'not-recommended',
    'install-package': 'not-recommended',
    'install-windows-feature': 'not-recommended',
    'disable-required-feature': 'unsupported',
    'modify-managed-settings': 'unsupported',
  };

  it('holds exactly the actions of the public contract', () => {
    expect([...ELEVATION_ACTION_IDS].sort()).toEqual(Object.keys(expected).sort());
    expect(ELEVATION_ACTION_IDS).toHaveLength(11);
  });

  it.each(Object.entries(expected))('%s is %s and has a rule of that level', (id, level) => {
    const spec = (ELEVATION_ACTIONS as Record<string, { level: string; rule: string; text: string }>)[id];
    expect(spec).toBeDefined();
    expect(spec?.level).toBe(level);
    expect(spec?.rule.startsWith(`${level}.`)).toBe(true);
    expect(spec?.rule.length).toBeGreaterThan(level.length + 1);
    expect(spec?.text.length).toBeGreaterThan(0);
  });

  it('gives every action its own rule id', () => {
    const rules = Object.values(ELEVATION_ACTIONS).map((a) => a.rule);
    expect(new Set(rules).size).toBe(rules.length);
  });

  it('names the rules of the unsupported actions that refusals report', () => {
    expect(ELEVATION_ACTIONS['disable-required-feature'].rule).toBe('unsupported.disable-required-feature');
    expect(ELEVATION_ACTIONS['modify-managed-settings'].rule).toBe('unsupported.managed-settings');
  });
});

describe('elevation policy', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_ELEVATION_POLICY).toEqual({
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
    });
  });
});

// ------------------------------------------------------------------------------------------------

describe('elevationRequestSchema', () => {
  const issuesOf = (input: unknown) => {
    const result = elevationRequestSchema.safeParse(input);
    expect(result.success).toBe(false);
    return result.success ? [] : result.error.issues;
  };
  const pathsOf = (input: unknown) => issuesOf(input).map((i) => i.path.join('.'));

  it('accepts a valid request and trims its strings', () => {
    const parsed = elevationRequestSchema.parse({
      ...validRequestInput,
      ticketId: '  INC-4711 ',
      deviceSerial: ` ${SERIAL} `,
      title: '  Printer driver broken  ',
      durationMinutes: 90,
      breakGlass: { reason: '  Sev A outage, no admin reachable  ' },
    });
    expect(parsed).toEqual({
      ...validRequestInput,
      durationMinutes: 90,
      breakGlass: { reason: 'Sev A outage, no admin reachable' },
    });
  });

  it('accepts every action once, in one request', () => {
    const parsed = elevationRequestSchema.parse({ ...validRequestInput, actions: [...ELEVATION_ACTION_IDS] });
    expect(parsed.actions).toHaveLength(11);
  });

  it('reports every missing required field, and only those', () => {
    expect(pathsOf({}).sort()).toEqual(
      ['actions', 'category', 'deviceSerial', 'planOfAction', 'ticketId', 'title'].sort(),
    );
  });

  it('refuses an empty action list', () => {
    const issues = issuesOf({ ...validRequestInput, actions: [] });
    expect(issues.map((i) => i.path)).toEqual([['actions']]);
    expect(issues[0]?.code).toBe('too_small');
  });

  it('refuses an action listed twice', () => {
    const issues = issuesOf({
      ...validRequestInput,
      actions: ['elevate-shell', 'device-manager', 'elevate-shell'],
    });
    expect(issues.map((i) => i.path)).toEqual([['actions']]);
    expect(issues[0]?.message).toBe('each action once');
  });

  it('refuses an unknown action at its index', () => {
    expect(pathsOf({ ...validRequestInput, actions: ['elevate-shell', 'format-disk'] })).toEqual([
      'actions.1',
    ]);
  });

  it('refuses a plan of action shorter than 10 characters, counting after trimming', () => {
    expect(pathsOf({ ...validRequestInput, planOfAction: 'fix it' })).toEqual(['planOfAction']);
    expect(pathsOf({ ...validRequestInput, planOfAction: '   fix all    ' })).toEqual(['planOfAction']);
    expect(
      elevationRequestSchema.safeParse({ ...validRequestInput, planOfAction: '0123456789' }).success,
    ).toBe(true);
  });

  it('refuses a break-glass reason shorter than 10 characters', () => {
    expect(pathsOf({ ...validRequestInput, breakGlass: { reason: 'urgent' } })).toEqual([
      'breakGlass.reason',
    ]);
  });

  it('refuses unknown keys, at the top and inside breakGlass', () => {
    const issues = issuesOf({ ...validRequestInput, password: 'hunter2' });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'unrecognized_keys', path: [], keys: ['password'] });
    const nested = issuesOf({ ...validRequestInput, breakGlass: { reason: 'Sev A outage, now', by: 'me' } });
    expect(nested).toHaveLength(1);
    expect(nested[0]).toMatchObject({ code: 'unrecognized_keys', path: ['breakGlass'], keys: ['by'] });
  });

  it('refuses a malformed serial, a too-short title and an out-of-range duration', () => {
    expect(pathsOf({ ...validRequestInput, deviceSerial: '-PF3' })).toEqual(['deviceSerial']);
    expect(pathsOf({ ...validRequestInput, title: 'ab' })).toEqual(['title']);
    expect(pathsOf({ ...validRequestInput, durationMinutes: 0 })).toEqual(['durationMinutes']);
    expect(pathsOf({ ...validRequestInput, durationMinutes: 24 * 60 + 1 })).toEqual(['durationMinutes']);
    expect(pathsOf({ ...validRequestInput, durationMinutes: 30.5 })).toEqual(['durationMinutes']);
  });
});

// ------------------------------------------------------------------------------------------------

describe('evaluateRequest', () => {
  const context = (overrides: Partial<RequestContext> = {}): RequestContext => ({
    caseSeverity: 'B',
    caseDeviceSerial: SERIAL,
    deviceIsTestGroup: false,
    caseOpen: true,
    ...overrides,
  });
  const rulesOf = (req: ElevationRequest, ctx: RequestContext, p: ElevationPolicy = policy) =>
    evaluateRequest(req, ctx, p).refusals.map((r) => r.rule);

  it('refuses nothing and lists nothing for an allowed-only request', () => {
    const allowed = request({
      actions: [
        'elevate-troubleshooter',
        'elevate-shell',
        'troubleshoot-lob-app',
        'workaround-by-design',
        'device-manager',
      ],
      durationMinutes: 240,
    });
    expect(evaluateRequest(allowed, context(), policy)).toEqual({ refusals: [], notRecommended: [] });
  });

  it('case.open: refuses on a case that is no longer open', () => {
    expect(evaluateRequest(request(), context({ caseOpen: false }), policy).refusals).toEqual([
      { rule: 'case.open', reason: 'The case is resolved or closed.' },
    ]);
  });

  it('device.test-group: refuses for a device in the Test group', () => {
    expect(evaluateRequest(request(), context({ deviceIsTestGroup: true }), policy).refusals).toEqual([
      { rule: 'device.test-group', reason: 'Elevation is not available for devices in the Test group.' },
    ]);
  });

  it("device.case-device: refuses a device other than the case's", () => {
    expect(evaluateRequest(request({ deviceSerial: 'ZZ9000' }), context(), policy).refusals).toEqual([
      { rule: 'device.case-device', reason: "Elevation is for the case's device (PF3XK9Z), not ZZ9000." },
    ]);
  });

  it('unsupported.*: refuses each unsupported action with its rule', () => {
    expect(
      evaluateRequest(request({ actions: ['elevate-shell', 'disable-required-feature'] }), context(), policy)
        .refusals,
    ).toEqual([
      {
        rule: 'unsupported.disable-required-feature',
        reason: 'Not supported: Disabling a required Windows feature such as BitLocker.',
      },
    ]);
    expect(rulesOf(request({ actions: ['modify-managed-settings'] }), context())).toEqual([
      'unsupported.managed-settings',
    ]);
  });

  it('window.max: refuses a duration over the policy maximum, not one equal to it', () => {
    expect(evaluateRequest(request({ durationMinutes: 241 }), context(), policy).refusals).toEqual([
      { rule: 'window.max', reason: 'A grant lasts at most 240 minutes; 241 were asked.' },
    ]);
    expect(rulesOf(request({ durationMinutes: 240 }), context())).toEqual([]);
    const short = elevationPolicySchema.parse({ maxWindowMinutes: 60 });
    expect(rulesOf(request({ durationMinutes: 61 }), context(), short)).toEqual(['window.max']);
    expect(rulesOf(request({ durationMinutes: 60 }), context(), short)).toEqual([]);
    expect(rulesOf(request(), context(), short)).toEqual([]);
  });

  it('break-glass.sev-a: break-glass only on a Sev A case', () => {
    const bg = request({ breakGlass: { reason: 'Production line down, no admin reachable' } });
    expect(evaluateRequest(bg, context({ caseSeverity: 'B' }), policy).refusals).toEqual([
      { rule: 'break-glass.sev-a', reason: 'Break-glass is only for Sev A cases.' },
    ]);
    expect(rulesOf(bg, context({ caseSeverity: 'C' }))).toEqual(['break-glass.sev-a']);
    expect(rulesOf(bg, context({ caseSeverity: 'A' }))).toEqual([]);
  });

  it('reports every refusal at once, in rule order', () => {
    const bad = request({
      deviceSerial: 'ZZ9000',
      actions: ['modify-managed-settings', 'install-software', 'disable-required-feature'],
      durationMinutes: 300,
      breakGlass: { reason: 'Production line down, no admin reachable' },
    });
    const result = evaluateRequest(
      bad,
      context({ caseOpen: false, deviceIsTestGroup: true, caseSeverity: 'C' }),
      policy,
    );
    expect(result.refusals.map((r) => r.rule)).toEqual([
      'case.open',
      'device.test-group',
      'device.case-device',
      'unsupported.managed-settings',
      'unsupported.disable-required-feature',
      'window.max',
      'break-glass.sev-a',
    ]);
    expect(result.notRecommended).toEqual(['install-software']);
  });

  it('lists not-recommended actions in request order without refusing them', () => {
    const req = request({
      actions: [
        'elevate-shell',
        'install-driver',
        'install-windows-feature',
        'install-package',
        'install-software',
      ],
    });
    expect(evaluateRequest(req, context(), policy)).toEqual({
      refusals: [],
      notRecommended: ['install-driver', 'install-windows-feature', 'install-package', 'install-software'],
    });
  });
});

// ------------------------------------------------------------------------------------------------

describe('openElevation', () => {
  it('opens a pending request with the default window and logs it as requested', () => {
    const r = open();
    expect(r).toEqual({
      id: 'case-1.1',
      caseId: 'case-1',
      caseSeverity: 'B',
      request: request(),
      notRecommended: [],
      status: 'pending-approval',
      requestedBy: REQUESTER,
      requestedAtMs: T0,
      approvedBy: null,
      approvalReason: null,
      acknowledgedNotRecommended: false,
      breakGlass: false,
      granting: false,
      windowMinutes: 120,
      startsAtMs: null,
      endsAtMs: null,
      checkouts: [],
      extension: null,
      endedReason: null,
      endedBy: null,
      rotatedAtMs: null,
      firedEvents: [],
      log: [
        {
          at: '2026-11-02T17:00:00.000Z',
          type: 'requested',
          actor: REQUESTER,
          reason: PLAN,
          text: 'Elevation on PF3XK9Z requested for ticket INC-4711: Printer driver broken (actions: elevate-troubleshooter, device-manager).',
        },
      ],
    });
  });

  it('uses the requested duration when within the policy maximum', () => {
    expect(open({ durationMinutes: 90 }).windowMinutes).toBe(90);
    expect(open({ durationMinutes: 240 }).windowMinutes).toBe(240);
  });

  it('caps the window at the policy maximum', () => {
    expect(open({ durationMinutes: 300 }).windowMinutes).toBe(240);
    const p = elevationPolicySchema.parse({ maxWindowMinutes: 45 });
    expect(open({ durationMinutes: 60 }, { policy: p }).windowMinutes).toBe(45);
  });

  it("uses the policy's default window when no duration is asked, also capped", () => {
    expect(
      open({}, { policy: elevationPolicySchema.parse({ defaultWindowMinutes: 30 }) }).windowMinutes,
    ).toBe(30);
    const odd = elevationPolicySchema.parse({ defaultWindowMinutes: 300, maxWindowMinutes: 200 });
    expect(open({}, { policy: odd }).windowMinutes).toBe(200);
  });

  it('records not-recommended actions and break-glass', () => {
    const r = open(
      {
        actions: ['install-software', 'elevate-shell', 'install-driver'],
        breakGlass: { reason: 'Production line down, no admin reachable' },
      },
      { severity: 'A' },
    );
    expect(r.notRecommended).toEqual(['install-software', 'install-driver']);
    expect(r.breakGlass).toBe(true);
    expect(r.caseSeverity).toBe('A');
    expect(r.status).toBe('pending-approval');
  });
});

// ------------------------------------------------------------------------------------------------

describe('decideApproval', () => {
  it('never lets the requester approve, acknowledged or not (forbidden)', () => {
    const forbidden = {
      reason: 'You cannot approve your own elevation request.',
      forbidden: true,
    };
    expect(refusalOf(decideApproval(open(), approval({ actor: REQUESTER })))).toEqual(forbidden);
    expect(
      refusalOf(decideApproval(open(), approval({ actor: REQUESTER, acknowledgeNotRecommended: true }))),
    ).toEqual(forbidden);
    expect(
      refusalOf(
        decideApproval(
          open({ actions: ['install-software'] }),
          approval({ actor: REQUESTER, acknowledgeNotRecommended: true }),
        ),
      ),
    ).toEqual(forbidden);
  });

  it('lets another person approve a pending request with only allowed actions', () => {
    expect(decideApproval(open(), approval())).toEqual({ ok: true });
  });

  it('needs not-recommended actions acknowledged', () => {
    const r = open({ actions: ['elevate-shell', 'install-software', 'install-package'] });
    expect(refusalOf(decideApproval(r, approval()))).toEqual({
      reason:
        'The request includes actions that are not recommended (install-software, install-package); approve with acknowledgeNotRecommended to accept them.',
      forbidden: false,
    });
    expect(decideApproval(r, approval({ acknowledgeNotRecommended: true }))).toEqual({ ok: true });
  });

  it('refuses while the grant is landing, and once the request is decided', () => {
    const approving = approve(open(), approval(), APPROVED_AT);
    expect(approving.status).toBe('pending-approval');
    expect(refusalOf(decideApproval(approving, approval({ actor: OTHER_ADMIN })))).toEqual({
      reason: 'The request is pending-approval; it cannot be approved.',
      forbidden: false,
    });
    expect(reasonOf(decideApproval(active(), approval({ actor: OTHER_ADMIN })))).toBe(
      'The request is active; it cannot be approved.',
    );
    expect(
      reasonOf(decideApproval(deny(open(), ADMIN, 'no', T0 + MINUTE), approval({ actor: OTHER_ADMIN }))),
    ).toBe('The request is denied; it cannot be approved.');
    expect(reasonOf(decideApproval(expired(open(), T0 + HOUR, policy), approval()))).toBe(
      'The request is expired; it cannot be approved.',
    );
  });

  it('still forbids the requester on a request that is no longer pending', () => {
    expect(refusalOf(decideApproval(active(), approval({ actor: REQUESTER })))?.forbidden).toBe(true);
  });
});

describe('decideDenial', () => {
  it('never lets the requester decide (forbidden)', () => {
    expect(refusalOf(decideDenial(open(), REQUESTER))).toEqual({
      reason: 'You cannot decide on your own elevation request.',
      forbidden: true,
    });
  });

  it('lets another person deny a pending request', () => {
    expect(decideDenial(open(), ADMIN)).toEqual({ ok: true });
  });

  it('refuses while the grant is landing, and once decided', () => {
    const approving = approve(open(), approval(), APPROVED_AT);
    expect(refusalOf(decideDenial(approving, OTHER_ADMIN))).toEqual({
      reason: 'The request is pending-approval; it cannot be denied.',
      forbidden: false,
    });
    expect(reasonOf(decideDenial(active(), OTHER_ADMIN))).toBe('The request is active; it cannot be denied.');
    expect(reasonOf(decideDenial(deny(open(), ADMIN, 'no', T0 + MINUTE), OTHER_ADMIN))).toBe(
      'The request is denied; it cannot be denied.',
    );
    expect(reasonOf(decideDenial(expired(open(), T0 + HOUR, policy), ADMIN))).toBe(
      'The request is expired; it cannot be denied.',
    );
  });
});

// ------------------------------------------------------------------------------------------------

describe('approve, grant, deny, expire, break-glass', () => {
  it('approve records the approver and marks the grant as landing, status still pending', () => {
    const before = open();
    const r = approve(before, approval(), APPROVED_AT);
    expect(r).toMatchObject({
      status: 'pending-approval',
      granting: true,
      approvedBy: ADMIN,
      approvalReason: 'Needed to fix the driver',
      acknowledgedNotRecommended: false,
      startsAtMs: null,
      endsAtMs: null,
    });
    expect(r.log.slice(1)).toEqual([
      {
        at: '2026-11-02T17:05:00.000Z',
        type: 'approved',
        actor: ADMIN,
        reason: 'Needed to fix the driver',
        text: 'Approved for 120 minutes.',
      },
    ]);
    expect(before.log).toHaveLength(1);
    expect(before.granting).toBe(false);
  });

  it('approve notes acknowledged not-recommended actions only when there are some', () => {
    const nr = approve(
      open({ actions: ['install-driver'], durationMinutes: 60 }),
      approval({ acknowledgeNotRecommended: true }),
      APPROVED_AT,
    );
    expect(nr.acknowledgedNotRecommended).toBe(true);
    expect(lastLog(nr)?.text).toBe('Approved for 60 minutes, not-recommended actions acknowledged.');
    const plain = approve(open(), approval({ acknowledgeNotRecommended: true }), APPROVED_AT);
    expect(lastLog(plain)?.text).toBe('Approved for 120 minutes.');
  });

  it('granted opens the window at its start for windowMinutes', () => {
    const approving = approve(open(), approval(), APPROVED_AT);
    expect(windowEndFor(approving, APPROVED_AT)).toBe(ENDS_AT);
    const r = granted(approving, STARTS_AT, APPROVED_AT + 2_000);
    expect(r).toMatchObject({ status: 'active', granting: false, startsAtMs: STARTS_AT, endsAtMs: ENDS_AT });
    expect(new Date(ENDS_AT).toISOString()).toBe('2026-11-02T19:05:00.000Z');
    expect(lastLog(r)).toEqual({
      at: '2026-11-02T17:05:02.000Z',
      type: 'granted',
      actor: SYSTEM,
      reason: null,
      text: 'Access granted until 2026-11-02T19:05:00.000Z; a fresh password is in the vault for esc-1 only.',
    });
  });

  it('granted uses the capped window', () => {
    const r = granted(approve(open({ durationMinutes: 30 }), approval(), T0), T0, T0);
    expect(r.endsAtMs).toBe(T0 + 30 * MINUTE);
  });

  it('deny ends the request with who and why', () => {
    const r = deny(open(), ADMIN, 'Use the vendor tool instead', T0 + 10 * MINUTE);
    expect(r).toMatchObject({
      status: 'denied',
      endedBy: ADMIN,
      endedReason: 'Use the vendor tool instead',
      approvedBy: null,
      startsAtMs: null,
    });
    expect(lastLog(r)).toEqual({
      at: '2026-11-02T17:10:00.000Z',
      type: 'denied',
      actor: ADMIN,
      reason: 'Use the vendor tool instead',
      text: 'Elevation denied.',
    });
  });

  it('expired ends an unanswered request by the system', () => {
    const r = expired(open(), T0 + HOUR, policy);
    expect(r).toMatchObject({ status: 'expired', endedBy: SYSTEM, endedReason: 'not answered in time' });
    expect(lastLog(r)).toEqual({
      at: '2026-11-02T18:00:00.000Z',
      type: 'expired',
      actor: SYSTEM,
      reason: 'no approval within 60 minutes',
      text: 'The request expired unanswered.',
    });
    const p = elevationPolicySchema.parse({ approvalTimeoutMinutes: 30 });
    expect(lastLog(expired(open(), T0 + 30 * MINUTE, p))?.reason).toBe('no approval within 30 minutes');
  });

  it('breakGlass self-approves as the requester and logs it', () => {
    const reason = 'Production line down, no admin reachable';
    const r = breakGlass(
      open({ actions: ['install-software'], breakGlass: { reason } }, { severity: 'A' }),
      T0 + 1_000,
    );
    expect(r).toMatchObject({
      status: 'pending-approval',
      granting: true,
      breakGlass: true,
      approvedBy: REQUESTER,
      approvalReason: reason,
      acknowledgedNotRecommended: true,
    });
    expect(lastLog(r)).toEqual({
      at: '2026-11-02T17:00:01.000Z',
      type: 'break-glass',
      actor: REQUESTER,
      reason,
      text: 'Break-glass: self-approved on a Sev A case; every IT admin is notified and a post-incident review is required.',
    });
    const live = granted(r, T0 + 1_000, T0 + 2_000);
    expect(live).toMatchObject({
      status: 'active',
      approvedBy: REQUESTER,
      endsAtMs: T0 + 1_000 + 120 * MINUTE,
    });
    expect(live.log.map((e) => e.type)).toEqual(['requested', 'break-glass', 'granted']);
  });
});

// ------------------------------------------------------------------------------------------------

describe('elevationDue and applyDue: the clock of a request and a grant', () => {
  const DEADLINE = T0 + 60 * MINUTE;

  it('waits for the reminder, reminds once, then expires the request at the deadline', () => {
    const r = open();
    expect(elevationDue(r, policy, T0)).toEqual({ type: 'wait', untilMs: DEADLINE - 15 * MINUTE });
    const due = elevationDue(r, policy, DEADLINE - 15 * MINUTE);
    expect(due).toEqual({ type: 'remind', deadlineMs: DEADLINE });
    if (due.type !== 'remind') throw new Error('not a reminder');
    const { record, notice } = applyDue(r, due, policy, DEADLINE - 15 * MINUTE);
    expect(notice).toMatchObject({ type: 'elevation-approval-reminder', audience: 'it-admins' });
    expect(elevationDue(record, policy, DEADLINE - MINUTE)).toEqual({ type: 'wait', untilMs: DEADLINE });
    const end = elevationDue(record, policy, DEADLINE);
    expect(end).toEqual({ type: 'expire' });
    if (end.type !== 'expire') throw new Error('not an expiry');
    expect(applyDue(record, end, policy, DEADLINE)).toMatchObject({
      record: { status: 'expired' },
      notice: null,
    });
  });

  it('warns 15 minutes before the window ends, once per end, then ends the window', () => {
    const r = active();
    expect(elevationDue(r, policy, STARTS_AT)).toEqual({ type: 'wait', untilMs: ENDS_AT - 15 * MINUTE });
    const warn = elevationDue(r, policy, ENDS_AT - 15 * MINUTE);
    expect(warn).toEqual({ type: 'warn', key: `expiry-warning@${ENDS_AT}`, endsAtMs: ENDS_AT });
    if (warn.type !== 'warn') throw new Error('not a warning');
    const { record, notice } = applyDue(r, warn, policy, ENDS_AT - 15 * MINUTE);
    expect(notice).toMatchObject({ type: 'elevation-expiring', audience: 'case-team' });
    expect(elevationDue(record, policy, ENDS_AT - MINUTE)).toEqual({ type: 'wait', untilMs: ENDS_AT });
    // An extension moves the end: a new warning is due for the new end.
    const extended = { ...record, endsAtMs: ENDS_AT + HOUR };
    expect(elevationDue(extended, policy, ENDS_AT + HOUR - 15 * MINUTE)).toMatchObject({ type: 'warn' });
    const end = elevationDue(record, policy, ENDS_AT);
    expect(end).toEqual({ type: 'end-window' });
    if (end.type !== 'end-window') throw new Error('not an end');
    expect(applyDue(record, end, policy, ENDS_AT).record).toMatchObject({
      status: 'ended',
      endedReason: 'the access window ended',
    });
  });
});

describe('checkedOut', () => {
  it('checkedOut records who and when', () => {
    const at = STARTS_AT + 10 * MINUTE;
    const r = checkedOut(active(), REQUESTER, at, at + 500);
    expect(r.checkouts).toEqual([{ by: REQUESTER, atMs: at }]);
    expect(lastLog(r)).toEqual({
      at: '2026-11-02T17:15:00.500Z',
      type: 'checked-out',
      actor: REQUESTER,
      reason: null,
      text: 'Password checked out at 2026-11-02T17:15:00.000Z.',
    });
    expect(checkedOut(r, REQUESTER, at + MINUTE, at + MINUTE).checkouts).toHaveLength(2);
  });
});

// ------------------------------------------------------------------------------------------------

describe('extensions', () => {
  const ask = (minutes: number, actor = REQUESTER) => ({
    actor,
    minutes,
    reason: 'Driver install still running',
  });
  const NOW = STARTS_AT + 100 * MINUTE; // 20 minutes before the end

  it('only the requester may ask (forbidden for anyone else)', () => {
    expect(refusalOf(decideExtensionRequest(active(), ask(30, ADMIN), policy, NOW))).toEqual({
      reason: 'Only the requester can ask to extend their access.',
      forbidden: true,
    });
  });

  it('lets the requester ask before the window ends', () => {
    expect(decideExtensionRequest(active(), ask(30), policy, NOW)).toEqual({ ok: true });
    expect(decideExtensionRequest(active(), ask(30), policy, ENDS_AT - 1)).toEqual({ ok: true });
  });

  it('refuses at or after the end, and on an elevation that is not active', () => {
    const late = 'An extension must be asked for before the window ends.';
    expect(refusalOf(decideExtensionRequest(active(), ask(30), policy, ENDS_AT))).toEqual({
      reason: late,
      forbidden: false,
    });
    expect(reasonOf(decideExtensionRequest(active(), ask(30), policy, ENDS_AT + MINUTE))).toBe(late);
    expect(reasonOf(decideExtensionRequest(open(), ask(30), policy, T0))).toBe(late);
    const ended = ending(active(), 'revoked', ADMIN, 'done', NOW);
    expect(reasonOf(decideExtensionRequest(ended, ask(30), policy, NOW))).toBe(late);
  });

  it('allows one pending extension at a time', () => {
    const pending = extensionRequested(active(), ask(30), NOW);
    expect(reasonOf(decideExtensionRequest(pending, ask(15), policy, NOW + MINUTE))).toBe(
      'An extension is already waiting for approval.',
    );
  });

  it('refuses an extension longer than the policy maximum for one grant', () => {
    expect(decideExtensionRequest(active(), ask(240), policy, NOW)).toEqual({ ok: true });
    expect(reasonOf(decideExtensionRequest(active(), ask(241), policy, NOW))).toBe(
      'An extension is at most 240 minutes.',
    );
  });

  it('refuses when the grant with all its extensions would exceed the total maximum', () => {
    // 120 granted + 240 approved = 360; another 120 makes 480 (allowed), 121 makes 481.
    const once = extensionApproved(extensionRequested(active(), ask(240), NOW), ADMIN, 'ok', NOW + MINUTE);
    expect(once.endsAtMs).toBe(STARTS_AT + 360 * MINUTE);
    expect(decideExtensionRequest(once, ask(120), policy, NOW + 2 * MINUTE)).toEqual({ ok: true });
    expect(reasonOf(decideExtensionRequest(once, ask(121), policy, NOW + 2 * MINUTE))).toBe(
      'With this extension the grant would last 481 minutes; the policy allows 480.',
    );
    const tight = elevationPolicySchema.parse({ maxTotalMinutes: 150 });
    expect(decideExtensionRequest(active({}, tight), ask(30), tight, NOW)).toEqual({ ok: true });
    expect(reasonOf(decideExtensionRequest(active({}, tight), ask(31), tight, NOW))).toBe(
      'With this extension the grant would last 151 minutes; the policy allows 150.',
    );
  });

  it('extensionRequested records the pending extension and logs it', () => {
    const r = extensionRequested(active(), ask(45), NOW);
    expect(r.extension).toEqual({
      requestedBy: REQUESTER,
      minutes: 45,
      reason: 'Driver install still running',
      requestedAtMs: NOW,
    });
    expect(r.endsAtMs).toBe(ENDS_AT);
    expect(lastLog(r)).toEqual({
      at: '2026-11-02T18:45:00.000Z',
      type: 'extension-requested',
      actor: REQUESTER,
      reason: 'Driver install still running',
      text: 'Extension by 45 minutes requested.',
    });
  });

  it('extensionApproved moves the end by the minutes and clears the pending extension', () => {
    const r = extensionApproved(extensionRequested(active(), ask(45), NOW), ADMIN, 'fine', NOW + MINUTE);
    expect(r.endsAtMs).toBe(ENDS_AT + 45 * MINUTE);
    expect(r.extension).toBeNull();
    expect(r.status).toBe('active');
    expect(r.startsAtMs).toBe(STARTS_AT);
    expect(lastLog(r)).toEqual({
      at: '2026-11-02T18:46:00.000Z',
      type: 'extension-approved',
      actor: ADMIN,
      reason: 'fine',
      text: 'Extended by 45 minutes, until 2026-11-02T19:50:00.000Z.',
    });
  });

  it('extensionDenied keeps the end and clears the pending extension', () => {
    const r = extensionDenied(extensionRequested(active(), ask(45), NOW), ADMIN, 'finish up', NOW + MINUTE);
    expect(r.endsAtMs).toBe(ENDS_AT);
    expect(r.extension).toBeNull();
    expect(lastLog(r)).toEqual({
      at: '2026-11-02T18:46:00.000Z',
      type: 'extension-denied',
      actor: ADMIN,
      reason: 'finish up',
      text: 'Extension denied; the window ends as planned.',
    });
  });

  it('decideExtensionDecision: never the requester, and only with an extension pending before the end', () => {
    const pending = extensionRequested(active(), ask(45), NOW);
    expect(refusalOf(decideExtensionDecision(pending, REQUESTER, NOW + MINUTE))).toEqual({
      reason: 'Someone other than the requester must decide on an extension.',
      forbidden: true,
    });
    expect(decideExtensionDecision(pending, ADMIN, NOW + MINUTE)).toEqual({ ok: true });
    expect(refusalOf(decideExtensionDecision(active(), ADMIN, NOW))).toEqual({
      reason: 'No extension is waiting for approval.',
      forbidden: false,
    });
    expect(reasonOf(decideExtensionDecision(pending, ADMIN, ENDS_AT))).toBe('The window has already ended.');
    const decided = extensionDenied(pending, ADMIN, 'no', NOW + MINUTE);
    expect(reasonOf(decideExtensionDecision(decided, OTHER_ADMIN, NOW + 2 * MINUTE))).toBe(
      'No extension is waiting for approval.',
    );
  });
});

// ------------------------------------------------------------------------------------------------

describe('release, ending and rotation', () => {
  const NOW = STARTS_AT + 30 * MINUTE;

  it('decideRelease: the requester or an IT admin, nobody else (forbidden)', () => {
    expect(decideRelease(active(), REQUESTER, false)).toEqual({ ok: true });
    expect(decideRelease(active(), ADMIN, true)).toEqual({ ok: true });
    expect(refusalOf(decideRelease(active(), AGENT, false))).toEqual({
      reason: 'Only the requester or an IT admin can end this access.',
      forbidden: true,
    });
  });

  it('decideRelease: only while active', () => {
    expect(refusalOf(decideRelease(open(), REQUESTER, false))).toEqual({
      reason: 'The elevation is pending-approval; there is no access to end.',
      forbidden: false,
    });
    expect(reasonOf(decideRelease(approve(open(), approval(), APPROVED_AT), ADMIN, true))).toBe(
      'The elevation is pending-approval; there is no access to end.',
    );
    const ended = ending(active(), 'released', REQUESTER, 'done', NOW);
    expect(reasonOf(decideRelease(ended, ADMIN, true))).toBe(
      'The elevation is ended; there is no access to end.',
    );
    expect(reasonOf(decideRelease(deny(open(), ADMIN, 'no', T0), ADMIN, true))).toBe(
      'The elevation is denied; there is no access to end.',
    );
  });

  it.each([
    ['released', REQUESTER, 'work done', 'Access released early.'],
    ['revoked', ADMIN, 'not needed any more', 'Access revoked.'],
    ['window-ended', SYSTEM, 'the access window ended', 'The access window ended.'],
  ] as const)('ending(%s) ends the access with actor and reason', (type, actor, reason, text) => {
    const pending = extensionRequested(active(), { actor: REQUESTER, minutes: 30, reason: 'more time' }, NOW);
    const r = ending(pending, type, actor, reason, NOW + MINUTE);
    expect(r).toMatchObject({
      status: 'ended',
      endedBy: actor,
      endedReason: reason,
      extension: null,
      endsAtMs: ENDS_AT,
      rotatedAtMs: null,
    });
    expect(lastLog(r)).toEqual({ at: '2026-11-02T17:36:00.000Z', type, actor, reason, text });
  });

  it('rotated records when the password was rotated', () => {
    const ended = ending(active(), 'released', REQUESTER, 'done', NOW);
    const r = rotated(ended, NOW + 3_000, NOW + 4_000);
    expect(r.rotatedAtMs).toBe(NOW + 3_000);
    expect(r.status).toBe('ended');
    expect(lastLog(r)).toEqual({
      at: '2026-11-02T17:35:04.000Z',
      type: 'rotated',
      actor: SYSTEM,
      reason: null,
      text: 'The device password was rotated; the checked-out password no longer works.',
    });
  });

  it('remembered adds the event key and the log entry', () => {
    const entry = { type: 'expiry-warning', actor: SYSTEM, reason: null, text: 'Access ends soon.' } as const;
    const r = remembered(active(), `expiry-warning@${ENDS_AT}`, entry, NOW);
    expect(r.firedEvents).toEqual([`expiry-warning@${ENDS_AT}`]);
    expect(lastLog(r)).toEqual({ at: '2026-11-02T17:35:00.000Z', ...entry });
  });
});

// ------------------------------------------------------------------------------------------------

describe('elevationNotice', () => {
  it('derives a deterministic id from the elevation id and the key', () => {
    const r = active();
    const a = elevationNotice(r, 'elevation-requested', 'requested', 'Elevation requested', T0, 'it-admins');
    const b = elevationNotice(r, 'elevation-requested', 'requested', 'Elevation requested', T0, 'it-admins');
    expect(a).toEqual(b);
    expect(a.id).toBe('case-1.1:requested');
    expect(a.id).toContain(r.id);
    const other = elevationNotice(r, 'elevation-ended', 'ended', 'Ended', T0, 'case-team');
    expect(other.id).toBe('case-1.1:ended');
    expect(other.id).not.toBe(a.id);
  });

  it('carries the case, severity, time, audience and details', () => {
    const r = open({}, { severity: 'A' });
    expect(
      elevationNotice(
        r,
        'elevation-approval-reminder',
        'approval-reminder',
        'Decide',
        T0 + 45 * MINUTE,
        'it-admins',
      ),
    ).toEqual({
      id: 'case-1.1:approval-reminder',
      type: 'elevation-approval-reminder',
      caseId: 'case-1',
      occurredAt: '2026-11-02T17:45:00.000Z',
      severity: 'A',
      summary: 'Decide',
      audience: 'it-admins',
      details: { elevationId: 'case-1.1', deviceSerial: SERIAL, requestedBy: REQUESTER },
    });
  });
});

describe('elevationView', () => {
  const keysOf = (value: unknown): string[] => {
    if (Array.isArray(value)) return value.flatMap(keysOf);
    if (value !== null && typeof value === 'object') {
      return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
    }
    return [];
  };

  it('projects a pending request with null times', () => {
    const v = elevationView(open());
    expect(v).toMatchObject({
      id: 'case-1.1',
      caseId: 'case-1',
      status: 'pending-approval',
      requestedBy: REQUESTER,
      approvedBy: null,
      startsAt: null,
      endsAt: null,
      ticketId: 'INC-4711',
      deviceSerial: SERIAL,
      category: 'Printing',
      title: 'Printer driver broken',
      planOfAction: PLAN,
      actions: ['elevate-troubleshooter', 'device-manager'],
      notRecommended: [],
      breakGlass: false,
      requestedAt: '2026-11-02T17:00:00.000Z',
      checkouts: [],
      pendingExtension: null,
      endedReason: null,
      rotatedAt: null,
      policyVersion: ELEVATION_POLICY_VERSION,
    });
    expect(() => elevationViewSchema.parse(v)).not.toThrow();
  });

  it('projects every time of a used grant as an ISO string', () => {
    let r = checkedOut(active(), REQUESTER, STARTS_AT + MINUTE, STARTS_AT + MINUTE);
    r = extensionRequested(
      r,
      { actor: REQUESTER, minutes: 30, reason: 'more time' },
      STARTS_AT + 90 * MINUTE,
    );
    const v = elevationView(r);
    expect(v).toMatchObject({
      status: 'active',
      approvedBy: ADMIN,
      startsAt: '2026-11-02T17:05:00.000Z',
      endsAt: '2026-11-02T19:05:00.000Z',
      checkouts: [{ by: REQUESTER, at: '2026-11-02T17:06:00.000Z' }],
      pendingExtension: { minutes: 30, reason: 'more time', requestedAt: '2026-11-02T18:35:00.000Z' },
    });
    expect(() => elevationViewSchema.parse(v)).not.toThrow();
    const done = elevationView(
      rotated(ending(r, 'revoked', ADMIN, 'stop', ENDS_AT - MINUTE), ENDS_AT, ENDS_AT),
    );
    expect(done).toMatchObject({
      status: 'ended',
      endedReason: 'stop',
      rotatedAt: '2026-11-02T19:05:00.000Z',
      pendingExtension: null,
    });
    expect(() => elevationViewSchema.parse(done)).not.toThrow();
  });

  it('has no field named like a password, at any depth', () => {
    let r = checkedOut(active(), REQUESTER, STARTS_AT + MINUTE, STARTS_AT + MINUTE);
    r = extensionRequested(r, { actor: REQUESTER, minutes: 30, reason: 'more time' }, STARTS_AT + 2 * MINUTE);
    r = rotated(ending(r, 'released', REQUESTER, 'done', STARTS_AT + 3 * MINUTE), STARTS_AT + 4 * MINUTE, 0);
    for (const record of [open(), active(), r]) {
      const keys = keysOf(elevationView(record));
      expect(keys.length).toBeGreaterThan(10);
      expect(keys.filter((k) => /pass(word)?|secret|credential/i.test(k))).toEqual([]);
    }
  });
});

// ------------------------------------------------------------------------------------------------
// The case side

describe('elevations on the case', () => {
  function intake(overrides: Record<string, unknown> = {}): CaseIntake {
    return caseIntakeSchema.parse({
      title: 'Printer on floor 3 prints blank pages',
      description: 'Every job sent to the HP on floor 3 comes out blank since this morning.',
      requester: { id: 'u-1001', name: 'Erik Lund', contact: 'erik.lund@example.org' },
      device: { serial: SERIAL, group: 'broad' },
      channel: 'email',
      ...overrides,
    });
  }
  function newCase(overrides: Record<string, unknown> = {}): NewCase {
    return {
      id: 'case-1',
      intake: intake(overrides),
      createdBy: AGENT,
      supportModel: 'customer-led',
      providerName: 'Service desk',
      requestFingerprint: 'f'.repeat(64),
    };
  }
  const openC = (overrides: Record<string, unknown> = {}): CaseRecord => openCase(newCase(overrides), T0);
  const resolvedCase = (): CaseRecord =>
    applyCommand(openC(), { type: 'resolve', actor: AGENT, resolution: 'Replaced the toner.' }, T0 + HOUR)
      .record;
  const started = (
    record: CaseRecord,
    id: string,
    opts: { breakGlass?: boolean; requestedBy?: string } = {},
    at = T0 + HOUR,
  ): CaseRecord =>
    elevationStarted(
      record,
      {
        id,
        workflowId: `case:case-1:elevation:${id.split('.')[1] ?? ''}`,
        requestedBy: opts.requestedBy ?? REQUESTER,
        breakGlass: opts.breakGlass ?? false,
        reason: 'Printer driver broken',
      },
      at,
    );
  const BG = { breakGlass: { reason: 'Production line down, no admin reachable' } };

  describe('decideElevationRequest', () => {
    it('allows a valid request on an open case', () => {
      expect(decideElevationRequest(openC(), request(), policy)).toEqual({ ok: true });
    });

    it('refuses on a resolved case, with the rule id in the reason', () => {
      const resolved = resolvedCase();
      expect(resolved.status).toBe('resolved');
      expect(decideElevationRequest(resolved, request(), policy)).toEqual({
        ok: false,
        reason: 'case.open: The case is resolved or closed.',
      });
    });

    it('refuses on a closed case', () => {
      expect(reasonOf(decideElevationRequest({ ...openC(), status: 'closed' }, request(), policy))).toBe(
        'case.open: The case is resolved or closed.',
      );
    });

    it('refuses for a device in the Test group (group name in any case)', () => {
      const testCase = openC({ device: { serial: SERIAL, group: 'Test' } });
      expect(testCase.device.isTestGroup).toBe(true);
      expect(reasonOf(decideElevationRequest(testCase, request(), policy))).toBe(
        'device.test-group: Elevation is not available for devices in the Test group.',
      );
    });

    it('passes every rule id through, in order, joined into one reason', () => {
      const bad = request({
        deviceSerial: 'ZZ9000',
        actions: ['modify-managed-settings'],
        durationMinutes: 300,
      });
      expect(reasonOf(decideElevationRequest(resolvedCase(), bad, policy))).toBe(
        'case.open: The case is resolved or closed. ' +
          "device.case-device: Elevation is for the case's device (PF3XK9Z), not ZZ9000. " +
          'unsupported.managed-settings: Not supported: Changing settings the organisation manages, or anything conflicting with the service’s security or management. ' +
          'window.max: A grant lasts at most 240 minutes; 300 were asked.',
      );
    });

    it("uses the case's severity for break-glass", () => {
      expect(reasonOf(decideElevationRequest(openC(), request(BG), policy))).toBe(
        'break-glass.sev-a: Break-glass is only for Sev A cases.',
      );
      expect(decideElevationRequest(openC({ severity: 'A' }), request(BG), policy)).toEqual({ ok: true });
    });

    it('allows not-recommended actions (the approver acknowledges them)', () => {
      expect(decideElevationRequest(openC(), request({ actions: ['install-software'] }), policy)).toEqual({
        ok: true,
      });
    });
  });

  describe('elevationStarted and elevationFinished', () => {
    it('numbers elevations per case', () => {
      const c = openC();
      expect(nextElevationId(c)).toBe('case-1.1');
      expect(nextElevationId(started(c, 'case-1.1'))).toBe('case-1.2');
    });

    it('elevationStarted adds an unfinished, unreviewed elevation and logs it', () => {
      const before = openC();
      const after = started(before, 'case-1.1');
      expect(after.elevations).toHaveLength(1);
      expect(after.elevations[0]).toMatchObject({
        id: 'case-1.1',
        workflowId: 'case:case-1:elevation:1',
        requestedBy: REQUESTER,
        breakGlass: false,
        finished: false,
        outcome: null,
        review: null,
      });
      expect(after.log.slice(before.log.length)).toEqual([
        {
          at: '2026-11-02T18:00:00.000Z',
          type: 'elevation-requested',
          actor: REQUESTER,
          reason: 'Printer driver broken',
          text: 'JIT elevation case-1.1 requested (workflow case:case-1:elevation:1).',
        },
      ]);
      expect(after.updatedAt).toBe('2026-11-02T18:00:00.000Z');
      expect(before.elevations).toEqual([]);
      expect(activeElevations(after).map((e) => e.id)).toEqual(['case-1.1']);
    });

    it('elevationStarted says so for break-glass', () => {
      const after = started(openC({ severity: 'A' }), 'case-1.1', { breakGlass: true });
      expect(after.elevations[0]?.breakGlass).toBe(true);
      expect(after.log[after.log.length - 1]?.text).toBe(
        'JIT elevation case-1.1 requested as break-glass (workflow case:case-1:elevation:1).',
      );
    });

    it('elevationFinished marks only that elevation finished with its outcome, and logs it', () => {
      const two = started(started(openC(), 'case-1.1'), 'case-1.2');
      const after = elevationFinished(two, 'case-1.1', 'ended', T0 + 2 * HOUR);
      expect(after.elevations.map((e) => [e.id, e.finished, e.outcome])).toEqual([
        ['case-1.1', true, 'ended'],
        ['case-1.2', false, null],
      ]);
      expect(after.log.slice(two.log.length)).toEqual([
        {
          at: '2026-11-02T19:00:00.000Z',
          type: 'elevation-finished',
          actor: 'caseflow',
          reason: null,
          text: 'JIT elevation case-1.1 finished: ended.',
        },
      ]);
      expect(activeElevations(after).map((e) => e.id)).toEqual(['case-1.2']);
    });
  });

  describe('break-glass review', () => {
    const sevA = () => openC({ severity: 'A' });

    it('refuses an unknown elevation', () => {
      expect(reasonOf(decideBreakGlassReview(sevA(), 'case-1.9', ADMIN))).toBe(
        'No elevation case-1.9 on this case.',
      );
    });

    it('refuses an elevation that was not break-glass', () => {
      expect(reasonOf(decideBreakGlassReview(started(sevA(), 'case-1.1'), 'case-1.1', ADMIN))).toBe(
        'Elevation case-1.1 was not break-glass; it needs no review.',
      );
    });

    it('refuses the person who used break-glass', () => {
      const c = started(sevA(), 'case-1.1', { breakGlass: true });
      expect(reasonOf(decideBreakGlassReview(c, 'case-1.1', REQUESTER))).toBe(
        'The person who used break-glass cannot review it.',
      );
      expect(decideBreakGlassReview(c, 'case-1.1', ADMIN)).toEqual({ ok: true });
    });

    it('refuses a second review', () => {
      const c = started(sevA(), 'case-1.1', { breakGlass: true });
      const reviewed = breakGlassReviewed(c, 'case-1.1', ADMIN, 'Justified outage', T0 + 3 * HOUR);
      expect(reasonOf(decideBreakGlassReview(reviewed, 'case-1.1', OTHER_ADMIN))).toBe(
        'Elevation case-1.1 was already reviewed by admin-1.',
      );
    });

    it('breakGlassReviewed records the review on that elevation and logs it', () => {
      const c = started(started(sevA(), 'case-1.1', { breakGlass: true }), 'case-1.2', { breakGlass: true });
      const after = breakGlassReviewed(c, 'case-1.1', ADMIN, 'Justified outage', T0 + 3 * HOUR);
      expect(after.elevations.map((e) => e.review)).toEqual([
        { by: ADMIN, atMs: T0 + 3 * HOUR, findings: 'Justified outage' },
        null,
      ]);
      expect(after.log.slice(c.log.length)).toEqual([
        {
          at: '2026-11-02T20:00:00.000Z',
          type: 'break-glass-reviewed',
          actor: ADMIN,
          reason: 'Justified outage',
          text: 'Post-incident review of break-glass grant case-1.1 recorded.',
        },
      ]);
    });

    it('unreviewedBreakGlass lists break-glass grants without a review, finished or not', () => {
      let c = sevA();
      expect(unreviewedBreakGlass(c)).toEqual([]);
      c = started(c, 'case-1.1', { breakGlass: true });
      c = started(c, 'case-1.2');
      c = started(c, 'case-1.3', { breakGlass: true });
      c = elevationFinished(c, 'case-1.1', 'ended', T0 + 2 * HOUR);
      expect(unreviewedBreakGlass(c)).toEqual(['case-1.1', 'case-1.3']);
      c = breakGlassReviewed(c, 'case-1.3', ADMIN, 'ok', T0 + 3 * HOUR);
      expect(unreviewedBreakGlass(c)).toEqual(['case-1.1']);
      expect(decide(c, { type: 'resolve', actor: AGENT, resolution: 'Fixed.' }).ok).toBe(false);
      c = breakGlassReviewed(c, 'case-1.1', ADMIN, 'ok', T0 + 3 * HOUR);
      expect(unreviewedBreakGlass(c)).toEqual([]);
      expect(decide(c, { type: 'resolve', actor: AGENT, resolution: 'Fixed.' })).toEqual({ ok: true });
    });
  });
});
