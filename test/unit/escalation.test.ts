import { describe, expect, it } from 'vitest';
import { DEFAULT_BUSINESS_CALENDAR } from '../../src/domain/calendar';
import type { Category, Severity } from '../../src/domain/categories';
import { caseIntakeSchema } from '../../src/schemas/case-schema';
import {
  advance,
  applyCommand,
  applyFact,
  type CaseCommand,
  type CaseRecord,
  decide,
  decideEscalationFiling,
  escalationRequested,
  escalationStatusChanged,
  incidentLinked,
  incidentResolved,
  openCase,
  openEscalationOf,
  SYSTEM_ACTOR,
} from '../../src/domain/case-lifecycle';
import { DEFAULT_CASE_POLICY, escalationPolicyOf } from '../../src/domain/case-policy';
import { casePolicySchema } from '../../src/schemas/case-policy-schema';
import {
  advanceEscalation,
  answered,
  applyCallback,
  approve,
  type Decision,
  decideAnswer,
  decideApproval,
  decideCallback,
  decline,
  delivered,
  type DueEvent,
  type EscalationPolicy,
  type EscalationRecord,
  type EscalationRequest,
  escalationRefusals,
  escalationView,
  type FilingContext,
  type IncomingCallback,
  type NewEscalation,
  nextEscalationWake,
  openEscalation,
  scheduledEvents,
  SYSTEM,
  undeliverable,
} from '../../src/domain/escalation';
import { escalationRequestSchema, escalationViewSchema } from '../../src/schemas/escalation-schema';
import type { Notice } from '../../src/domain/notifications';
import type { EscalationTarget } from '../../src/domain/routing';
import { DEFAULT_SLA_POLICY, pausedSeconds } from '../../src/domain/sla';

// Monday 2 November 2026, 17:00 UTC = 09:00 in Los Angeles (PST, UTC-8, the day after DST ended).
// Business hours 09:00-17:00 PST are 17:00-01:00 UTC.
const T0 = Date.UTC(2026, 10, 2, 17, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Friday 6 November 2026, 15:00 PST: two business hours left before the weekend. */
const FRI_1500 = Date.UTC(2026, 10, 6, 23, 0);
const iso = (ms: number) => new Date(ms).toISOString();

// The vendor's contract is configured with the service's numbers here, so the clock arithmetic
// below reads the same for every target (escalation-gate.test.ts tests the tables themselves).
const policy: EscalationPolicy = escalationPolicyOf(
  casePolicySchema.parse({
    escalation: {
      adminContacts: { devices: 'x@y.z' },
      vendorResponse: DEFAULT_SLA_POLICY,
      microsoftChannelResponse: DEFAULT_SLA_POLICY,
    },
  }),
);

const LEAD = 'lead-1'; // a member of the escalation team
const ADMIN = 'admin-1'; // an IT admin
const AGENT = 'agent-1';

function request(overrides: Record<string, unknown> = {}): EscalationRequest {
  return escalationRequestSchema.parse({
    requestType: 'incident',
    category: 'devices',
    subCategory: 'Docking stations',
    title: 'Docks stop charging after the policy push',
    description: 'Since the policy push on Friday, USB-C docks no longer charge the laptops on floor 3.',
    contact: 'erik.lund@example.org',
    ...overrides,
  });
}

const CASE_OWNER: NewEscalation['owner'] = { kind: 'case', id: 'case-1', workflowId: 'case-case-1' };

function newEscalation(overrides: Partial<NewEscalation> = {}): NewEscalation {
  return {
    id: 'esc-1',
    owner: CASE_OWNER,
    target: 'service-ops',
    severity: 'C',
    request: request(),
    adminContact: 'x@y.z',
    filedBy: LEAD,
    filerIsAdmin: false,
    ...overrides,
  };
}

const open = (overrides: Partial<NewEscalation> = {}, atMs = T0): EscalationRecord =>
  openEscalation(newEscalation(overrides), atMs);
/** Sev A filed by an IT admin at T0: 24x7, initial response due T0+1h, updates every 60 min. */
const openSevA = (overrides: Partial<NewEscalation> = {}) =>
  open({ severity: 'A', filerIsAdmin: true, filedBy: ADMIN, ...overrides });

let callbackSeq = 0;
function callback(kind: IncomingCallback['kind'], message: string, callbackId?: string): IncomingCallback {
  callbackSeq += 1;
  return { callbackId: callbackId ?? `cb-${String(callbackSeq).padStart(8, '0')}`, kind, message };
}

/** Applies a callback from the escalation's own target after checking that it is accepted. */
function receive(r: EscalationRecord, cb: IncomingCallback, atMs: number): EscalationRecord {
  const decision = decideCallback(r, r.target, cb);
  if (!decision.ok) throw new Error(`test setup: callback refused: ${decision.reason}`);
  return applyCallback(r, cb, atMs);
}

const reasonOf = (decision: Decision): string | null => (decision.ok ? null : decision.reason);
const lastLog = (r: { log: readonly unknown[] }) => r.log.at(-1);
const noticeIds = (notices: readonly Notice[]) => notices.map((n) => n.id);

/** Wakes the way the workflow does (advance, then sleep until the next wake) at the given instants. */
function wakeAt(r: EscalationRecord, instants: readonly number[]) {
  let current = r;
  const notices: Notice[] = [];
  for (const at of instants) {
    const out = advanceEscalation(current, policy, at);
    current = out.record;
    notices.push(...out.notices);
  }
  return { record: current, notices };
}

describe('the policy the tests use', () => {
  it('is the default escalation policy with one admin contact', () => {
    expect(policy).toEqual({
      adminContacts: { devices: 'x@y.z' },
      sla: DEFAULT_SLA_POLICY,
      calendar: DEFAULT_BUSINESS_CALENDAR,
      approvalReminderMinutes: 30,
      unresponsiveCloseHours: 48,
      sevAEngagementMinutes: 120,
      vendorFollowUpHours: 24,
      responseTables: { vendor: DEFAULT_SLA_POLICY, 'microsoft-channel': DEFAULT_SLA_POLICY },
    });
  });
});

describe('escalationRequestSchema', () => {
  const valid = {
    requestType: 'change-request',
    category: 'security',
    subCategory: '  BitLocker  ',
    title: '  Allow recovery key escrow  ',
    description: 'Recovery keys are not escrowed for the new Surface devices.',
    contact: 'sec-team@example.org',
  };

  it('accepts a valid request, trims text and fills the defaults', () => {
    const parsed = escalationRequestSchema.parse(valid);
    expect(parsed).toEqual({
      requestType: 'change-request',
      category: 'security',
      subCategory: 'BitLocker',
      title: 'Allow recovery key escrow',
      description: 'Recovery keys are not escrowed for the new Surface devices.',
      contact: 'sec-team@example.org',
      twentyFourSeven: false,
    });
    expect(parsed.target).toBeUndefined();
    expect(parsed.severity).toBeUndefined();
    expect(parsed.reason).toBeUndefined();
  });

  it('keeps the optional fields when given', () => {
    const parsed = escalationRequestSchema.parse({
      ...valid,
      target: 'vendor',
      severity: 'B',
      twentyFourSeven: true,
      reason: 'The dock firmware is the vendor’s.',
    });
    expect(parsed).toMatchObject({
      target: 'vendor',
      severity: 'B',
      twentyFourSeven: true,
      reason: 'The dock firmware is the vendor’s.',
    });
  });

  it.each(['requestType', 'category', 'subCategory', 'title', 'description', 'contact'] as const)(
    'refuses a request without %s',
    (field) => {
      const rest: Record<string, unknown> = { ...valid };
      delete rest[field];
      const result = escalationRequestSchema.safeParse(rest);
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual([field]);
    },
  );

  it('reports every missing required field at once', () => {
    const result = escalationRequestSchema.safeParse({});
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual([
      'requestType',
      'category',
      'subCategory',
      'title',
      'description',
      'contact',
    ]);
  });

  it.each([
    ['target', 'microsoft'],
    ['severity', 'D'],
    ['requestType', 'bug-report'],
    ['category', 'hardware'],
  ] as const)('refuses %s = %s', (field, value) => {
    const result = escalationRequestSchema.safeParse({ ...valid, [field]: value });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([expect.objectContaining({ code: 'invalid_value', path: [field] })]);
  });

  it('refuses unknown keys', () => {
    const result = escalationRequestSchema.safeParse({ ...valid, priority: 'high' });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ code: 'unrecognized_keys', keys: ['priority'] }),
    ]);
  });

  it('refuses a description shorter than 10 characters, counted after trimming', () => {
    for (const description of ['too short', '   123456789    ']) {
      const result = escalationRequestSchema.safeParse({ ...valid, description });
      expect(result.error?.issues).toEqual([
        expect.objectContaining({ code: 'too_small', path: ['description'], minimum: 10 }),
      ]);
    }
    expect(escalationRequestSchema.safeParse({ ...valid, description: '1234567890' }).success).toBe(true);
  });

  it('refuses a too-short title and reason', () => {
    expect(escalationRequestSchema.safeParse({ ...valid, title: 'ab' }).success).toBe(false);
    expect(escalationRequestSchema.safeParse({ ...valid, reason: ' x ' }).success).toBe(false);
  });
});

describe('escalationRefusals', () => {
  const fine: FilingContext = {
    ownerOpen: true,
    deviceIsTestGroup: false,
    recommendedTarget: 'service-ops',
    ownerSeverity: 'C',
    openEscalation: null,
  };
  const refusalsOf = (req: EscalationRequest, ctx: Partial<FilingContext> = {}) =>
    escalationRefusals(req, { ...fine, ...ctx }, policy);

  it('has none when all is well (target defaults to the recommended one)', () => {
    expect(refusalsOf(request())).toEqual([]);
    expect(refusalsOf(request({ target: 'service-ops' }))).toEqual([]);
  });

  it('case.open: a resolved or closed owner takes no escalation', () => {
    expect(refusalsOf(request(), { ownerOpen: false })).toEqual([
      'case.open: the case is resolved or closed.',
    ]);
  });

  it('device.test-group: not for devices in the Test group', () => {
    expect(refusalsOf(request(), { deviceIsTestGroup: true })).toEqual([
      'device.test-group: escalation is not available for devices in the Test group.',
    ]);
  });

  it('escalation.one-open: one open escalation at a time', () => {
    expect(refusalsOf(request(), { openEscalation: 'case-1.e1' })).toEqual([
      'escalation.one-open: escalation case-1.e1 is still open.',
    ]);
  });

  it('target.required: no recommended target and none chosen', () => {
    expect(refusalsOf(request(), { recommendedTarget: null })).toEqual([
      'target.required: the case has no recommended target; choose one, with a reason.',
    ]);
  });

  it('target.reason: another target than the recommended one needs a reason', () => {
    expect(refusalsOf(request({ target: 'vendor' }))).toEqual([
      'target.reason: vendor differs from the recommended service-ops; give a reason.',
    ]);
    expect(refusalsOf(request({ target: 'vendor' }), { recommendedTarget: null })).toEqual([
      'target.reason: vendor differs from the recommended none; give a reason.',
    ]);
    expect(refusalsOf(request({ target: 'vendor', reason: 'The dock firmware is faulty.' }))).toEqual([]);
    expect(
      refusalsOf(request({ target: 'vendor', reason: 'The dock firmware is faulty.' }), {
        recommendedTarget: null,
      }),
    ).toEqual([]);
  });

  it.each(['app-packaging', 'security', 'other'] as const)(
    'admin-contact.%s: no admin contact configured for the area',
    (area) => {
      expect(refusalsOf(request({ category: area }))).toEqual([
        `admin-contact.${area}: no admin contact is configured for the ${area} area (CASEFLOW_ADMIN_CONTACTS.${area}).`,
      ]);
    },
  );

  it('lists several refusals at once, in rule order', () => {
    expect(
      refusalsOf(request({ category: 'security', target: 'service-ops' }), {
        recommendedTarget: 'microsoft-channel',
        ownerOpen: false,
        deviceIsTestGroup: true,
        openEscalation: 'case-1.e2',
      }),
    ).toEqual([
      'case.open: the case is resolved or closed.',
      'device.test-group: escalation is not available for devices in the Test group.',
      'escalation.one-open: escalation case-1.e2 is still open.',
      'target.reason: service-ops differs from the recommended microsoft-channel; give a reason.',
      'admin-contact.security: no admin contact is configured for the security area (CASEFLOW_ADMIN_CONTACTS.security).',
    ]);
    expect(refusalsOf(request(), { recommendedTarget: null, ownerOpen: false })).toEqual([
      'case.open: the case is resolved or closed.',
      'target.required: the case has no recommended target; choose one, with a reason.',
    ]);
  });
});

describe('openEscalation', () => {
  it('Sev C from the escalation team is filed at once, clock started, requested and filed logged', () => {
    const r = open();
    expect(r).toMatchObject({
      id: 'esc-1',
      owner: CASE_OWNER,
      target: 'service-ops',
      severity: 'C',
      twentyFourSeven: false,
      status: 'filed',
      gate: 'escalation-team-sev-c',
      caseSeverity: 'C',
      responseTable: 'service',
      filedBy: LEAD,
      approvedBy: null,
      requestedAtMs: T0,
      filedAtMs: T0,
      delivery: null,
      needsInfo: null,
      resolution: null,
      callbackIds: [],
      firedEvents: [],
    });
    expect(r.clock).toEqual({
      startedAtMs: T0,
      severity: 'C',
      twentyFourSeven: false,
      pause: null,
      pausedMsByCause: {},
      pauseHistory: [],
      firstResponseAtMs: null,
      lastUpdateAtMs: null,
      resolvedAtMs: null,
    });
    expect(r.log).toEqual([
      {
        at: iso(T0),
        type: 'requested',
        actor: LEAD,
        reason: null,
        text: 'Escalation to service-ops (Sev C, incident) requested; gate escalation-team-sev-c.',
      },
      { at: iso(T0), type: 'filed', actor: LEAD, reason: null, text: 'Filed with service-ops.' },
    ]);
  });

  it('keeps the reason for another target on the requested entry', () => {
    const r = open({ target: 'vendor', request: request({ target: 'vendor', reason: 'Faulty dock.' }) });
    expect(r.log[0]).toMatchObject({ type: 'requested', reason: 'Faulty dock.' });
  });

  it.each(['A', 'B'] as const)(
    'Sev %s from the escalation team awaits approval, with no clock and no filing',
    (severity) => {
      const r = open({ severity });
      expect(r).toMatchObject({
        status: 'awaiting-approval',
        gate: 'it-admin-approval',
        filedAtMs: null,
        clock: null,
        approvedBy: null,
      });
      expect(r.log.map((e) => e.type)).toEqual(['requested']);
      expect(r.log[0]?.text).toBe(
        `Escalation to service-ops (Sev ${severity}, incident) requested; gate it-admin-approval.`,
      );
    },
  );

  it.each(['A', 'B', 'C'] as const)('Sev %s from an IT admin is filed directly', (severity) => {
    const r = open({ severity, filerIsAdmin: true, filedBy: ADMIN });
    expect(r).toMatchObject({ status: 'filed', gate: 'it-admin', filedAtMs: T0, approvedBy: null });
    expect(r.clock).toMatchObject({ startedAtMs: T0, severity });
    expect(r.log.map((e) => [e.type, e.actor])).toEqual([
      ['requested', ADMIN],
      ['filed', ADMIN],
    ]);
  });

  it('keeps twentyFourSeven only for Sev B', () => {
    const asked = request({ twentyFourSeven: true });
    const b = open({ severity: 'B', filerIsAdmin: true, request: asked }, FRI_1500);
    const a = open({ severity: 'A', filerIsAdmin: true, request: asked }, FRI_1500);
    const c = open({ severity: 'C', request: asked }, FRI_1500);
    expect([b.twentyFourSeven, a.twentyFourSeven, c.twentyFourSeven]).toEqual([true, false, false]);
    expect([b.clock?.twentyFourSeven, a.clock?.twentyFourSeven, c.clock?.twentyFourSeven]).toEqual([
      true,
      false,
      false,
    ]);
    // Sev B 24x7: 4 wall-clock hours, Friday 19:00 PST.
    expect(escalationView(b, policy, FRI_1500).initialResponseDue).toBe('2026-11-07T03:00:00.000Z');
    // Sev C keeps business hours: 2 h on Friday, 6 h on Monday, Monday 15:00 PST.
    expect(escalationView(c, policy, FRI_1500).initialResponseDue).toBe('2026-11-09T23:00:00.000Z');
    // Sev B without 24x7: 2 h on Friday, 2 h on Monday, Monday 11:00 PST.
    const bBusiness = open({ severity: 'B', filerIsAdmin: true }, FRI_1500);
    expect(escalationView(bBusiness, policy, FRI_1500).initialResponseDue).toBe('2026-11-09T19:00:00.000Z');
  });

  it('Sev B 24x7 awaiting approval keeps the choice and its clock honours it once approved', () => {
    const r = open({ severity: 'B', request: request({ twentyFourSeven: true }) });
    expect(r.twentyFourSeven).toBe(true);
    const filed = approve(r, ADMIN, 'Business group is down', T0);
    expect(filed.clock?.twentyFourSeven).toBe(true);
  });
});

describe('approval', () => {
  it('decideApproval allows only an escalation awaiting approval', () => {
    const waiting = open({ severity: 'B' });
    expect(decideApproval(waiting)).toEqual({ ok: true });
    expect(reasonOf(decideApproval(open()))).toBe('The escalation is filed; there is nothing to approve.');
    expect(reasonOf(decideApproval(decline(waiting, ADMIN, 'No', T0)))).toBe(
      'The escalation is declined; there is nothing to approve.',
    );
    expect(reasonOf(decideApproval(approve(waiting, ADMIN, 'Yes', T0)))).toBe(
      'The escalation is filed; there is nothing to approve.',
    );
  });

  it('approve files it: approver recorded, clock started at the approval, approved and filed logged', () => {
    const waiting = open({ severity: 'A' });
    const at = T0 + 20 * MINUTE;
    const r = approve(waiting, ADMIN, 'Whole floor is down', at);
    expect(r).toMatchObject({
      status: 'filed',
      gate: 'it-admin-approval',
      approvedBy: ADMIN,
      filedBy: LEAD,
      requestedAtMs: T0,
      filedAtMs: at,
    });
    expect(r.clock).toMatchObject({ startedAtMs: at, severity: 'A', twentyFourSeven: false });
    expect(r.log.slice(1)).toEqual([
      {
        at: iso(at),
        type: 'approved',
        actor: ADMIN,
        reason: 'Whole floor is down',
        text: 'Approved by an IT admin.',
      },
      { at: iso(at), type: 'filed', actor: ADMIN, reason: null, text: 'Filed with service-ops.' },
    ]);
    // The initial response is due an hour after the filing, not after the request.
    expect(scheduledEvents(r, policy, at)).toEqual([
      { atMs: at + HOUR, key: `ack@${at + HOUR}`, kind: 'ack-overdue' },
    ]);
  });

  it('decline ends it unfiled, with the reason on the record', () => {
    const waiting = open({ severity: 'B' });
    const r = decline(waiting, ADMIN, 'Handled by the helpdesk', T0 + HOUR);
    expect(r).toMatchObject({ status: 'declined', approvedBy: null, filedAtMs: null, clock: null });
    expect(lastLog(r)).toEqual({
      at: iso(T0 + HOUR),
      type: 'declined',
      actor: ADMIN,
      reason: 'Handled by the helpdesk',
      text: 'Declined; not filed.',
    });
  });
});

describe('delivery', () => {
  it('delivered records where and the party’s reference, status unchanged', () => {
    const r = delivered(
      open({ target: 'vendor' }),
      'https://vendor.example/tickets',
      'VND-4711',
      T0 + MINUTE,
    );
    expect(r.status).toBe('filed');
    expect(r.delivery).toEqual({
      at: T0 + MINUTE,
      to: 'https://vendor.example/tickets',
      externalReference: 'VND-4711',
    });
    expect(lastLog(r)).toEqual({
      at: iso(T0 + MINUTE),
      type: 'delivered',
      actor: SYSTEM,
      reason: null,
      text: 'Delivered to https://vendor.example/tickets (their reference VND-4711).',
    });
  });

  it('delivered without a reference says so plainly', () => {
    const r = delivered(open(), 'https://ops.example/escalations', null, T0);
    expect(r.delivery).toEqual({ at: T0, to: 'https://ops.example/escalations', externalReference: null });
    expect(lastLog(r)).toMatchObject({ text: 'Delivered to https://ops.example/escalations.' });
  });

  it('delivered after retries shows on the record how many attempts it took', () => {
    const r = delivered(open(), 'https://ops.example/escalations', 'OPS-1', T0, 14);
    expect(lastLog(r)).toMatchObject({
      text: 'Delivered to https://ops.example/escalations (their reference OPS-1) on attempt 14, after 13 failed attempts.',
    });
    expect(lastLog(delivered(open(), 'https://ops.example/escalations', null, T0, 1))).toMatchObject({
      text: 'Delivered to https://ops.example/escalations.',
    });
  });

  it('undeliverable ends it as declined by the system, keeping the failure as the reason', () => {
    const r = undeliverable(
      open({ target: 'microsoft-channel' }),
      'no endpoint configured for microsoft-channel',
      T0,
    );
    expect(r.status).toBe('declined');
    expect(r.delivery).toBeNull();
    expect(lastLog(r)).toEqual({
      at: iso(T0),
      type: 'undeliverable',
      actor: SYSTEM,
      reason: 'no endpoint configured for microsoft-channel',
      text: 'Could not be delivered to microsoft-channel.',
    });
    expect(scheduledEvents(r, policy, T0 + 10 * HOUR)).toEqual([]);
  });
});

describe('callbacks', () => {
  it('records the party as the actor, or the service-ops member who answered in the inbox', () => {
    const fromParty = receive(open(), callback('acknowledged', 'Got it'), T0 + MINUTE);
    expect(lastLog(fromParty)).toMatchObject({ actor: 'service-ops' });
    const fromInbox = receive(
      open(),
      { ...callback('acknowledged', 'Got it'), actor: 'ops-kim' },
      T0 + MINUTE,
    );
    expect(lastLog(fromInbox)).toMatchObject({ actor: 'ops-kim' });
  });

  it('decideCallback refuses a callback from another party than the target', () => {
    const r = open();
    expect(reasonOf(decideCallback(r, 'vendor', callback('acknowledged', 'Got it')))).toBe(
      'This escalation went to service-ops, not vendor.',
    );
    expect(decideCallback(r, 'service-ops', callback('acknowledged', 'Got it'))).toEqual({ ok: true });
  });

  it('decideCallback refuses a replay of the same callbackId', () => {
    const first = callback('acknowledged', 'Got it', 'ops:ack:000001');
    const r = receive(open(), first, T0 + MINUTE);
    expect(r.callbackIds).toEqual(['ops:ack:000001']);
    expect(reasonOf(decideCallback(r, 'service-ops', first))).toBe(
      'Callback ops:ack:000001 was already received (replay).',
    );
    // Same id, other content: still a replay.
    expect(reasonOf(decideCallback(r, 'service-ops', { ...first, kind: 'resolved', message: 'Done' }))).toBe(
      'Callback ops:ack:000001 was already received (replay).',
    );
    expect(decideCallback(r, 'service-ops', callback('update', 'Working on it'))).toEqual({ ok: true });
  });

  it('decideCallback refuses callbacks while awaiting approval', () => {
    expect(reasonOf(decideCallback(open({ severity: 'B' }), 'service-ops', callback('update', 'Hi')))).toBe(
      'The escalation is awaiting-approval; it takes no callbacks.',
    );
  });

  it('decideCallback refuses callbacks once the escalation is over', () => {
    const resolved = receive(open(), callback('resolved', 'Fixed'), T0 + HOUR);
    const declined = decline(open({ severity: 'B' }), ADMIN, 'No', T0);
    const undelivered = undeliverable(open(), 'no endpoint', T0);
    for (const [r, status] of [
      [resolved, 'resolved'],
      [declined, 'declined'],
      [undelivered, 'declined'],
    ] as const) {
      expect(reasonOf(decideCallback(r, 'service-ops', callback('update', 'More')))).toBe(
        `The escalation is ${status}; it takes no callbacks.`,
      );
    }
  });

  it('acknowledged: status acknowledged, first response met, no ack-overdue any more', () => {
    const r = openSevA();
    expect(scheduledEvents(r, policy, T0).map((e) => e.kind)).toEqual(['ack-overdue']);
    const at = T0 + 10 * MINUTE;
    const acked = receive(r, callback('acknowledged', 'On it', 'ops-ack-0001'), at);
    expect(acked.status).toBe('acknowledged');
    expect(acked.callbackIds).toEqual(['ops-ack-0001']);
    expect(acked.clock?.firstResponseAtMs).toBe(at);
    expect(acked.clock?.lastUpdateAtMs).toBeNull();
    expect(lastLog(acked)).toEqual({
      at: iso(at),
      type: 'acknowledged',
      actor: 'service-ops',
      reason: null,
      text: 'On it',
    });
    // Only the next update is owed now: 60 min after the acknowledgement.
    expect(scheduledEvents(acked, policy, at)).toEqual([
      { atMs: at + HOUR, key: `update@${at + HOUR}`, kind: 'update-overdue' },
    ]);
    expect(advanceEscalation(acked, policy, T0 + HOUR).notices).toEqual([]);
  });

  it('update: records first response and update, clears needsInfo and resumes a paused clock', () => {
    const r = receive(openSevA(), callback('acknowledged', 'On it'), T0 + 5 * MINUTE);
    const asked = receive(r, callback('needs-info', 'Which BIOS version?'), T0 + 10 * MINUTE);
    expect(asked.clock?.pause).toEqual({ cause: 'customer', sinceMs: T0 + 10 * MINUTE });
    const updated = receive(asked, callback('update', 'Rolling back the policy'), T0 + 40 * MINUTE);
    expect(updated.status).toBe('acknowledged');
    expect(updated.needsInfo).toBeNull();
    expect(updated.clock).toMatchObject({
      pause: null,
      pausedMsByCause: { customer: 30 * MINUTE },
      pauseHistory: [{ cause: 'customer', fromMs: T0 + 10 * MINUTE, toMs: T0 + 40 * MINUTE }],
      firstResponseAtMs: T0 + 5 * MINUTE,
      lastUpdateAtMs: T0 + 40 * MINUTE,
    });
    expect(lastLog(updated)).toMatchObject({
      type: 'update',
      actor: 'service-ops',
      text: 'Rolling back the policy',
    });
    expect(nextEscalationWake(updated, policy, T0 + 40 * MINUTE)).toBe(T0 + 100 * MINUTE);
  });

  it('update on a filed escalation counts as its first response', () => {
    const updated = receive(openSevA(), callback('update', 'Looking into it'), T0 + 20 * MINUTE);
    expect(updated.clock).toMatchObject({
      firstResponseAtMs: T0 + 20 * MINUTE,
      lastUpdateAtMs: T0 + 20 * MINUTE,
    });
    expect(scheduledEvents(updated, policy, T0 + 20 * MINUTE).map((e) => e.kind)).toEqual(['update-overdue']);
  });

  it('needs-info: pauses the clock for the customer and records the question', () => {
    const at = T0 + 2 * HOUR;
    const r = receive(open(), callback('needs-info', 'Please send the dock serials.'), at);
    expect(r.status).toBe('filed');
    expect(r.needsInfo).toEqual({ message: 'Please send the dock serials.', atMs: at });
    expect(r.clock).toMatchObject({
      pause: { cause: 'customer', sinceMs: at },
      firstResponseAtMs: at,
      lastUpdateAtMs: at,
    });
    expect(lastLog(r)).toMatchObject({ type: 'needs-info', actor: 'service-ops', reason: null });
    expect(escalationView(r, policy, at + HOUR)).toMatchObject({
      initialResponseDue: null,
      nextUpdateDue: null,
      needsInfo: { message: 'Please send the dock serials.', at: iso(at) },
    });
  });

  it('resolved: status resolved, resolution recorded, needsInfo cleared, clock resolved', () => {
    const asked = receive(open(), callback('needs-info', 'Serials?'), T0 + HOUR);
    const at = T0 + 3 * HOUR;
    const r = receive(asked, callback('resolved', 'Policy rolled back for floor 3.'), at);
    expect(r.status).toBe('resolved');
    expect(r.needsInfo).toBeNull();
    expect(r.resolution).toEqual({ message: 'Policy rolled back for floor 3.', atMs: at });
    expect(r.clock).toMatchObject({ resolvedAtMs: at, pause: null, pausedMsByCause: { customer: 2 * HOUR } });
    expect(lastLog(r)).toEqual({
      at: iso(at),
      type: 'resolved',
      actor: 'service-ops',
      reason: null,
      text: 'Policy rolled back for floor 3.',
    });
    expect(scheduledEvents(r, policy, at)).toEqual([]);
  });
});

describe('answering a request for information', () => {
  it('decideAnswer refuses when nothing was asked', () => {
    expect(reasonOf(decideAnswer(open()))).toBe('The receiving team has not asked for anything.');
    expect(reasonOf(decideAnswer(open({ severity: 'B' })))).toBe(
      'The receiving team has not asked for anything.',
    );
  });

  it('answered clears the question, resumes the clock and logs the answer', () => {
    const asked = receive(open(), callback('needs-info', 'Serials?'), T0 + HOUR);
    expect(decideAnswer(asked)).toEqual({ ok: true });
    const r = answered(asked, LEAD, 'DK-1, DK-2 and DK-3', T0 + 3 * HOUR);
    expect(r.needsInfo).toBeNull();
    expect(r.clock).toMatchObject({ pause: null, pausedMsByCause: { customer: 2 * HOUR } });
    expect(lastLog(r)).toEqual({
      at: iso(T0 + 3 * HOUR),
      type: 'answered',
      actor: LEAD,
      reason: null,
      text: 'DK-1, DK-2 and DK-3',
    });
    expect(reasonOf(decideAnswer(r))).toBe('The receiving team has not asked for anything.');
  });

  it('an answer before the 48 h close removes the close', () => {
    // Sev C: acknowledged Mon 10:00 PST, asked Mon 11:00 PST, answered Mon 19:00 PST.
    const acked = receive(open(), callback('acknowledged', 'On it'), T0 + HOUR);
    const asked = receive(acked, callback('needs-info', 'Serials?'), T0 + 2 * HOUR);
    const r = answered(asked, LEAD, 'DK-1', T0 + 10 * HOUR);
    // The next update: 24 business hours from the last update (Mon 11:00), the pause skipped:
    // Tue, Wed and Thu 09:00-17:00 PST, so Thursday 17:00 PST.
    expect(scheduledEvents(r, policy, T0 + 10 * HOUR)).toEqual([
      {
        atMs: Date.UTC(2026, 10, 6, 1, 0),
        key: `update@${Date.UTC(2026, 10, 6, 1, 0)}`,
        kind: 'update-overdue',
      },
    ]);
    expect(advanceEscalation(r, policy, T0 + 50 * HOUR).record).toBe(r);
  });
});

describe('scheduledEvents, advanceEscalation and nextEscalationWake', () => {
  describe('approval reminders', () => {
    it('the first at +30 min, the second at +60 min even when the workflow wakes late', () => {
      const r = open({ severity: 'B' });
      expect(scheduledEvents(r, policy, T0)).toEqual([
        { atMs: T0 + 30 * MINUTE, key: 'approval-reminder#1', kind: 'approval-reminder' },
      ]);
      expect(nextEscalationWake(r, policy, T0)).toBe(T0 + 30 * MINUTE);
      expect(advanceEscalation(r, policy, T0 + 29 * MINUTE).record).toBe(r);

      const late = advanceEscalation(r, policy, T0 + 45 * MINUTE);
      expect(late.notices).toEqual([
        {
          id: 'esc-1:approval-reminder#1',
          type: 'escalation-approval-reminder',
          caseId: 'case-1',
          occurredAt: iso(T0 + 45 * MINUTE),
          severity: 'B',
          summary: 'Sev B escalation esc-1 waits for an IT admin.',
          audience: 'it-admins',
          details: { escalationId: 'esc-1', target: 'service-ops', status: 'awaiting-approval' },
        },
      ]);
      expect(late.record.firedEvents).toEqual(['approval-reminder#1']);
      expect(lastLog(late.record)).toEqual({
        at: iso(T0 + 45 * MINUTE),
        type: 'approval-reminder',
        actor: SYSTEM,
        reason: null,
        text: 'IT admins reminded to file or decline.',
      });
      expect(nextEscalationWake(late.record, policy, T0 + 45 * MINUTE)).toBe(T0 + 60 * MINUTE);

      const second = advanceEscalation(late.record, policy, T0 + 60 * MINUTE);
      expect(noticeIds(second.notices)).toEqual(['esc-1:approval-reminder#2']);
      expect(nextEscalationWake(second.record, policy, T0 + 60 * MINUTE)).toBe(T0 + 90 * MINUTE);
    });

    it('fire at the same instants whether the workflow wakes on time or in between', () => {
      const r = open({ severity: 'A' });
      const onTime = wakeAt(
        r,
        [30, 60, 90, 120].map((m) => T0 + m * MINUTE),
      );
      const sparse = wakeAt(
        r,
        [31, 44, 59, 61, 89, 91, 119, 121].map((m) => T0 + m * MINUTE),
      );
      const ids = ['#1', '#2', '#3', '#4'].map((n) => `esc-1:approval-reminder${n}`);
      expect(noticeIds(onTime.notices)).toEqual(ids);
      expect(noticeIds(sparse.notices)).toEqual(ids);
    });

    it('stop once the escalation is approved or declined', () => {
      const r = advanceEscalation(open({ severity: 'B' }), policy, T0 + 30 * MINUTE).record;
      const approved = approve(r, ADMIN, 'Go', T0 + 40 * MINUTE);
      expect(scheduledEvents(approved, policy, T0 + 40 * MINUTE).map((e) => e.kind)).toEqual(['ack-overdue']);
      const declined = decline(r, ADMIN, 'No', T0 + 40 * MINUTE);
      expect(scheduledEvents(declined, policy, T0 + 40 * MINUTE)).toEqual([]);
      expect(nextEscalationWake(declined, policy, T0 + 40 * MINUTE)).toBeNull();
    });
  });

  describe('ack-overdue', () => {
    it('Sev A (24x7) at +1 h, once', () => {
      const r = openSevA();
      expect(scheduledEvents(r, policy, T0)).toEqual([
        { atMs: T0 + HOUR, key: `ack@${T0 + HOUR}`, kind: 'ack-overdue' },
      ]);
      expect(nextEscalationWake(r, policy, T0)).toBe(T0 + HOUR);
      expect(advanceEscalation(r, policy, T0 + HOUR - 1).record).toBe(r);

      const out = advanceEscalation(r, policy, T0 + HOUR);
      const text = 'service-ops is overdue with its initial response (due 2026-11-02T18:00:00.000Z).';
      expect(out.notices).toEqual([
        {
          id: `esc-1:ack@${T0 + HOUR}`,
          type: 'escalation-overdue',
          caseId: 'case-1',
          occurredAt: iso(T0 + HOUR),
          severity: 'A',
          summary: text,
          audience: 'it-admins',
          details: { escalationId: 'esc-1', target: 'service-ops', status: 'filed' },
        },
      ]);
      expect(lastLog(out.record)).toEqual({
        at: iso(T0 + HOUR),
        type: 'ack-overdue',
        actor: SYSTEM,
        reason: null,
        text,
      });
      expect(out.record.firedEvents).toEqual([`ack@${T0 + HOUR}`]);
      // Nothing else is due until someone responds.
      expect(nextEscalationWake(out.record, policy, T0 + HOUR)).toBeNull();
      const again = advanceEscalation(out.record, policy, T0 + 5 * HOUR);
      expect(again.notices).toEqual([]);
      expect(again.record).toBe(out.record);
    });

    it('Sev C (business hours, 8 h) filed Monday 09:00 PST: Monday 17:00 PST', () => {
      const r = open();
      const due = Date.UTC(2026, 10, 3, 1, 0);
      expect(scheduledEvents(r, policy, T0)).toEqual([{ atMs: due, key: `ack@${due}`, kind: 'ack-overdue' }]);
      expect(due).toBe(T0 + 8 * HOUR);
    });

    it('Sev C filed Monday 13:00 PST: Tuesday 13:00 PST', () => {
      const r = open({}, T0 + 4 * HOUR);
      const due = Date.UTC(2026, 10, 3, 21, 0);
      expect(nextEscalationWake(r, policy, T0 + 4 * HOUR)).toBe(due);
      expect(advanceEscalation(r, policy, Date.UTC(2026, 10, 3, 1, 0)).notices).toEqual([]);
      expect(noticeIds(advanceEscalation(r, policy, due).notices)).toEqual([`esc-1:ack@${due}`]);
    });

    it('Sev C filed Friday 15:00 PST: not over the weekend, Monday 15:00 PST', () => {
      const r = open({}, FRI_1500);
      const due = Date.UTC(2026, 10, 9, 23, 0);
      expect(nextEscalationWake(r, policy, FRI_1500)).toBe(due);
      // Saturday noon PST: nothing yet.
      expect(advanceEscalation(r, policy, Date.UTC(2026, 10, 7, 20, 0)).notices).toEqual([]);
      const out = advanceEscalation(r, policy, due + 5 * MINUTE);
      expect(out.notices.map((n) => n.summary)).toEqual([
        'service-ops is overdue with its initial response (due 2026-11-09T23:00:00.000Z).',
      ]);
    });
  });

  describe('update-overdue', () => {
    it('after an acknowledgement, one update cadence later; a new update owes the next one', () => {
      const acked = receive(openSevA(), callback('acknowledged', 'On it'), T0 + 15 * MINUTE);
      const due = T0 + 75 * MINUTE;
      expect(nextEscalationWake(acked, policy, T0 + 15 * MINUTE)).toBe(due);
      const out = advanceEscalation(acked, policy, due);
      expect(out.notices).toEqual([
        expect.objectContaining({
          id: `esc-1:update@${due}`,
          type: 'escalation-overdue',
          summary: 'service-ops is overdue with its update (due 2026-11-02T18:15:00.000Z).',
          details: { escalationId: 'esc-1', target: 'service-ops', status: 'acknowledged' },
        }),
      ]);
      expect(lastLog(out.record)).toMatchObject({ type: 'update-overdue', actor: SYSTEM });
      expect(advanceEscalation(out.record, policy, due + 10 * MINUTE).notices).toEqual([]);
      expect(nextEscalationWake(out.record, policy, due)).toBeNull();

      const updated = receive(out.record, callback('update', 'Still rolling back'), T0 + 90 * MINUTE);
      expect(nextEscalationWake(updated, policy, T0 + 90 * MINUTE)).toBe(T0 + 150 * MINUTE);
      expect(noticeIds(advanceEscalation(updated, policy, T0 + 150 * MINUTE).notices)).toEqual([
        `esc-1:update@${T0 + 150 * MINUTE}`,
      ]);
    });

    it('Sev B filed as 24x7: every 12 wall-clock hours', () => {
      const r = open(
        { severity: 'B', filerIsAdmin: true, request: request({ twentyFourSeven: true }) },
        FRI_1500,
      );
      const acked = receive(r, callback('acknowledged', 'On it'), FRI_1500 + HOUR);
      expect(scheduledEvents(acked, policy, FRI_1500 + HOUR)).toEqual([
        { atMs: FRI_1500 + 13 * HOUR, key: `update@${FRI_1500 + 13 * HOUR}`, kind: 'update-overdue' },
      ]);
    });
  });

  describe('needs-info', () => {
    it('closes 48 h after the request for action: closed-unresponsive with a notice', () => {
      const asked = receive(
        receive(open(), callback('acknowledged', 'On it'), T0 + HOUR),
        callback('needs-info', 'Please send the dock serials.'),
        T0 + 2 * HOUR,
      );
      const closeAt = T0 + 50 * HOUR;
      const key = `needs-info@${T0 + 2 * HOUR}:close`;
      expect(scheduledEvents(asked, policy, T0 + 2 * HOUR)).toEqual([
        { atMs: closeAt, key, kind: 'unresponsive-close' },
      ]);
      expect(nextEscalationWake(asked, policy, T0 + 2 * HOUR)).toBe(closeAt);
      expect(advanceEscalation(asked, policy, closeAt - 1).record).toBe(asked);

      const out = advanceEscalation(asked, policy, closeAt);
      expect(out.record.status).toBe('closed-unresponsive');
      expect(out.record.clock).toMatchObject({
        resolvedAtMs: closeAt,
        pause: null,
        pausedMsByCause: { customer: 48 * HOUR },
      });
      expect(lastLog(out.record)).toEqual({
        at: iso(closeAt),
        type: 'closed',
        actor: SYSTEM,
        reason: 'no answer to the request for action within 48 h',
        text: 'Mitigated and closed.',
      });
      expect(out.notices).toEqual([
        {
          id: `esc-1:${key}`,
          type: 'escalation-closed',
          caseId: 'case-1',
          occurredAt: iso(closeAt),
          severity: 'C',
          summary: 'Escalation esc-1 closed: no answer to the request for action within 48 h.',
          audience: 'case-team',
          details: { escalationId: 'esc-1', target: 'service-ops', status: 'closed-unresponsive' },
        },
      ]);
      expect(scheduledEvents(out.record, policy, closeAt)).toEqual([]);
      expect(nextEscalationWake(out.record, policy, closeAt)).toBeNull();
    });

    it('counts the 48 h from the last unanswered request', () => {
      const first = receive(open(), callback('needs-info', 'Serials?'), T0 + HOUR);
      const second = receive(first, callback('needs-info', 'And the firmware?'), T0 + 20 * HOUR);
      expect(scheduledEvents(second, policy, T0 + 20 * HOUR)).toEqual([
        { atMs: T0 + 68 * HOUR, key: `needs-info@${T0 + 20 * HOUR}:close`, kind: 'unresponsive-close' },
      ]);
      expect(advanceEscalation(second, policy, T0 + 49 * HOUR).record).toBe(second);
      expect(advanceEscalation(second, policy, T0 + 68 * HOUR).record.status).toBe('closed-unresponsive');
    });

    it('Sev A: downgraded to Sev B after sevAEngagementMinutes, once, never to C', () => {
      const acked = receive(openSevA(), callback('acknowledged', 'On it'), T0 + 5 * MINUTE);
      const askedAt = T0 + 10 * MINUTE;
      const asked = receive(acked, callback('needs-info', 'Can someone be on a call now?'), askedAt);
      const engagementKey = `needs-info@${askedAt}:engagement`;
      expect(scheduledEvents(asked, policy, askedAt)).toEqual([
        { atMs: askedAt + 48 * HOUR, key: `needs-info@${askedAt}:close`, kind: 'unresponsive-close' },
        { atMs: askedAt + 120 * MINUTE, key: engagementKey, kind: 'engagement-downgrade' },
      ]);
      expect(nextEscalationWake(asked, policy, askedAt)).toBe(askedAt + 120 * MINUTE);

      const at = askedAt + 120 * MINUTE;
      const out = advanceEscalation(asked, policy, at);
      const reason =
        'Sev A needs continuous 24x7 engagement; the request for action went unanswered for 120 min';
      expect(out.record.severity).toBe('B');
      expect(out.record.clock?.severity).toBe('B');
      expect(out.record.status).toBe('acknowledged');
      expect(out.record.firedEvents).toEqual([engagementKey]);
      expect(lastLog(out.record)).toEqual({
        at: iso(at),
        type: 'severity-downgraded',
        actor: SYSTEM,
        reason,
        text: 'Downgraded from Sev A to Sev B.',
      });
      expect(out.notices).toEqual([
        {
          id: `esc-1:${engagementKey}`,
          type: 'severity-downgraded',
          caseId: 'case-1',
          occurredAt: iso(at),
          severity: 'B',
          summary: `Escalation esc-1 downgraded to Sev B: ${reason}.`,
          audience: 'it-admins',
          details: { escalationId: 'esc-1', target: 'service-ops', status: 'acknowledged' },
        },
      ]);
      // Never again, and never to C: only the close is left.
      expect(scheduledEvents(out.record, policy, at)).toEqual([
        { atMs: askedAt + 48 * HOUR, key: `needs-info@${askedAt}:close`, kind: 'unresponsive-close' },
      ]);
      const later = advanceEscalation(out.record, policy, at + 10 * HOUR);
      expect(later.notices).toEqual([]);
      expect(later.record.severity).toBe('B');
    });

    it('Sev A: the downgrade and the close both fire, in order, when the workflow wakes after both', () => {
      const askedAt = T0 + 10 * MINUTE;
      const asked = receive(openSevA(), callback('needs-info', 'Call?'), askedAt);
      const out = advanceEscalation(asked, policy, askedAt + 49 * HOUR);
      expect(noticeIds(out.notices)).toEqual([
        `esc-1:needs-info@${askedAt}:engagement`,
        `esc-1:needs-info@${askedAt}:close`,
      ]);
      expect(out.record).toMatchObject({ severity: 'B', status: 'closed-unresponsive' });
    });

    it('Sev A: an answer in time avoids the downgrade', () => {
      const askedAt = T0 + 10 * MINUTE;
      const asked = receive(openSevA(), callback('needs-info', 'Call?'), askedAt);
      const r = answered(asked, ADMIN, 'Calling now', askedAt + 30 * MINUTE);
      expect(scheduledEvents(r, policy, askedAt + 30 * MINUTE).map((e) => e.kind)).toEqual([
        'update-overdue',
      ]);
      expect(advanceEscalation(r, policy, askedAt + 3 * HOUR).record.severity).toBe('A');
    });

    it.each(['B', 'C'] as const)('Sev %s is never downgraded for engagement', (severity: Severity) => {
      const askedAt = T0 + 10 * MINUTE;
      const asked = receive(open({ severity, filerIsAdmin: true }), callback('needs-info', 'Call?'), askedAt);
      expect(scheduledEvents(asked, policy, askedAt)).toEqual([
        { atMs: askedAt + 48 * HOUR, key: `needs-info@${askedAt}:close`, kind: 'unresponsive-close' },
      ]);
      const out = advanceEscalation(asked, policy, askedAt + 47 * HOUR);
      expect(out.notices).toEqual([]);
      expect(out.record.severity).toBe(severity);
    });
  });

  describe('vendor follow-ups', () => {
    /** Sev C to the vendor, filed Monday 09:00 PST, delivered, acknowledged Monday 10:00 PST. */
    function vendorEscalation(): EscalationRecord {
      const filed = open({
        target: 'vendor',
        request: request({ target: 'vendor', reason: 'Faulty docks' }),
      });
      const sent = delivered(filed, 'https://vendor.example/tickets', 'VND-4711', T0 + MINUTE);
      return receive(sent, callback('acknowledged', 'Ticket opened'), T0 + HOUR);
    }

    it('every vendorFollowUpHours from the filing; the next one keeps its slot after a late wake', () => {
      const r = vendorEscalation();
      const followUps = (e: readonly DueEvent[]) => e.filter((x) => x.kind === 'vendor-follow-up');
      expect(followUps(scheduledEvents(r, policy, T0 + HOUR))).toEqual([
        { atMs: T0 + 24 * HOUR, key: 'vendor-follow-up#1', kind: 'vendor-follow-up' },
      ]);
      expect(nextEscalationWake(r, policy, T0 + HOUR)).toBe(T0 + 24 * HOUR);

      const late = advanceEscalation(r, policy, T0 + 36 * HOUR);
      expect(late.notices).toEqual([
        {
          id: 'esc-1:vendor-follow-up#1',
          type: 'vendor-follow-up',
          caseId: 'case-1',
          occurredAt: iso(T0 + 36 * HOUR),
          severity: 'C',
          summary: 'Follow up with the vendor on VND-4711.',
          audience: 'case-team',
          details: { escalationId: 'esc-1', target: 'vendor', status: 'acknowledged' },
        },
      ]);
      expect(lastLog(late.record)).toEqual({
        at: iso(T0 + 36 * HOUR),
        type: 'vendor-follow-up',
        actor: SYSTEM,
        reason: null,
        text: 'Follow-up with the vendor due.',
      });
      expect(nextEscalationWake(late.record, policy, T0 + 36 * HOUR)).toBe(T0 + 48 * HOUR);
      expect(advanceEscalation(late.record, policy, T0 + 40 * HOUR).notices).toEqual([]);

      const second = advanceEscalation(late.record, policy, T0 + 48 * HOUR);
      expect(noticeIds(second.notices)).toEqual(['esc-1:vendor-follow-up#2']);
      // Follow-up #3 at +72 h comes before the Sev C update (24 business hours after Monday 10:00
      // PST: Thursday 10:00 PST, +73 h).
      expect(nextEscalationWake(second.record, policy, T0 + 48 * HOUR)).toBe(T0 + 72 * HOUR);
      expect(scheduledEvents(second.record, policy, T0 + 48 * HOUR)).toEqual([
        { atMs: T0 + 73 * HOUR, key: `update@${T0 + 73 * HOUR}`, kind: 'update-overdue' },
        { atMs: T0 + 72 * HOUR, key: 'vendor-follow-up#3', kind: 'vendor-follow-up' },
      ]);
    });

    it('name the escalation itself before the vendor gave a reference', () => {
      const r = open({ target: 'vendor', request: request({ target: 'vendor', reason: 'Faulty docks' }) });
      const out = advanceEscalation(r, policy, T0 + 24 * HOUR);
      expect(out.notices.map((n) => n.summary)).toEqual([
        'vendor is overdue with its initial response (due 2026-11-03T01:00:00.000Z).',
        'Follow up with the vendor on esc-1.',
      ]);
    });

    it('only for the vendor', () => {
      const r = receive(open(), callback('acknowledged', 'On it'), T0 + HOUR);
      expect(scheduledEvents(r, policy, T0 + 30 * HOUR).map((e) => e.kind)).toEqual(['update-overdue']);
    });

    it('stop when the vendor resolves it', () => {
      const r = receive(vendorEscalation(), callback('resolved', 'Docks replaced'), T0 + 10 * HOUR);
      expect(scheduledEvents(r, policy, T0 + 30 * HOUR)).toEqual([]);
      expect(advanceEscalation(r, policy, T0 + 30 * HOUR).record).toBe(r);
    });
  });

  it('nothing fires twice, however often or rarely the workflow wakes', () => {
    // Sev A to the vendor, filed by an IT admin, never answered: the initial response is overdue at
    // +1 h and the vendor is followed up at +24, +48 and +72 h.
    const r = openSevA({ target: 'vendor', request: request({ target: 'vendor', reason: 'Faulty docks' }) });
    const expected = [
      `esc-1:ack@${T0 + HOUR}`,
      'esc-1:vendor-follow-up#1',
      'esc-1:vendor-follow-up#2',
      'esc-1:vendor-follow-up#3',
    ];
    const everyQuarter = Array.from({ length: 72 * 4 + 1 }, (_, i) => T0 + i * 15 * MINUTE);
    const dense = wakeAt(r, everyQuarter);
    expect(noticeIds(dense.notices)).toEqual(expected);
    // Waking twice at each instant changes nothing.
    const twice = wakeAt(
      r,
      everyQuarter.flatMap((t) => [t, t]),
    );
    expect(noticeIds(twice.notices)).toEqual(expected);
    // Three wakes only: the overdue follow-ups are caught up, each once.
    const sparse = wakeAt(r, [T0 + 5 * HOUR, T0 + 50 * HOUR, T0 + 80 * HOUR]);
    expect(noticeIds(sparse.notices)).toEqual(expected);
    expect(sparse.record.firedEvents).toEqual(dense.record.firedEvents);
  });

  it.each([
    ['resolved', () => receive(openSevA(), callback('resolved', 'Fixed'), T0 + 30 * MINUTE)],
    ['declined', () => decline(open({ severity: 'B' }), ADMIN, 'No', T0)],
    ['undeliverable', () => undeliverable(openSevA(), 'no endpoint for service-ops', T0)],
    [
      'closed-unresponsive',
      () =>
        advanceEscalation(receive(open(), callback('needs-info', 'Serials?'), T0), policy, T0 + 48 * HOUR)
          .record,
    ],
  ] as const)('nothing for a finished escalation (%s)', (_label, make) => {
    const r = make();
    for (const at of [T0, T0 + HOUR, T0 + 100 * HOUR]) {
      expect(scheduledEvents(r, policy, at)).toEqual([]);
      expect(nextEscalationWake(r, policy, at)).toBeNull();
      const out = advanceEscalation(r, policy, at);
      expect(out.record).toBe(r);
      expect(out.notices).toEqual([]);
    }
  });
});

describe('escalationView', () => {
  it('projects a filed, delivered case escalation with its due instants as ISO', () => {
    const r = delivered(open(), 'https://ops.example/escalations', 'OPS-77', T0 + MINUTE);
    const view = escalationView(r, policy, T0 + HOUR);
    expect(view).toEqual({
      id: 'esc-1',
      caseId: 'case-1',
      incidentId: null,
      target: 'service-ops',
      severity: 'C',
      status: 'filed',
      gate: 'escalation-team-sev-c',
      caseSeverity: 'C',
      responseTable: 'service',
      filedBy: LEAD,
      approvedBy: null,
      requestType: 'incident',
      category: 'devices',
      subCategory: 'Docking stations',
      title: 'Docks stop charging after the policy push',
      contact: 'erik.lund@example.org',
      adminContact: 'x@y.z',
      twentyFourSeven: false,
      filedAt: '2026-11-02T17:00:00.000Z',
      delivery: {
        at: '2026-11-02T17:01:00.000Z',
        to: 'https://ops.example/escalations',
        externalReference: 'OPS-77',
      },
      initialResponseDue: '2026-11-03T01:00:00.000Z',
      nextUpdateDue: null,
      needsInfo: null,
      resolution: null,
      log: r.log,
    });
    expect(escalationViewSchema.parse(view)).toEqual(view);
  });

  it('an incident’s escalation has an incidentId and no caseId', () => {
    const r = openSevA({ owner: { kind: 'incident', id: 'inc-7', workflowId: 'incident-inc-7' } });
    const view = escalationView(r, policy, T0);
    expect(view.caseId).toBeNull();
    expect(view.incidentId).toBe('inc-7');
    expect(view.initialResponseDue).toBe('2026-11-02T18:00:00.000Z');
  });

  it('awaiting approval: not filed, nothing due', () => {
    const view = escalationView(open({ severity: 'B' }), policy, T0);
    expect(view).toMatchObject({
      status: 'awaiting-approval',
      gate: 'it-admin-approval',
      filedAt: null,
      delivery: null,
      initialResponseDue: null,
      nextUpdateDue: null,
    });
  });

  it('approved: approver and filing time shown', () => {
    const r = approve(open({ severity: 'A' }), ADMIN, 'Go', T0 + 20 * MINUTE);
    expect(escalationView(r, policy, T0 + 20 * MINUTE)).toMatchObject({
      approvedBy: ADMIN,
      filedAt: '2026-11-02T17:20:00.000Z',
      initialResponseDue: '2026-11-02T18:20:00.000Z',
    });
  });

  it('acknowledged: only the next update is due', () => {
    const r = receive(openSevA(), callback('acknowledged', 'On it'), T0 + 15 * MINUTE);
    expect(escalationView(r, policy, T0 + 15 * MINUTE)).toMatchObject({
      status: 'acknowledged',
      initialResponseDue: null,
      nextUpdateDue: '2026-11-02T18:15:00.000Z',
    });
  });

  it('resolved: the resolution at its ISO instant, nothing due', () => {
    const r = receive(openSevA(), callback('resolved', 'Fixed'), T0 + 30 * MINUTE);
    const view = escalationView(r, policy, T0 + HOUR);
    expect(view).toMatchObject({
      status: 'resolved',
      resolution: { message: 'Fixed', at: '2026-11-02T17:30:00.000Z' },
      initialResponseDue: null,
      nextUpdateDue: null,
    });
    expect(escalationViewSchema.parse(view)).toEqual(view);
  });
});

// ------------------------------------------------------------------------------------------------
// The case side

function newCaseRecord(intake: Record<string, unknown> = {}, category: Category | null = null): CaseRecord {
  const opened = openCase(
    {
      id: 'case-1',
      intake: caseIntakeSchema.parse({
        title: 'Docks stop charging',
        description: 'USB-C docks on floor 3 no longer charge laptops.',
        requester: { id: 'u-1001', name: 'Erik Lund', contact: 'erik.lund@example.org' },
        device: { serial: 'PF3XK9Z', group: 'broad' },
        ...intake,
      }),
      createdBy: AGENT,
      supportModel: 'customer-led',
      providerName: 'Service desk',
      requestFingerprint: 'f'.repeat(64),
    },
    T0,
  );
  return category === null
    ? opened
    : run(
        opened,
        { type: 'override-category', actor: AGENT, category, subCategory: null, reason: 'Triage' },
        T0,
      );
}

function run(record: CaseRecord, command: CaseCommand, atMs: number): CaseRecord {
  const decision = decide(record, command);
  if (!decision.ok) throw new Error(`test setup: ${command.type} refused: ${decision.reason}`);
  return applyCommand(record, command, atMs).record;
}

function withEscalation(record: CaseRecord, target: EscalationTarget, atMs: number, id = 'case-1.e1') {
  return escalationRequested(
    record,
    { id, workflowId: `escalation-${id}`, target, actor: LEAD, reason: null },
    atMs,
  );
}

type Change = Parameters<typeof escalationStatusChanged>[1];
const change = (status: Change['status'], extra: Partial<Change> = {}): Change => ({
  escalationId: 'case-1.e1',
  status,
  message: null,
  externalReference: null,
  ...extra,
});

describe('case side: decideEscalationFiling', () => {
  it('allows a request to the case’s route without naming a target', () => {
    const record = newCaseRecord({}, 'managed-desktop-service');
    expect(record.route.target).toBe('service-ops');
    expect(decideEscalationFiling(record, request(), policy)).toEqual({ ok: true });
  });

  it('uses the case’s route as the recommended target', () => {
    const hardware = newCaseRecord({}, 'hardware');
    expect(reasonOf(decideEscalationFiling(hardware, request({ target: 'service-ops' }), policy))).toBe(
      'target.reason: service-ops differs from the recommended vendor; give a reason.',
    );
    expect(decideEscalationFiling(hardware, request({ target: 'vendor' }), policy)).toEqual({ ok: true });
    const microsoft = newCaseRecord({}, 'other-microsoft');
    expect(decideEscalationFiling(microsoft, request(), policy)).toEqual({ ok: true });
    expect(
      decideEscalationFiling(microsoft, request({ target: 'vendor', reason: 'Surface firmware' }), policy),
    ).toEqual({ ok: true });
  });

  it('an unclassified or in-scope case has no recommended target', () => {
    for (const record of [newCaseRecord(), newCaseRecord({}, 'windows-os')]) {
      expect(record.route.target).toBeNull();
      expect(reasonOf(decideEscalationFiling(record, request(), policy))).toBe(
        'target.required: the case has no recommended target; choose one, with a reason.',
      );
    }
  });

  it('refuses a resolved or closed case', () => {
    const resolved = run(
      newCaseRecord({}, 'hardware'),
      { type: 'resolve', actor: AGENT, resolution: 'Dock replaced' },
      T0 + HOUR,
    );
    expect(reasonOf(decideEscalationFiling(resolved, request(), policy))).toBe(
      'case.open: the case is resolved or closed.',
    );
    const closed = applyFact(
      resolved,
      { type: 'requester-confirmed', actor: 'u-1001', accepted: true, comment: null },
      T0 + 2 * HOUR,
    ).record;
    expect(closed.status).toBe('closed');
    expect(reasonOf(decideEscalationFiling(closed, request(), policy))).toBe(
      'case.open: the case is resolved or closed.',
    );
  });

  it('refuses a device in the Test group', () => {
    const record = newCaseRecord({ device: { serial: 'PF3XK9Z', group: 'Test' } }, 'hardware');
    expect(record.device.isTestGroup).toBe(true);
    expect(reasonOf(decideEscalationFiling(record, request(), policy))).toBe(
      'device.test-group: escalation is not available for devices in the Test group.',
    );
  });

  it('refuses while another escalation is open, and allows a new one once it is over', () => {
    const record = withEscalation(newCaseRecord({}, 'hardware'), 'vendor', T0 + HOUR);
    expect(openEscalationOf(record)?.id).toBe('case-1.e1');
    expect(reasonOf(decideEscalationFiling(record, request(), policy))).toBe(
      'escalation.one-open: escalation case-1.e1 is still open.',
    );
    const over = escalationStatusChanged(record, change('declined'), T0 + 2 * HOUR);
    expect(openEscalationOf(over)).toBeUndefined();
    expect(decideEscalationFiling(over, request(), policy)).toEqual({ ok: true });
  });

  it('refuses an area without an admin contact, for service operations only', () => {
    expect(
      reasonOf(
        decideEscalationFiling(
          newCaseRecord({}, 'managed-desktop-service'),
          request({ category: 'other' }),
          policy,
        ),
      ),
    ).toBe(
      'admin-contact.other: no admin contact is configured for the other area (CASEFLOW_ADMIN_CONTACTS.other).',
    );
    // A hardware hand-off goes directly to the vendor: the service's admin-area rule does not apply.
    expect(
      reasonOf(decideEscalationFiling(newCaseRecord({}, 'hardware'), request({ category: 'other' }), policy)),
    ).toBeNull();
  });

  it('joins several refusals into one reason', () => {
    const record = withEscalation(
      newCaseRecord({ device: { serial: 'PF3XK9Z', group: 'test' } }, 'hardware'),
      'vendor',
      T0,
    );
    expect(reasonOf(decideEscalationFiling(record, request({ category: 'security' }), policy))).toBe(
      [
        'device.test-group: escalation is not available for devices in the Test group.',
        'escalation.one-open: escalation case-1.e1 is still open.',
      ].join(' '),
    );
  });
});

describe('case side: escalationRequested and openEscalationOf', () => {
  it('adds an entry awaiting approval and logs who asked and why', () => {
    const before = newCaseRecord({}, 'hardware');
    const after = escalationRequested(
      before,
      {
        id: 'case-1.e1',
        workflowId: 'escalation-case-1.e1',
        target: 'vendor',
        actor: LEAD,
        reason: 'Faulty dock',
      },
      T0 + HOUR,
    );
    expect(after.escalations).toEqual([
      {
        id: 'case-1.e1',
        workflowId: 'escalation-case-1.e1',
        target: 'vendor',
        status: 'awaiting-approval',
        externalReference: null,
      },
    ]);
    expect(after.log.slice(before.log.length)).toEqual([
      {
        at: iso(T0 + HOUR),
        type: 'escalation-requested',
        actor: LEAD,
        reason: 'Faulty dock',
        text: 'Escalation case-1.e1 to vendor requested (workflow escalation-case-1.e1).',
      },
    ]);
    expect(after.updatedAt).toBe(iso(T0 + HOUR));
    expect(after.status).toBe(before.status);
    expect(after.sla).toEqual(before.sla);
  });

  it('openEscalationOf finds the one that is not over', () => {
    const record = newCaseRecord({}, 'hardware');
    expect(openEscalationOf(record)).toBeUndefined();
    const first = escalationStatusChanged(
      withEscalation(record, 'vendor', T0),
      change('resolved'),
      T0 + HOUR,
    );
    expect(openEscalationOf(first)).toBeUndefined();
    const second = withEscalation(first, 'service-ops', T0 + 2 * HOUR, 'case-1.e2');
    expect(openEscalationOf(second)?.id).toBe('case-1.e2');
  });
});

describe('case side: escalationStatusChanged', () => {
  it('vendor filed: waiting on the vendor, the SLA clock paused for the vendor', () => {
    const requested = withEscalation(newCaseRecord({}, 'hardware'), 'vendor', T0 + HOUR);
    expect(requested.status).toBe('triaged');
    const filed = escalationStatusChanged(requested, change('filed'), T0 + HOUR);
    expect(filed.status).toBe('waiting-on-vendor');
    expect(filed.sla.pause).toEqual({ cause: 'vendor', sinceMs: T0 + HOUR });
    expect(filed.escalations[0]?.status).toBe('filed');
    expect(lastLog(filed)).toEqual({
      at: iso(T0 + HOUR),
      type: 'escalation-changed',
      actor: 'vendor',
      reason: null,
      text: 'Escalation case-1.e1 is filed.',
    });

    // Acknowledged with the vendor's reference: still waiting, the pause unchanged.
    const acked = escalationStatusChanged(
      filed,
      change('acknowledged', { externalReference: 'VND-9' }),
      T0 + 2 * HOUR,
    );
    expect(acked.status).toBe('waiting-on-vendor');
    expect(acked.sla.pause).toEqual({ cause: 'vendor', sinceMs: T0 + HOUR });
    expect(acked.escalations[0]).toMatchObject({ status: 'acknowledged', externalReference: 'VND-9' });
    expect(lastLog(acked)).toMatchObject({ text: 'Escalation case-1.e1 is acknowledged (ref VND-9).' });
  });

  it('service-ops filed: waiting on the escalation, the clock keeps running', () => {
    const requested = withEscalation(newCaseRecord({}, 'managed-desktop-service'), 'service-ops', T0 + HOUR);
    const filed = escalationStatusChanged(requested, change('filed'), T0 + HOUR);
    expect(filed.status).toBe('waiting-on-escalation');
    expect(filed.sla).toEqual(requested.sla);
    expect(filed.sla.pause).toBeNull();
    expect(lastLog(filed)).toMatchObject({ actor: 'service-ops', text: 'Escalation case-1.e1 is filed.' });
  });

  it('resolved: back in progress, the clock resumed and the vendor time counted', () => {
    const filed = escalationStatusChanged(
      withEscalation(newCaseRecord({}, 'hardware'), 'vendor', T0 + HOUR),
      change('filed'),
      T0 + HOUR,
    );
    const resolved = escalationStatusChanged(
      filed,
      change('resolved', { message: 'Dock replaced', externalReference: 'VND-9' }),
      T0 + 5 * HOUR,
    );
    expect(resolved.status).toBe('in-progress');
    expect(resolved.sla.pause).toBeNull();
    expect(resolved.sla.pausedMsByCause).toEqual({ vendor: 4 * HOUR });
    expect(pausedSeconds(resolved.sla, T0 + 6 * HOUR)).toEqual({ vendor: 4 * 3600 });
    expect(resolved.escalations[0]).toMatchObject({ status: 'resolved', externalReference: 'VND-9' });
    expect(lastLog(resolved)).toEqual({
      at: iso(T0 + 5 * HOUR),
      type: 'escalation-changed',
      actor: 'vendor',
      reason: null,
      text: 'Escalation case-1.e1 is resolved (ref VND-9): Dock replaced.',
    });
  });

  it('service-ops declined after filing: back in progress', () => {
    const filed = escalationStatusChanged(
      withEscalation(newCaseRecord({}, 'managed-desktop-service'), 'service-ops', T0),
      change('filed'),
      T0,
    );
    const declined = escalationStatusChanged(filed, change('declined'), T0 + HOUR);
    expect(declined.status).toBe('in-progress');
    expect(declined.sla.pause).toBeNull();
  });

  it('an escalation declined before filing leaves the case where it was', () => {
    const requested = withEscalation(newCaseRecord({}, 'hardware'), 'vendor', T0);
    const declined = escalationStatusChanged(requested, change('declined'), T0 + HOUR);
    expect(declined.status).toBe('triaged');
    expect(declined.sla).toEqual(requested.sla);
    expect(declined.escalations[0]?.status).toBe('declined');
  });

  it('a resolved case does not go back to waiting when its escalation is filed late', () => {
    const requested = withEscalation(newCaseRecord({}, 'hardware'), 'vendor', T0);
    const resolved = run(
      requested,
      { type: 'resolve', actor: AGENT, resolution: 'Worked around it', withdrawEscalation: true },
      T0 + HOUR,
    );
    const filed = escalationStatusChanged(resolved, change('filed'), T0 + 2 * HOUR);
    expect(filed.status).toBe('resolved');
    expect(filed.sla).toEqual(resolved.sla);
  });

  it('a repeat changes nothing', () => {
    const filed = escalationStatusChanged(
      withEscalation(newCaseRecord({}, 'hardware'), 'vendor', T0),
      change('filed', { externalReference: 'VND-9' }),
      T0,
    );
    expect(escalationStatusChanged(filed, change('filed', { externalReference: 'VND-9' }), T0 + HOUR)).toBe(
      filed,
    );
    const resolved = escalationStatusChanged(
      filed,
      change('resolved', { externalReference: 'VND-9' }),
      T0 + HOUR,
    );
    expect(
      escalationStatusChanged(resolved, change('resolved', { externalReference: 'VND-9' }), T0 + 2 * HOUR),
    ).toBe(resolved);
  });

  it('only a new reference: recorded and logged, nothing else moves', () => {
    const filed = escalationStatusChanged(
      withEscalation(newCaseRecord({}, 'hardware'), 'vendor', T0),
      change('filed'),
      T0,
    );
    const referenced = escalationStatusChanged(
      filed,
      change('filed', { externalReference: 'VND-9' }),
      T0 + HOUR,
    );
    expect(referenced.status).toBe('waiting-on-vendor');
    expect(referenced.sla).toEqual(filed.sla);
    expect(referenced.escalations[0]).toMatchObject({ status: 'filed', externalReference: 'VND-9' });
    expect(lastLog(referenced)).toMatchObject({
      type: 'escalation-changed',
      actor: 'vendor',
      text: 'Escalation case-1.e1: vendor reference VND-9.',
    });
  });

  it('ignores an unknown escalation and a finished case', () => {
    const requested = withEscalation(newCaseRecord({}, 'hardware'), 'vendor', T0);
    expect(escalationStatusChanged(requested, change('filed', { escalationId: 'case-1.e9' }), T0)).toBe(
      requested,
    );
    const resolved = run(
      requested,
      { type: 'resolve', actor: AGENT, resolution: 'Done', withdrawEscalation: true },
      T0 + HOUR,
    );
    const closed = applyFact(
      resolved,
      { type: 'requester-confirmed', actor: 'u-1001', accepted: true, comment: null },
      T0 + 2 * HOUR,
    ).record;
    expect(escalationStatusChanged(closed, change('filed'), T0 + 3 * HOUR)).toBe(closed);
  });

  it('a question pending when the vendor escalation is filed can still be answered (no unresponsive close)', () => {
    // The agent asks the requester at T0+1h; the vendor escalation is filed at T0+2h; the requester
    // answers at T0+3h. The answer must count: the case must not close as unresponsive 48 h after
    // the question.
    const asked = run(
      newCaseRecord({}, 'hardware'),
      { type: 'request-info', actor: AGENT, question: 'Which dock model is it?' },
      T0 + HOUR,
    );
    const filed = escalationStatusChanged(
      withEscalation(asked, 'vendor', T0 + 2 * HOUR),
      change('filed'),
      T0 + 2 * HOUR,
    );
    const replied = applyFact(
      filed,
      { type: 'requester-replied', actor: 'u-1001', message: 'The USB-C dock, model DK-3.' },
      T0 + 3 * HOUR,
    ).record;
    expect(replied.infoRequest).toBeNull();
    expect(advance(replied, DEFAULT_CASE_POLICY, T0 + 49 * HOUR).record.status).not.toBe(
      'closed-unresponsive',
    );
  });
});

describe('case side: incidents', () => {
  it('incidentLinked records the incident once and logs it', () => {
    const before = newCaseRecord({}, 'managed-desktop-service');
    const linked = incidentLinked(before, 'inc-7', ADMIN, T0 + HOUR);
    expect(linked.incidentId).toBe('inc-7');
    expect(linked.log.slice(before.log.length)).toEqual([
      {
        at: iso(T0 + HOUR),
        type: 'incident-linked',
        actor: ADMIN,
        reason: null,
        text: 'Linked to multi-user incident inc-7; it is escalated once for all its cases.',
      },
    ]);
    expect(incidentLinked(linked, 'inc-7', ADMIN, T0 + 2 * HOUR)).toBe(linked);
  });

  it('incidentLinked ignores a finished case', () => {
    const resolved = run(newCaseRecord(), { type: 'resolve', actor: AGENT, resolution: 'Done' }, T0 + HOUR);
    const closed = applyFact(
      resolved,
      { type: 'requester-confirmed', actor: 'u-1001', accepted: true, comment: null },
      T0 + 2 * HOUR,
    ).record;
    expect(incidentLinked(closed, 'inc-7', ADMIN, T0 + 3 * HOUR)).toBe(closed);
  });

  it('incidentResolved logs and notifies with a deterministic notice id, only for the linked incident', () => {
    const linked = incidentLinked(newCaseRecord({}, 'managed-desktop-service'), 'inc-7', ADMIN, T0 + HOUR);
    const out = incidentResolved(linked, 'inc-7', 'Policy rolled back', T0 + 5 * HOUR);
    expect(lastLog(out.record)).toEqual({
      at: iso(T0 + 5 * HOUR),
      type: 'incident-resolved',
      actor: SYSTEM_ACTOR,
      reason: null,
      text: 'Incident inc-7 resolved: Policy rolled back',
    });
    expect(out.record.status).toBe(linked.status);
    expect(out.notices).toEqual([
      {
        id: 'case-1:incident:inc-7:resolved',
        type: 'incident-resolved',
        caseId: 'case-1',
        occurredAt: iso(T0 + 5 * HOUR),
        severity: 'C',
        summary: 'Incident inc-7 resolved: Policy rolled back',
      },
    ]);
    // Same id on a replay at another instant, so receivers dedupe it.
    expect(noticeIds(incidentResolved(linked, 'inc-7', 'Policy rolled back', T0 + 9 * HOUR).notices)).toEqual(
      ['case-1:incident:inc-7:resolved'],
    );

    const other = incidentResolved(linked, 'inc-8', 'Unrelated', T0 + 5 * HOUR);
    expect(other.record).toBe(linked);
    expect(other.notices).toEqual([]);
    const unlinked = newCaseRecord({}, 'managed-desktop-service');
    expect(incidentResolved(unlinked, 'inc-7', 'Policy rolled back', T0).record).toBe(unlinked);
  });
});
