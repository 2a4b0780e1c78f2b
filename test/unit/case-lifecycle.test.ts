import { describe, expect, it } from 'vitest';
import {
  type CaseIntake,
  type CaseStatus,
  type ClassificationRecord,
  type NewCase,
} from '../../src/domain/case';
import { caseIntakeSchema, caseSchema } from '../../src/schemas/case-schema';
import {
  advance,
  applyClassification,
  applyCommand,
  applyFact,
  type CaseCommand,
  type CaseFact,
  type CaseNotice,
  type CaseRecord,
  caseView,
  continuedAsNew,
  type Decision,
  decide,
  elevationStarted,
  nextWakeAt,
  openCase,
  openClassifiedCase,
  elevationForKey,
  recordDelivery,
  SYSTEM_ACTOR,
} from '../../src/domain/case-lifecycle';
import { DEFAULT_CASE_POLICY } from '../../src/domain/case-policy';
import { casePolicySchema } from '../../src/schemas/case-policy-schema';

// Monday 2 November 2026, 17:00 UTC = 09:00 Pacific (PST, the day after DST ended). Timer tests use
// 24x7 cases (Sev A, or Sev B filed as 24x7), so every deadline is plain wall-clock arithmetic.
const T0 = Date.UTC(2026, 10, 2, 17, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const policy = DEFAULT_CASE_POLICY;

const AGENT = 'agent-1';
const LEAD = 'lead-1';
const REQUESTER = 'u-1001';

function intake(overrides: Record<string, unknown> = {}): CaseIntake {
  return caseIntakeSchema.parse({
    title: 'Printer on floor 3 prints blank pages',
    description: 'Every job sent to the HP on floor 3 comes out blank since this morning.',
    requester: { id: REQUESTER, name: 'Erik Lund', contact: 'erik.lund@example.org' },
    device: { serial: 'PF3XK9Z', group: 'broad' },
    channel: 'email',
    ...overrides,
  });
}

function newCase(overrides: Record<string, unknown> = {}, id = 'case-1'): NewCase {
  return {
    id,
    intake: intake(overrides),
    createdBy: AGENT,
    supportModel: 'customer-led',
    providerName: 'Service desk',
    requestFingerprint: 'f'.repeat(64),
  };
}

const B24 = { severity: 'B', twentyFourSeven: true } as const;
const SEV_A = { severity: 'A' } as const;

/** A Sev B case filed as 24x7 at T0: first response due T0+4h (risk T0+3h), resolution T0+24h (risk T0+18h). */
const openB24 = (id = 'case-1'): CaseRecord => openCase(newCase(B24, id), T0);
/** A Sev A case at T0: first response due T0+1h (risk T0+45m), resolution T0+8h (risk T0+6h). */
const openSevA = (id = 'case-a'): CaseRecord => openCase(newCase(SEV_A, id), T0);

/** Applies a command after checking that `decide` allows it. */
function run(record: CaseRecord, command: CaseCommand, atMs: number): CaseRecord {
  const decision = decide(record, command);
  if (!decision.ok) throw new Error(`test setup: ${command.type} refused: ${decision.reason}`);
  return applyCommand(record, command, atMs).record;
}

const reasonOf = (decision: Decision): string | null => (decision.ok ? null : decision.reason);
const newEntries = (before: CaseRecord, after: CaseRecord) => after.log.slice(before.log.length);
const lastEntry = (record: CaseRecord) => record.log[record.log.length - 1];

const CONFIDENT: ClassificationRecord = {
  category: 'microsoft-apps',
  subCategory: null,
  confidence: 0.92,
  rules: ['outlook-crash', 'office-app'],
  rulesVersion: '2026.1',
  needsTriage: false,
};
const UNSURE: ClassificationRecord = {
  category: 'hardware',
  subCategory: null,
  confidence: 0.3,
  rules: [],
  rulesVersion: '2026.1',
  needsTriage: true,
};

const ask = (question = 'Which printer, and what does its display say?'): CaseCommand => ({
  type: 'request-info',
  actor: AGENT,
  question,
});
const resolveCmd: CaseCommand = {
  type: 'resolve',
  actor: AGENT,
  resolution: 'Replaced the toner cartridge.',
};
const reply = (message = 'The HP on floor 3; it says toner low.'): CaseFact => ({
  type: 'requester-replied',
  actor: REQUESTER,
  message,
});
const confirm = (accepted: boolean, comment: string | null): CaseFact => ({
  type: 'requester-confirmed',
  actor: REQUESTER,
  accepted,
  comment,
});

// ------------------------------------------------------------------------------------------------

describe('openCase', () => {
  it('copies the intake and the deployment settings into a new, unclassified tier-1 case', () => {
    const record = openCase(newCase({ externalTicketId: 'INC-4711' }), T0);
    expect(record).toMatchObject({
      id: 'case-1',
      status: 'new',
      severity: 'C',
      twentyFourSeven: false,
      category: 'unclassified',
      subCategory: null,
      classification: null,
      route: {
        handledBy: 'triage',
        target: null,
        reason: 'Not classified yet: an agent must triage the case.',
      },
      tier: 'tier-1',
      assignee: null,
      title: 'Printer on floor 3 prints blank pages',
      description: 'Every job sent to the HP on floor 3 comes out blank since this morning.',
      requester: { id: REQUESTER, name: 'Erik Lund', contact: 'erik.lund@example.org' },
      device: { serial: 'PF3XK9Z', group: 'broad', isTestGroup: false },
      channel: 'email',
      externalTicketId: 'INC-4711',
      supportModel: 'customer-led',
      providerName: 'Service desk',
      createdAt: '2026-11-02T17:00:00.000Z',
      createdBy: AGENT,
      updatedAt: '2026-11-02T17:00:00.000Z',
      requestFingerprint: 'f'.repeat(64),
      firedEvents: [],
      breaches: [],
      infoRequest: null,
      resolution: null,
      reopenCount: 0,
      closedAtMs: null,
      closeReason: null,
      elevations: [],
    });
  });

  it('records a missing external ticket id as null', () => {
    expect(openCase(newCase(), T0).externalTicketId).toBeNull();
  });

  it("takes severity and the 24x7 choice from the intake and starts the SLA clock at 'now'", () => {
    const record = openB24();
    expect(record.severity).toBe('B');
    expect(record.twentyFourSeven).toBe(true);
    expect(record.sla).toEqual({
      startedAtMs: T0,
      severity: 'B',
      twentyFourSeven: true,
      pause: null,
      pausedMsByCause: {},
      pauseHistory: [],
      firstResponseAtMs: null,
      lastUpdateAtMs: null,
      resolvedAtMs: null,
    });
  });

  it("logs 'opened' by the creating principal, with channel, requester, severity and support model", () => {
    const record = openCase(newCase({ channel: 'phone' }), T0);
    expect(record.log).toEqual([
      {
        at: '2026-11-02T17:00:00.000Z',
        type: 'opened',
        actor: AGENT,
        reason: null,
        text: 'Case opened via phone for Erik Lund, Sev C, supported customer-led by Service desk.',
      },
    ]);
  });

  it('flags a device in the Test group (whatever the case of the group name) and says so in the log', () => {
    const record = openCase(newCase({ device: { serial: 'TST-001', group: 'Test' } }), T0);
    expect(record.device).toEqual({ serial: 'TST-001', group: 'test', isTestGroup: true });
    expect(record.log[0]?.text).toBe(
      'Case opened via email for Erik Lund, Sev C (device in the Test group), supported customer-led by Service desk.',
    );
  });

  it('does not flag devices of other groups, even with "test" in the name', () => {
    expect(openCase(newCase({ device: { serial: 'X1', group: 'testers' } }), T0).device.isTestGroup).toBe(
      false,
    );
  });

  it('records a partner-led deployment and its provider', () => {
    const record = openCase({ ...newCase(), supportModel: 'partner-led', providerName: 'Partner AB' }, T0);
    expect(record).toMatchObject({ supportModel: 'partner-led', providerName: 'Partner AB' });
    expect(record.log[0]?.text).toMatch(/supported partner-led by Partner AB\.$/);
  });
});

// ------------------------------------------------------------------------------------------------

describe('openClassifiedCase', () => {
  it('opens a case already classified when its starter classified the intake', () => {
    const record = openClassifiedCase(newCase(B24), CONFIDENT, T0);
    expect(record).toEqual(applyClassification(openCase(newCase(B24), T0), CONFIDENT, T0));
    expect(record).toMatchObject({
      status: 'triaged',
      category: 'microsoft-apps',
      classification: CONFIDENT,
    });
    expect(record.log.map((e) => e.type)).toEqual(['opened', 'classified']);
  });

  it('leaves an unsure classification in triage and opens unclassified without one', () => {
    expect(openClassifiedCase(newCase(B24), UNSURE, T0)).toMatchObject({
      status: 'new',
      category: 'unclassified',
      classification: UNSURE,
    });
    expect(openClassifiedCase(newCase(B24), undefined, T0)).toEqual(openCase(newCase(B24), T0));
  });
});

describe('applyClassification', () => {
  it('triages a new case on a confident classification and routes it by category', () => {
    const before = openB24();
    const after = applyClassification(before, CONFIDENT, T0 + MINUTE);
    expect(after).toMatchObject({
      status: 'triaged',
      category: 'microsoft-apps',
      subCategory: null,
      classification: CONFIDENT,
      route: {
        handledBy: 'support-provider',
        target: null,
        reason: "Within the support provider's scope: worked by its tiers to resolution.",
      },
      updatedAt: '2026-11-02T17:01:00.000Z',
    });
    expect(newEntries(before, after)).toEqual([
      {
        at: '2026-11-02T17:01:00.000Z',
        type: 'classified',
        actor: SYSTEM_ACTOR,
        reason: 'rules 2026.1: outlook-crash, office-app',
        text: 'Classified as microsoft-apps (confidence 0.92).',
      },
    ]);
  });

  it('keeps the sub-category and routes hardware to the vendor', () => {
    const printer = applyClassification(
      openB24(),
      {
        ...CONFIDENT,
        category: 'infrastructure',
        subCategory: 'printer',
        confidence: 0.8,
        rules: ['printer'],
      },
      T0,
    );
    expect(printer).toMatchObject({ category: 'infrastructure', subCategory: 'printer', status: 'triaged' });
    expect(lastEntry(printer)?.text).toBe('Classified as infrastructure/printer (confidence 0.8).');

    const hardware = applyClassification(openB24(), { ...CONFIDENT, category: 'hardware' }, T0);
    expect(hardware.route).toEqual({
      handledBy: 'escalation',
      target: 'vendor',
      reason: 'A hardware fault: hand off directly to the hardware vendor.',
    });
  });

  it('leaves a doubtful classification in triage: still new and unclassified, but recorded', () => {
    const before = openB24();
    const after = applyClassification(before, UNSURE, T0 + MINUTE);
    expect(after).toMatchObject({
      status: 'new',
      category: 'unclassified',
      subCategory: null,
      classification: UNSURE,
      route: { handledBy: 'triage', target: null },
    });
    expect(newEntries(before, after)).toEqual([
      {
        at: '2026-11-02T17:01:00.000Z',
        type: 'classified',
        actor: SYSTEM_ACTOR,
        reason: 'rules 2026.1: none',
        text: 'Classification unsure (best guess hardware, confidence 0.3): left in triage for an agent.',
      },
    ]);
  });

  it('does not overwrite a category an agent already set', () => {
    const overridden = run(
      openB24(),
      {
        type: 'override-category',
        actor: AGENT,
        category: 'hardware',
        subCategory: null,
        reason: 'dead fan',
      },
      T0 + MINUTE,
    );
    const after = applyClassification(overridden, CONFIDENT, T0 + 2 * MINUTE);
    expect(after).toMatchObject({
      status: 'triaged',
      category: 'hardware',
      subCategory: null,
      classification: CONFIDENT,
      route: { handledBy: 'escalation', target: 'vendor' },
    });
  });

  it('does not move an in-progress case back to triaged', () => {
    const assigned = run(
      openB24(),
      { type: 'assign', actor: LEAD, tier: 'tier-2', assignee: 'agent-7', reason: 'VIP' },
      T0 + MINUTE,
    );
    const after = applyClassification(assigned, CONFIDENT, T0 + 2 * MINUTE);
    expect(after).toMatchObject({ status: 'in-progress', category: 'microsoft-apps' });
  });

  it('does not log a confident classification as "unsure" when an agent already set the category', () => {
    const overridden = run(
      openB24(),
      {
        type: 'override-category',
        actor: AGENT,
        category: 'hardware',
        subCategory: null,
        reason: 'dead fan',
      },
      T0 + MINUTE,
    );
    const entry = lastEntry(applyClassification(overridden, CONFIDENT, T0 + 2 * MINUTE));
    expect(entry?.type).toBe('classified');
    // The classifier was confident (0.92) and the case is already triaged by an agent: the audit log
    // must not claim the classification was unsure or that the case was left in triage.
    expect(entry?.text).not.toMatch(/unsure/);
    expect(entry?.text).not.toMatch(/left in triage/);
  });

  it('ignores a second classification', () => {
    const once = applyClassification(openB24(), UNSURE, T0 + MINUTE);
    const twice = applyClassification(once, CONFIDENT, T0 + 2 * MINUTE);
    expect(twice).toBe(once);
    expect(twice.status).toBe('new');
    expect(twice.classification).toEqual(UNSURE);
  });

  it('ignores a classification arriving after the case closed', () => {
    const resolved = run(openB24(), resolveCmd, T0 + HOUR);
    const closed = applyFact(resolved, confirm(true, null), T0 + 2 * HOUR).record;
    expect(applyClassification(closed, CONFIDENT, T0 + 3 * HOUR)).toBe(closed);
  });
});

// ------------------------------------------------------------------------------------------------

const TABLE_STATUSES = [
  'new',
  'triaged',
  'in-progress',
  'waiting-on-requester',
  'resolved',
  'closed',
  'closed-unresponsive',
] as const satisfies readonly CaseStatus[];
type TableStatus = (typeof TABLE_STATUSES)[number];

/** A Sev B 24x7 case classified as microsoft-apps, with agent-1 in tier-1, brought to `status`. */
function caseIn(status: TableStatus): CaseRecord {
  const opened = openB24();
  if (status === 'new') return opened;
  const triaged = applyClassification(opened, CONFIDENT, T0 + MINUTE);
  if (status === 'triaged') return triaged;
  const inProgress = run(
    triaged,
    { type: 'assign', actor: LEAD, tier: 'tier-1', assignee: AGENT, reason: 'first in line' },
    T0 + 10 * MINUTE,
  );
  if (status === 'in-progress') return inProgress;
  const waiting = run(inProgress, ask(), T0 + HOUR);
  if (status === 'waiting-on-requester') return waiting;
  if (status === 'closed-unresponsive') return advance(waiting, policy, T0 + HOUR + 48 * HOUR).record;
  const resolved = run(inProgress, resolveCmd, T0 + 2 * HOUR);
  if (status === 'resolved') return resolved;
  return applyFact(resolved, confirm(true, null), T0 + 3 * HOUR).record;
}

/** One command of each type, with values that differ from every fixture of caseIn. */
const TABLE_COMMANDS: Record<CaseCommand['type'], CaseCommand> = {
  assign: { type: 'assign', actor: LEAD, tier: 'tier-2', assignee: 'agent-9', reason: 'needs registry work' },
  'change-severity': { type: 'change-severity', actor: LEAD, severity: 'A', reason: 'whole floor down' },
  'override-category': {
    type: 'override-category',
    actor: AGENT,
    category: 'hardware',
    subCategory: null,
    reason: 'fuser unit',
  },
  'request-info': ask(),
  'add-note': { type: 'add-note', actor: AGENT, text: 'Looking into it.', visibleToRequester: true },
  resolve: resolveCmd,
  reopen: { type: 'reopen', actor: AGENT, reason: 'it happened again' },
};

const Y = true;
const N = false;
//                                   new triaged in-prog waiting resolved closed closed-unr.
const ALLOWED: Record<CaseCommand['type'], readonly boolean[]> = {
  assign: /*                     */ [Y, Y, Y, Y, N, N, N],
  'change-severity': /*          */ [Y, Y, Y, Y, N, N, N],
  'override-category': /*        */ [Y, Y, Y, Y, Y, N, N],
  'request-info': /*             */ [Y, Y, Y, Y, N, N, N],
  'add-note': /*                 */ [Y, Y, Y, Y, Y, N, N],
  resolve: /*                    */ [Y, Y, Y, Y, N, N, N],
  reopen: /*                     */ [N, N, N, N, Y, N, N],
};

describe('decide', () => {
  it.each(TABLE_STATUSES)('the %s fixture really is in that status', (status) => {
    expect(caseIn(status).status).toBe(status);
  });

  for (const [type, row] of Object.entries(ALLOWED) as [CaseCommand['type'], readonly boolean[]][]) {
    TABLE_STATUSES.forEach((status, column) => {
      const allowed = row[column];
      it(`${allowed ? 'allows' : 'refuses'} ${type} when the case is ${status}`, () => {
        const decision = decide(caseIn(status), TABLE_COMMANDS[type]);
        expect(decision.ok).toBe(allowed);
        if (!allowed) {
          // A refusal is shown to a person: a sentence, not a code.
          expect(reasonOf(decision)).toMatch(/^[A-Z].{10,}\.$/);
        }
      });
    });
  }

  it.each(['closed', 'closed-unresponsive'] as const)(
    'explains that a %s case takes no more commands',
    (status) => {
      expect(reasonOf(decide(caseIn(status), TABLE_COMMANDS['add-note']))).toBe(
        `The case is ${status}; it takes no more commands.`,
      );
    },
  );

  it('explains why a resolved case refuses each state-changing command', () => {
    const resolved = caseIn('resolved');
    expect(reasonOf(decide(resolved, TABLE_COMMANDS.assign))).toBe('Reopen the case before reassigning it.');
    expect(reasonOf(decide(resolved, TABLE_COMMANDS['change-severity']))).toBe(
      'Reopen the case before changing its severity.',
    );
    expect(reasonOf(decide(resolved, TABLE_COMMANDS['request-info']))).toBe(
      'Reopen the case before asking the requester.',
    );
    expect(reasonOf(decide(resolved, resolveCmd))).toBe('The case is already resolved.');
  });

  it('explains that only a resolved case can be reopened, naming the current status', () => {
    expect(reasonOf(decide(caseIn('waiting-on-requester'), TABLE_COMMANDS.reopen))).toBe(
      'Only a resolved case can be reopened; it is waiting-on-requester.',
    );
  });

  it('refuses a severity change to the same severity', () => {
    expect(
      reasonOf(decide(openB24(), { type: 'change-severity', actor: LEAD, severity: 'B', reason: 'same' })),
    ).toBe('The case is already Sev B.');
    expect(
      decide(openB24(), { type: 'change-severity', actor: LEAD, severity: 'A', reason: 'more users' }).ok,
    ).toBe(true);
    // Lowering B to C opens the Sev C gate: only an IT admin may.
    expect(
      decide(openB24(), { type: 'change-severity', actor: LEAD, severity: 'C', reason: 'minor' }).ok,
    ).toBe(false);
    expect(
      decide(openB24(), {
        type: 'change-severity',
        actor: 'admin-1',
        severity: 'C',
        reason: 'minor',
        actorIsAdmin: true,
      }).ok,
    ).toBe(true);
  });

  it('refuses a category override to the same category and sub-category', () => {
    const triaged = caseIn('triaged');
    const same: CaseCommand = {
      type: 'override-category',
      actor: AGENT,
      category: 'microsoft-apps',
      subCategory: null,
      reason: 'again',
    };
    expect(reasonOf(decide(triaged, same))).toBe('The case is already microsoft-apps.');
    expect(decide(triaged, { ...same, subCategory: 'outlook' }).ok).toBe(true);
  });

  it('refuses an assignment to the same person in the same tier, but allows a tier change', () => {
    const inProgress = caseIn('in-progress');
    const same: CaseCommand = { type: 'assign', actor: LEAD, tier: 'tier-1', assignee: AGENT, reason: 'x' };
    expect(reasonOf(decide(inProgress, same))).toBe('The case is already with agent-1 in tier-1.');
    expect(decide(inProgress, { ...same, tier: 'tier-2' }).ok).toBe(true);
    expect(decide(inProgress, { ...same, assignee: 'agent-2' }).ok).toBe(true);
  });

  it('accepts only the known infrastructure sub-categories', () => {
    const infra = (subCategory: string | null): CaseCommand => ({
      type: 'override-category',
      actor: AGENT,
      category: 'infrastructure',
      subCategory,
      reason: 'printing',
    });
    expect(reasonOf(decide(openB24(), infra('scanner')))).toBe(
      'An infrastructure sub-category is one of printer, driver, vpn.',
    );
    expect(decide(openB24(), infra('Printer')).ok).toBe(false);
    for (const ok of ['printer', 'driver', 'vpn', null]) expect(decide(openB24(), infra(ok)).ok).toBe(true);
  });

  it('does not restrict the sub-categories of other categories', () => {
    expect(
      decide(openB24(), {
        type: 'override-category',
        actor: AGENT,
        category: 'windows-os',
        subCategory: 'bitlocker',
        reason: 'recovery key prompt',
      }).ok,
    ).toBe(true);
  });

  it('refuses to resolve while a break-glass grant awaits its post-incident review', () => {
    const withGrant = elevationStarted(
      caseIn('in-progress'),
      {
        id: 'case-1.1',
        workflowId: 'elevation-case-1.1',
        requestedBy: 'esc-1',
        breakGlass: true,
        reason: 'P1',
      },
      T0 + HOUR,
    );
    expect(reasonOf(decide(withGrant, resolveCmd))).toMatch(/case-1\.1.*review/);
  });
});

// ------------------------------------------------------------------------------------------------

describe('applyCommand', () => {
  describe('assign', () => {
    it('starts work on a triaged case and logs the move up a tier', () => {
      const before = caseIn('triaged');
      const { record: after, notices } = applyCommand(
        before,
        { type: 'assign', actor: LEAD, tier: 'tier-2', assignee: 'agent-7', reason: 'needs registry work' },
        T0 + HOUR,
      );
      expect(notices).toEqual([]);
      expect(after).toMatchObject({ status: 'in-progress', tier: 'tier-2', assignee: 'agent-7' });
      expect(newEntries(before, after)).toEqual([
        {
          at: '2026-11-02T18:00:00.000Z',
          type: 'assigned',
          actor: LEAD,
          reason: 'needs registry work',
          text: 'Assigned to agent-7 (moved up from tier-1 to tier-2).',
        },
      ]);
      expect(after.sla).toEqual(before.sla);
    });

    it('starts work on a new case too', () => {
      const after = run(
        openB24(),
        { type: 'assign', actor: LEAD, tier: 'tier-1', assignee: AGENT, reason: 'x' },
        T0,
      );
      expect(after.status).toBe('in-progress');
    });

    it('logs a move down and a reassignment within a tier', () => {
      const up = run(
        caseIn('in-progress'),
        { type: 'assign', actor: LEAD, tier: 'escalation-team', assignee: 'esc-1', reason: 'needs JIT' },
        T0 + HOUR,
      );
      const down = run(
        up,
        { type: 'assign', actor: LEAD, tier: 'tier-1', assignee: AGENT, reason: 'done with admin work' },
        T0 + 2 * HOUR,
      );
      expect(lastEntry(down)?.text).toBe('Assigned to agent-1 (moved down from escalation-team to tier-1).');
      const within = run(
        down,
        { type: 'assign', actor: LEAD, tier: 'tier-1', assignee: 'agent-2', reason: 'shift change' },
        T0 + 3 * HOUR,
      );
      expect(lastEntry(within)?.text).toBe('Assigned to agent-2 (reassigned within tier-1).');
    });

    it('keeps a case that waits on the requester waiting', () => {
      const after = run(
        caseIn('waiting-on-requester'),
        { type: 'assign', actor: LEAD, tier: 'tier-2', assignee: 'agent-7', reason: 'x' },
        T0 + 2 * HOUR,
      );
      expect(after.status).toBe('waiting-on-requester');
    });
  });

  describe('change-severity', () => {
    it('changes the severity of the case and of its SLA clock, logging who and why', () => {
      const before = openB24();
      const after = run(
        before,
        { type: 'change-severity', actor: LEAD, severity: 'A', reason: 'whole floor down' },
        T0 + 10 * MINUTE,
      );
      expect(after.severity).toBe('A');
      expect(after.sla.severity).toBe('A');
      expect(after.status).toBe('new');
      expect(newEntries(before, after)).toEqual([
        {
          at: '2026-11-02T17:10:00.000Z',
          type: 'severity-changed',
          actor: LEAD,
          reason: 'whole floor down',
          text: 'Severity changed from B to A; SLA deadlines recomputed.',
        },
      ]);
      // Sev A: first response within 60 minutes of the start, at risk after 45.
      expect(caseView(after, policy, T0 + 10 * MINUTE).sla.firstResponseDue).toBe('2026-11-02T18:00:00.000Z');
      expect(nextWakeAt(after, policy, T0 + 10 * MINUTE)).toBe(T0 + 45 * MINUTE);
    });
  });

  describe('override-category', () => {
    it('triages a new case, reroutes it and logs the previous category', () => {
      const before = openB24();
      const after = run(
        before,
        {
          type: 'override-category',
          actor: AGENT,
          category: 'infrastructure',
          subCategory: 'vpn',
          reason: 'VPN',
        },
        T0 + 5 * MINUTE,
      );
      expect(after).toMatchObject({
        status: 'triaged',
        category: 'infrastructure',
        subCategory: 'vpn',
        route: { handledBy: 'support-provider', target: null },
      });
      expect(newEntries(before, after)).toEqual([
        {
          at: '2026-11-02T17:05:00.000Z',
          type: 'category-overridden',
          actor: AGENT,
          reason: 'VPN',
          text: 'Category set to infrastructure/vpn (was unclassified).',
        },
      ]);
    });

    it('routes managed-desktop-service issues to service operations, keeping an in-progress status', () => {
      const after = run(
        caseIn('in-progress'),
        {
          type: 'override-category',
          actor: AGENT,
          category: 'managed-desktop-service',
          subCategory: null,
          reason: 'a policy the service applies',
        },
        T0 + HOUR,
      );
      expect(after.status).toBe('in-progress');
      expect(after.route).toEqual({
        handledBy: 'escalation',
        target: 'service-ops',
        reason: 'A policy or setting the managed-desktop service applies: escalate to service operations.',
      });
      expect(lastEntry(after)?.text).toBe('Category set to managed-desktop-service (was microsoft-apps).');
    });
  });

  describe('request-info', () => {
    it('waits on the requester, pauses the clock on "requester" and counts as the first response', () => {
      const before = caseIn('in-progress');
      const { record: after, notices } = applyCommand(before, ask('Which printer?'), T0 + HOUR);
      expect(notices).toEqual([]);
      expect(after.status).toBe('waiting-on-requester');
      expect(after.infoRequest).toEqual({
        question: 'Which printer?',
        askedAtMs: T0 + HOUR,
        askedBy: AGENT,
        reminded: false,
      });
      expect(after.sla).toMatchObject({
        pause: { cause: 'requester', sinceMs: T0 + HOUR },
        firstResponseAtMs: T0 + HOUR,
        lastUpdateAtMs: T0 + HOUR,
      });
      expect(newEntries(before, after)).toEqual([
        {
          at: '2026-11-02T18:00:00.000Z',
          type: 'info-requested',
          actor: AGENT,
          reason: null,
          text: 'Asked the requester: Which printer?',
        },
        {
          at: '2026-11-02T18:00:00.000Z',
          type: 'sla-paused',
          actor: SYSTEM_ACTOR,
          reason: 'waiting on the requester',
          text: 'SLA clock paused (cause: requester).',
        },
      ]);
    });

    it('asked again while waiting: replaces the question, keeps the pause and the first response', () => {
      const first = caseIn('waiting-on-requester'); // asked at T0+1h
      const after = run(first, ask('And the model number?'), T0 + 3 * HOUR);
      expect(after.infoRequest).toEqual({
        question: 'And the model number?',
        askedAtMs: T0 + 3 * HOUR,
        askedBy: AGENT,
        reminded: false,
      });
      expect(after.sla).toMatchObject({
        pause: { cause: 'requester', sinceMs: T0 + HOUR },
        firstResponseAtMs: T0 + HOUR,
        lastUpdateAtMs: T0 + 3 * HOUR,
      });
      expect(newEntries(first, after).map((e) => e.type)).toEqual(['info-requested']);
    });
  });

  describe('add-note', () => {
    it('a note visible to the requester is the first response and an update', () => {
      const before = caseIn('in-progress');
      const after = run(
        before,
        { type: 'add-note', actor: AGENT, text: 'We are on it.', visibleToRequester: true },
        T0 + 30 * MINUTE,
      );
      expect(after.sla).toMatchObject({
        firstResponseAtMs: T0 + 30 * MINUTE,
        lastUpdateAtMs: T0 + 30 * MINUTE,
      });
      expect(after.status).toBe('in-progress');
      expect(newEntries(before, after)).toEqual([
        {
          at: '2026-11-02T17:30:00.000Z',
          type: 'note-added',
          actor: AGENT,
          reason: null,
          text: 'Update to the requester: We are on it.',
        },
      ]);
    });

    it('a later visible note moves the last update but not the first response', () => {
      const first = run(
        caseIn('in-progress'),
        { type: 'add-note', actor: AGENT, text: 'On it.', visibleToRequester: true },
        T0 + 30 * MINUTE,
      );
      const second = run(
        first,
        { type: 'add-note', actor: AGENT, text: 'Parts ordered.', visibleToRequester: true },
        T0 + 5 * HOUR,
      );
      expect(second.sla).toMatchObject({
        firstResponseAtMs: T0 + 30 * MINUTE,
        lastUpdateAtMs: T0 + 5 * HOUR,
      });
    });

    it('an internal note leaves the SLA clock alone', () => {
      const before = caseIn('in-progress');
      const after = run(
        before,
        { type: 'add-note', actor: AGENT, text: 'Driver 4.2 is broken.', visibleToRequester: false },
        T0 + 30 * MINUTE,
      );
      expect(after.sla).toEqual(before.sla);
      expect(after.sla.firstResponseAtMs).toBeNull();
      expect(lastEntry(after)).toEqual({
        at: '2026-11-02T17:30:00.000Z',
        type: 'note-added',
        actor: AGENT,
        reason: null,
        text: 'Internal note: Driver 4.2 is broken.',
      });
    });
  });

  describe('resolve', () => {
    it('resolves, stops the clock, records the resolution and emits a case-resolved notice', () => {
      const before = caseIn('in-progress');
      const { record: after, notices } = applyCommand(before, resolveCmd, T0 + 2 * HOUR);
      expect(after).toMatchObject({
        status: 'resolved',
        resolution: { note: 'Replaced the toner cartridge.', atMs: T0 + 2 * HOUR, by: AGENT },
        infoRequest: null,
        closedAtMs: null,
      });
      expect(after.sla).toMatchObject({
        resolvedAtMs: T0 + 2 * HOUR,
        firstResponseAtMs: T0 + 2 * HOUR,
        lastUpdateAtMs: T0 + 2 * HOUR,
        pause: null,
      });
      expect(newEntries(before, after)).toEqual([
        {
          at: '2026-11-02T19:00:00.000Z',
          type: 'resolved',
          actor: AGENT,
          reason: null,
          text: 'Resolved: Replaced the toner cartridge.',
        },
      ]);
      expect(notices).toEqual<CaseNotice[]>([
        {
          id: `case-1:resolved:${T0 + 2 * HOUR}`,
          type: 'case-resolved',
          caseId: 'case-1',
          occurredAt: '2026-11-02T19:00:00.000Z',
          severity: 'B',
          summary: 'Resolved: Replaced the toner cartridge.',
        },
      ]);
    });

    it('resolving a case that waits on the requester ends the pause and the pending question', () => {
      const after = run(caseIn('waiting-on-requester'), resolveCmd, T0 + 3 * HOUR); // asked at T0+1h
      expect(after.infoRequest).toBeNull();
      expect(after.sla).toMatchObject({
        pause: null,
        resolvedAtMs: T0 + 3 * HOUR,
        firstResponseAtMs: T0 + HOUR,
        pausedMsByCause: { requester: 2 * HOUR },
      });
    });

    it('leaves no SLA deadline once resolved', () => {
      const view = caseView(caseIn('resolved'), policy, T0 + 3 * HOUR);
      expect(view.sla).toMatchObject({ firstResponseDue: null, nextUpdateDue: null, resolutionDue: null });
    });
  });

  describe('reopen', () => {
    it('goes back in progress, counts the reopen and turns the resolved period into a requester pause', () => {
      const resolved = caseIn('resolved'); // resolved at T0+2h
      const { record: after, notices } = applyCommand(
        resolved,
        { type: 'reopen', actor: AGENT, reason: 'it happened again' },
        T0 + 7 * HOUR,
      );
      expect(notices).toEqual([]);
      expect(after).toMatchObject({ status: 'in-progress', reopenCount: 1, resolution: null });
      expect(after.sla).toMatchObject({
        resolvedAtMs: null,
        pause: null,
        pausedMsByCause: { requester: 5 * HOUR },
        pauseHistory: [{ cause: 'requester', fromMs: T0 + 2 * HOUR, toMs: T0 + 7 * HOUR }],
      });
      expect(newEntries(resolved, after)).toEqual([
        {
          at: '2026-11-03T00:00:00.000Z',
          type: 'reopened',
          actor: AGENT,
          reason: 'it happened again',
          text: 'Reopened; back in progress (reopen 1).',
        },
      ]);
      // The five resolved hours do not count: resolution due T0+24h+5h; next update 12 h of running
      // clock after the T0+2h response, i.e. 12 h after the reopening at T0+7h.
      const view = caseView(after, policy, T0 + 7 * HOUR);
      expect(view.sla).toMatchObject({
        firstResponseDue: null,
        nextUpdateDue: '2026-11-03T12:00:00.000Z',
        resolutionDue: '2026-11-03T22:00:00.000Z',
        pausedSeconds: { requester: 5 * 3600 },
      });
    });

    it('counts every reopen', () => {
      const once = run(caseIn('resolved'), { type: 'reopen', actor: AGENT, reason: 'again' }, T0 + 3 * HOUR);
      const resolvedAgain = run(once, resolveCmd, T0 + 4 * HOUR);
      const twice = run(resolvedAgain, { type: 'reopen', actor: AGENT, reason: 'still' }, T0 + 5 * HOUR);
      expect(twice.reopenCount).toBe(2);
      expect(lastEntry(twice)?.text).toBe('Reopened; back in progress (reopen 2).');
      expect(twice.sla.pausedMsByCause).toEqual({ requester: 2 * HOUR });
    });
  });
});

// ------------------------------------------------------------------------------------------------

describe('applyFact', () => {
  it('a reply while waiting resumes the clock and puts the case back in progress', () => {
    const waiting = caseIn('waiting-on-requester'); // asked at T0+1h
    const { record: after, notices } = applyFact(waiting, reply('It is the HP on floor 3.'), T0 + 3 * HOUR);
    expect(notices).toEqual([]);
    expect(after).toMatchObject({ status: 'in-progress', infoRequest: null });
    expect(after.sla).toMatchObject({
      pause: null,
      pausedMsByCause: { requester: 2 * HOUR },
      pauseHistory: [{ cause: 'requester', fromMs: T0 + HOUR, toMs: T0 + 3 * HOUR }],
    });
    expect(newEntries(waiting, after)).toEqual([
      {
        at: '2026-11-02T20:00:00.000Z',
        type: 'requester-replied',
        actor: REQUESTER,
        reason: null,
        text: 'The requester replied: It is the HP on floor 3.',
      },
      {
        at: '2026-11-02T20:00:00.000Z',
        type: 'sla-resumed',
        actor: SYSTEM_ACTOR,
        reason: 'the requester replied',
        text: 'SLA clock resumed.',
      },
    ]);
  });

  it('a reply when no question is pending is only logged', () => {
    const inProgress = caseIn('in-progress');
    const { record: after, notices } = applyFact(inProgress, reply('Any news?'), T0 + HOUR);
    expect(notices).toEqual([]);
    expect({
      ...after,
      log: inProgress.log,
      updatedAt: inProgress.updatedAt,
      actors: inProgress.actors,
    }).toEqual(inProgress);
    expect(newEntries(inProgress, after)).toEqual([
      {
        at: '2026-11-02T18:00:00.000Z',
        type: 'requester-replied',
        actor: REQUESTER,
        reason: null,
        text: 'The requester wrote (no question was pending): Any news?',
      },
    ]);
  });

  it('an accepted confirmation closes a resolved case and emits a case-closed notice', () => {
    const resolved = caseIn('resolved'); // resolved at T0+2h
    const { record: after, notices } = applyFact(resolved, confirm(true, 'Works now, thanks'), T0 + 3 * HOUR);
    expect(after).toMatchObject({
      status: 'closed',
      closedAtMs: T0 + 3 * HOUR,
      closeReason: 'resolution confirmed by the requester',
      infoRequest: null,
    });
    expect(newEntries(resolved, after)).toEqual([
      {
        at: '2026-11-02T20:00:00.000Z',
        type: 'confirmed',
        actor: REQUESTER,
        reason: 'Works now, thanks',
        text: 'The requester confirmed the resolution: Works now, thanks.',
      },
      {
        at: '2026-11-02T20:00:00.000Z',
        type: 'closed',
        actor: REQUESTER,
        reason: 'resolution confirmed by the requester',
        text: 'Case closed.',
      },
    ]);
    expect(notices).toEqual<CaseNotice[]>([
      {
        id: 'case-1:closed:closed',
        type: 'case-closed',
        caseId: 'case-1',
        occurredAt: '2026-11-02T20:00:00.000Z',
        severity: 'B',
        summary: 'Case closed: resolution confirmed by the requester',
      },
    ]);
  });

  it('an accepted confirmation without comment says so plainly', () => {
    const { record } = applyFact(caseIn('resolved'), confirm(true, null), T0 + 3 * HOUR);
    expect(record.log.find((e) => e.type === 'confirmed')).toMatchObject({
      reason: null,
      text: 'The requester confirmed the resolution.',
    });
  });

  it('a rejection reopens the case, counting the reopen and logging the comment', () => {
    const resolved = caseIn('resolved'); // resolved at T0+2h
    const { record: after, notices } = applyFact(
      resolved,
      confirm(false, 'Still blank pages'),
      T0 + 4 * HOUR,
    );
    expect(notices).toEqual([]);
    expect(after).toMatchObject({
      status: 'in-progress',
      reopenCount: 1,
      resolution: null,
      closedAtMs: null,
    });
    expect(after.sla).toMatchObject({ resolvedAtMs: null, pausedMsByCause: { requester: 2 * HOUR } });
    expect(newEntries(resolved, after)).toEqual([
      {
        at: '2026-11-02T21:00:00.000Z',
        type: 'rejected',
        actor: REQUESTER,
        reason: 'Still blank pages',
        text: 'The requester rejected the resolution; back in progress (reopen 1).',
      },
    ]);
  });

  it('a rejection without comment gives a default reason', () => {
    const { record } = applyFact(caseIn('resolved'), confirm(false, null), T0 + 4 * HOUR);
    expect(lastEntry(record)).toMatchObject({ type: 'rejected', reason: 'resolution rejected' });
  });

  it('a confirmation of a case that is not resolved is only logged', () => {
    const inProgress = caseIn('in-progress');
    const accepted = applyFact(inProgress, confirm(true, null), T0 + HOUR);
    expect(accepted.notices).toEqual([]);
    expect(accepted.record.status).toBe('in-progress');
    expect(newEntries(inProgress, accepted.record)).toEqual([
      {
        at: '2026-11-02T18:00:00.000Z',
        type: 'confirmed',
        actor: REQUESTER,
        reason: null,
        text: "The requester's confirmation arrived while the case was in-progress; nothing changed.",
      },
    ]);
    const rejected = applyFact(inProgress, confirm(false, 'nope'), T0 + HOUR);
    expect(rejected.record).toMatchObject({ status: 'in-progress', reopenCount: 0 });
    expect(lastEntry(rejected.record)).toEqual({
      at: '2026-11-02T18:00:00.000Z',
      type: 'rejected',
      actor: REQUESTER,
      reason: 'nope',
      text: "The requester's rejection arrived while the case was in-progress; nothing changed: nope.",
    });
  });

  it.each(['closed', 'closed-unresponsive'] as const)('facts on a %s case change nothing', (status) => {
    const finished = caseIn(status);
    for (const fact of [reply(), confirm(true, null), confirm(false, 'no')]) {
      const outcome = applyFact(finished, fact, T0 + 100 * HOUR);
      expect(outcome.record).toBe(finished);
      expect(outcome.notices).toEqual([]);
    }
  });
});

// ------------------------------------------------------------------------------------------------

describe('advance and nextWakeAt', () => {
  describe('SLA risk and breach (Sev B filed 24x7: first response due T0+4h)', () => {
    it('wakes first at 75 % of the first-response time', () => {
      expect(nextWakeAt(openB24(), policy, T0)).toBe(T0 + 3 * HOUR);
    });

    it('does nothing before the at-risk instant', () => {
      const record = openB24();
      expect(advance(record, policy, T0 + 3 * HOUR - 1)).toEqual({ record, notices: [] });
    });

    it('fires at-risk at 75 % with a deterministic notice id that contains the case id', () => {
      const before = openB24('case-42');
      const { record: after, notices } = advance(before, policy, T0 + 3 * HOUR);
      const text = 'SLA at risk: first response due 2026-11-02T21:00:00.000Z (75 % of the time used).';
      expect(notices).toEqual<CaseNotice[]>([
        {
          id: `case-42:firstResponse@${T0 + 4 * HOUR}:at-risk`,
          type: 'sla-at-risk',
          caseId: 'case-42',
          occurredAt: '2026-11-02T20:00:00.000Z',
          severity: 'B',
          summary: text,
          details: { target: 'firstResponse', dueAt: '2026-11-02T21:00:00.000Z' },
        },
      ]);
      expect(newEntries(before, after)).toEqual([
        { at: '2026-11-02T20:00:00.000Z', type: 'sla-at-risk', actor: SYSTEM_ACTOR, reason: null, text },
      ]);
      expect(after.breaches).toEqual([]);
      expect(after.firedEvents).toEqual([`firstResponse@${T0 + 4 * HOUR}:at-risk`]);
      expect(nextWakeAt(after, policy, T0 + 3 * HOUR)).toBe(T0 + 4 * HOUR);
    });

    it('fires the breach at 100 % and records it with its due time', () => {
      const atRisk = advance(openB24(), policy, T0 + 3 * HOUR).record;
      const { record: after, notices } = advance(atRisk, policy, T0 + 4 * HOUR);
      const text = 'SLA breached: first response was due 2026-11-02T21:00:00.000Z.';
      expect(after.breaches).toEqual([
        {
          target: 'firstResponse',
          severity: 'B',
          dueAt: '2026-11-02T21:00:00.000Z',
          breachedAt: '2026-11-02T21:00:00.000Z',
        },
      ]);
      expect(notices).toEqual<CaseNotice[]>([
        {
          id: `case-1:firstResponse@${T0 + 4 * HOUR}:breach`,
          type: 'sla-breach',
          caseId: 'case-1',
          occurredAt: '2026-11-02T21:00:00.000Z',
          severity: 'B',
          summary: text,
          details: { target: 'firstResponse', dueAt: '2026-11-02T21:00:00.000Z' },
        },
      ]);
      expect(lastEntry(after)).toEqual({
        at: '2026-11-02T21:00:00.000Z',
        type: 'sla-breach',
        actor: SYSTEM_ACTOR,
        reason: null,
        text,
      });
      // Next: the resolution target, at risk at 75 % of 24 h.
      expect(nextWakeAt(after, policy, T0 + 4 * HOUR)).toBe(T0 + 18 * HOUR);
    });

    it('never fires an event twice', () => {
      const once = advance(openB24(), policy, T0 + 3 * HOUR);
      const again = advance(once.record, policy, T0 + 3 * HOUR);
      expect(again).toEqual({ record: once.record, notices: [] });
      const later = advance(once.record, policy, T0 + 3 * HOUR + 30 * MINUTE);
      expect(later.notices).toEqual([]);

      const breached = advance(once.record, policy, T0 + 4 * HOUR).record;
      const breachedAgain = advance(breached, policy, T0 + 4 * HOUR + MINUTE);
      expect(breachedAgain.notices).toEqual([]);
      expect(breachedAgain.record.breaches).toHaveLength(1);
      expect(breachedAgain.record.log).toHaveLength(breached.log.length);
    });

    it('keeps an at-risk silent when its deadline has also passed by the time it fires', () => {
      const before = openB24();
      const { record: after, notices } = advance(before, policy, T0 + 5 * HOUR);
      expect(notices.map((n) => n.type)).toEqual(['sla-breach']);
      expect(newEntries(before, after).map((e) => e.type)).toEqual(['sla-breach']);
      expect(after.breaches).toEqual([
        {
          target: 'firstResponse',
          severity: 'B',
          dueAt: '2026-11-02T21:00:00.000Z',
          breachedAt: '2026-11-02T22:00:00.000Z',
        },
      ]);
      // The silent at-risk is still spent, so it cannot fire later either.
      expect(after.firedEvents).toEqual([
        `firstResponse@${T0 + 4 * HOUR}:at-risk`,
        `firstResponse@${T0 + 4 * HOUR}:breach`,
      ]);
    });

    it('an upgrade that is already overdue breaches at once, without an at-risk', () => {
      const sevC = openCase(newCase({ severity: 'C' }), T0);
      const upgraded = run(
        sevC,
        { type: 'change-severity', actor: LEAD, severity: 'A', reason: 'whole site down' },
        T0 + 2 * HOUR,
      );
      const { record, notices } = advance(upgraded, policy, T0 + 2 * HOUR);
      expect(notices.map((n) => n.type)).toEqual(['sla-breach']);
      expect(record.breaches).toEqual([
        {
          target: 'firstResponse',
          severity: 'A',
          dueAt: '2026-11-02T18:00:00.000Z',
          breachedAt: '2026-11-02T19:00:00.000Z',
        },
      ]);
    });

    it('fires every overdue target in one advance, and then has nothing left to wake for', () => {
      const { record, notices } = advance(openB24(), policy, T0 + 30 * HOUR);
      expect(notices.map((n) => n.id)).toEqual([
        `case-1:firstResponse@${T0 + 4 * HOUR}:breach`,
        `case-1:resolution@${T0 + 24 * HOUR}:breach`,
      ]);
      expect(record.breaches).toEqual([
        {
          target: 'firstResponse',
          severity: 'B',
          dueAt: '2026-11-02T21:00:00.000Z',
          breachedAt: '2026-11-03T23:00:00.000Z',
        },
        {
          target: 'resolution',
          severity: 'B',
          dueAt: '2026-11-03T17:00:00.000Z',
          breachedAt: '2026-11-03T23:00:00.000Z',
        },
      ]);
      expect(record.status).toBe('new');
      expect(nextWakeAt(record, policy, T0 + 30 * HOUR)).toBeNull();
    });

    it('after the first response, watches the update cadence (12 h for Sev B)', () => {
      const responded = run(
        openB24(),
        { type: 'add-note', actor: AGENT, text: 'On it.', visibleToRequester: true },
        T0 + HOUR,
      );
      // next update due T0+13h, at risk at T0+1h+9h; resolution at risk at T0+18h.
      expect(nextWakeAt(responded, policy, T0 + HOUR)).toBe(T0 + 10 * HOUR);
      const { notices } = advance(responded, policy, T0 + 10 * HOUR);
      expect(notices).toEqual([
        expect.objectContaining({
          id: `case-1:nextUpdate@${T0 + 13 * HOUR}:at-risk`,
          details: { target: 'nextUpdate', dueAt: '2026-11-03T06:00:00.000Z' },
        }),
      ]);
    });

    it('fires no SLA events while the clock is paused', () => {
      const waiting = caseIn('waiting-on-requester'); // asked at T0+1h
      const { notices } = advance(waiting, policy, T0 + 20 * HOUR);
      expect(notices).toEqual([]);
    });
  });

  describe('unanswered requests for information (asked at T0+1h)', () => {
    it('wakes for the reminder 24 h before the 48 h close', () => {
      expect(nextWakeAt(caseIn('waiting-on-requester'), policy, T0 + HOUR)).toBe(T0 + 25 * HOUR);
    });

    it('reminds the requester once, 24 h after the question', () => {
      const waiting = caseIn('waiting-on-requester');
      const { record: reminded, notices } = advance(waiting, policy, T0 + 25 * HOUR);
      const text =
        'Reminder sent to the requester: the case closes at 2026-11-04T18:00:00.000Z unless they answer.';
      expect(notices).toEqual<CaseNotice[]>([
        {
          id: `case-1:info@${T0 + HOUR}:reminder`,
          type: 'info-request-reminder',
          caseId: 'case-1',
          occurredAt: '2026-11-03T18:00:00.000Z',
          severity: 'B',
          summary: text,
          details: {
            question: 'Which printer, and what does its display say?',
            requester: 'erik.lund@example.org',
            closesAt: '2026-11-04T18:00:00.000Z',
          },
        },
      ]);
      expect(reminded.infoRequest).toMatchObject({ askedAtMs: T0 + HOUR, reminded: true });
      expect(reminded.status).toBe('waiting-on-requester');
      expect(newEntries(waiting, reminded)).toEqual([
        { at: '2026-11-03T18:00:00.000Z', type: 'info-reminder', actor: SYSTEM_ACTOR, reason: null, text },
      ]);

      const again = advance(reminded, policy, T0 + 30 * HOUR);
      expect(again).toEqual({ record: reminded, notices: [] });
      expect(nextWakeAt(reminded, policy, T0 + 25 * HOUR)).toBe(T0 + 49 * HOUR);
    });

    it('does not close a millisecond before the 48 h are up', () => {
      const reminded = advance(caseIn('waiting-on-requester'), policy, T0 + 25 * HOUR).record;
      expect(advance(reminded, policy, T0 + 49 * HOUR - 1).record.status).toBe('waiting-on-requester');
    });

    it('closes the case as unresponsive 48 h after the question', () => {
      const reminded = advance(caseIn('waiting-on-requester'), policy, T0 + 25 * HOUR).record;
      const { record: closed, notices } = advance(reminded, policy, T0 + 49 * HOUR);
      const reason = 'no answer from the requester within 48 h of the last request';
      expect(closed).toMatchObject({
        status: 'closed-unresponsive',
        closedAtMs: T0 + 49 * HOUR,
        closeReason: reason,
        infoRequest: null,
      });
      expect(closed.sla).toMatchObject({
        resolvedAtMs: T0 + 49 * HOUR,
        pause: null,
        pausedMsByCause: { requester: 48 * HOUR },
      });
      expect(newEntries(reminded, closed)).toEqual([
        {
          at: '2026-11-04T18:00:00.000Z',
          type: 'closed',
          actor: SYSTEM_ACTOR,
          reason,
          text: 'Case closed-unresponsive.',
        },
      ]);
      expect(notices).toEqual<CaseNotice[]>([
        {
          id: 'case-1:closed:closed-unresponsive',
          type: 'case-closed',
          caseId: 'case-1',
          occurredAt: '2026-11-04T18:00:00.000Z',
          severity: 'B',
          summary: `Case closed-unresponsive: ${reason}`,
        },
      ]);
      expect(nextWakeAt(closed, policy, T0 + 49 * HOUR)).toBeNull();
      expect(advance(closed, policy, T0 + 500 * HOUR)).toEqual({ record: closed, notices: [] });
    });

    it('a second request for information restarts the 48 h', () => {
      const reminded = advance(caseIn('waiting-on-requester'), policy, T0 + 25 * HOUR).record;
      const askedAgain = run(reminded, ask('Can you send a photo of the display?'), T0 + 31 * HOUR);
      expect(askedAgain.infoRequest).toMatchObject({ askedAtMs: T0 + 31 * HOUR, reminded: false });

      // The first question's close time passes without effect.
      const atFirstClose = advance(askedAgain, policy, T0 + 49 * HOUR);
      expect(atFirstClose).toEqual({ record: askedAgain, notices: [] });
      expect(nextWakeAt(askedAgain, policy, T0 + 49 * HOUR)).toBe(T0 + 55 * HOUR);

      const remindedAgain = advance(askedAgain, policy, T0 + 55 * HOUR);
      expect(remindedAgain.notices.map((n) => n.id)).toEqual([`case-1:info@${T0 + 31 * HOUR}:reminder`]);
      const closed = advance(remindedAgain.record, policy, T0 + 79 * HOUR);
      expect(closed.record).toMatchObject({ status: 'closed-unresponsive', closedAtMs: T0 + 79 * HOUR });
    });

    it('a reply cancels the reminder and the close', () => {
      const replied = applyFact(caseIn('waiting-on-requester'), reply(), T0 + 2 * HOUR).record;
      const { record } = advance(replied, policy, T0 + 60 * HOUR);
      expect(record.status).toBe('in-progress');
      expect(record.log.some((e) => e.type === 'info-reminder' || e.type === 'closed')).toBe(false);
    });

    it('follows the policy durations', () => {
      const short = casePolicySchema.parse({ unresponsiveCloseHours: 8, infoReminderBeforeCloseHours: 2 });
      const waiting = caseIn('waiting-on-requester');
      expect(nextWakeAt(waiting, short, T0 + HOUR)).toBe(T0 + 7 * HOUR);
      expect(advance(waiting, short, T0 + 9 * HOUR).record.status).toBe('closed-unresponsive');
    });

    it('does not close by itself while a break-glass grant awaits review', () => {
      const withGrant = elevationStarted(
        caseIn('in-progress'),
        { id: 'case-1.1', workflowId: 'elev-1', requestedBy: 'esc-1', breakGlass: true, reason: 'P1' },
        T0 + 30 * MINUTE,
      );
      const waiting = run(withGrant, ask(), T0 + HOUR);
      expect(advance(waiting, policy, T0 + 60 * HOUR).record.status).toBe('waiting-on-requester');
    });
  });

  describe('Sev A engagement', () => {
    it('downgrades Sev A to B when a request stays unanswered for sevAEngagementMinutes', () => {
      const waiting = run(openSevA(), ask('Is the whole site affected?'), T0 + 10 * MINUTE);
      // The clock is paused, so the engagement check is the next thing to wake for.
      expect(nextWakeAt(waiting, policy, T0 + 10 * MINUTE)).toBe(T0 + 130 * MINUTE);
      expect(advance(waiting, policy, T0 + 130 * MINUTE - 1).record.severity).toBe('A');

      const { record: downgraded, notices } = advance(waiting, policy, T0 + 130 * MINUTE);
      const reason =
        'Sev A needs continuous 24x7 engagement; the requester left a request unanswered for 120 min';
      expect(downgraded.severity).toBe('B');
      expect(downgraded.sla.severity).toBe('B');
      expect(downgraded.status).toBe('waiting-on-requester');
      expect(newEntries(waiting, downgraded)).toEqual([
        {
          at: '2026-11-02T19:10:00.000Z',
          type: 'severity-downgraded',
          actor: SYSTEM_ACTOR,
          reason,
          text: 'Severity downgraded from A to B.',
        },
      ]);
      expect(notices).toEqual<CaseNotice[]>([
        {
          id: `case-a:info@${T0 + 10 * MINUTE}:engagement@${T0 + 10 * MINUTE}`,
          type: 'severity-downgraded',
          caseId: 'case-a',
          occurredAt: '2026-11-02T19:10:00.000Z',
          severity: 'B',
          summary: `Downgraded from Sev A to Sev B: ${reason}.`,
        },
      ]);
    });

    it('downgrades only one level, and only once', () => {
      const waiting = run(openSevA(), ask(), T0 + 10 * MINUTE);
      const downgraded = advance(waiting, policy, T0 + 130 * MINUTE).record;
      const later = advance(downgraded, policy, T0 + 20 * HOUR);
      expect(later.record.severity).toBe('B');
      expect(later.notices).toEqual([]);
      expect(nextWakeAt(downgraded, policy, T0 + 130 * MINUTE)).toBe(T0 + 10 * MINUTE + 24 * HOUR);
    });

    it('follows policy.sevAEngagementMinutes', () => {
      const quick = casePolicySchema.parse({ sevAEngagementMinutes: 30 });
      const waiting = run(openSevA(), ask(), T0 + 10 * MINUTE);
      expect(nextWakeAt(waiting, quick, T0 + 10 * MINUTE)).toBe(T0 + 40 * MINUTE);
      expect(advance(waiting, quick, T0 + 40 * MINUTE).record.severity).toBe('B');
    });

    it('does not downgrade when the requester answers in time', () => {
      const waiting = run(openSevA(), ask(), T0 + 10 * MINUTE);
      const replied = applyFact(waiting, reply(), T0 + HOUR).record;
      const { record, notices } = advance(replied, policy, T0 + 3 * HOUR);
      expect(record.severity).toBe('A');
      expect(notices.filter((n) => n.type === 'severity-downgraded')).toEqual([]);
    });

    it.each([
      ['B', { severity: 'B' }],
      ['B filed 24x7', B24],
      ['C', { severity: 'C' }],
    ] as const)('never applies to Sev %s', (_label, overrides) => {
      const waiting = run(openCase(newCase(overrides), T0), ask(), T0 + 10 * MINUTE);
      const { record, notices } = advance(waiting, policy, T0 + 10 * HOUR);
      expect(record.severity).toBe(overrides.severity);
      expect(notices).toEqual([]);
      expect(nextWakeAt(waiting, policy, T0 + 10 * MINUTE)).toBe(T0 + 10 * MINUTE + 24 * HOUR);
    });

    it('does not undo an upgrade to Sev A at once because of a question asked before the upgrade', () => {
      const waiting = caseIn('waiting-on-requester'); // Sev B, asked at T0+1h
      const upgraded = run(
        waiting,
        { type: 'change-severity', actor: LEAD, severity: 'A', reason: 'the whole floor is down now' },
        T0 + 4 * HOUR,
      );
      // The requester owed no Sev A engagement before T0+4h; the workflow advances right after the
      // command, so an engagement window counted from the T0+1h question would revert the upgrade at once.
      const { record, notices } = advance(upgraded, policy, T0 + 4 * HOUR);
      expect(record.severity).toBe('A');
      expect(notices.filter((n) => n.type === 'severity-downgraded')).toEqual([]);
    });

    it('still applies while a break-glass grant awaits review (only closing waits for the review)', () => {
      const withGrant = elevationStarted(
        openSevA(),
        { id: 'case-a.1', workflowId: 'elev-a1', requestedBy: 'esc-1', breakGlass: true, reason: 'P1' },
        T0 + 5 * MINUTE,
      );
      const waiting = run(withGrant, ask(), T0 + 10 * MINUTE);
      expect(advance(waiting, policy, T0 + 130 * MINUTE).record.severity).toBe('B');
    });
  });

  describe('auto-close after resolution', () => {
    it('wakes autoCloseAfterResolutionHours (120 h) after the resolution', () => {
      expect(nextWakeAt(caseIn('resolved'), policy, T0 + 2 * HOUR)).toBe(T0 + 122 * HOUR);
    });

    it('closes an unconfirmed resolution when the time is up, not before', () => {
      const resolved = caseIn('resolved'); // resolved at T0+2h
      expect(advance(resolved, policy, T0 + 122 * HOUR - 1)).toEqual({ record: resolved, notices: [] });
      const { record: closed, notices } = advance(resolved, policy, T0 + 122 * HOUR);
      const reason = 'the requester did not answer the resolution within 120 h';
      expect(closed).toMatchObject({ status: 'closed', closedAtMs: T0 + 122 * HOUR, closeReason: reason });
      expect(lastEntry(closed)).toEqual({
        at: '2026-11-07T19:00:00.000Z',
        type: 'closed',
        actor: SYSTEM_ACTOR,
        reason,
        text: 'Case closed.',
      });
      expect(notices).toEqual<CaseNotice[]>([
        {
          id: 'case-1:closed:closed',
          type: 'case-closed',
          caseId: 'case-1',
          occurredAt: '2026-11-07T19:00:00.000Z',
          severity: 'B',
          summary: `Case closed: ${reason}`,
        },
      ]);
      expect(nextWakeAt(closed, policy, T0 + 122 * HOUR)).toBeNull();
    });

    it('follows policy.autoCloseAfterResolutionHours', () => {
      const daily = casePolicySchema.parse({ autoCloseAfterResolutionHours: 24 });
      expect(nextWakeAt(caseIn('resolved'), daily, T0 + 2 * HOUR)).toBe(T0 + 26 * HOUR);
      expect(advance(caseIn('resolved'), daily, T0 + 26 * HOUR).record.closeReason).toBe(
        'the requester did not answer the resolution within 24 h',
      );
    });

    it('a reopened case no longer auto-closes', () => {
      const reopened = run(caseIn('resolved'), TABLE_COMMANDS.reopen, T0 + 3 * HOUR);
      expect(advance(reopened, policy, T0 + 200 * HOUR).record.status).toBe('in-progress');
    });
  });

  describe('nextWakeAt', () => {
    it('returns the earliest future event', () => {
      // Sev A, answered at T0+10m: next update due T0+70m (at risk T0+55m), resolution at risk T0+6h.
      const responded = run(
        openSevA(),
        { type: 'add-note', actor: AGENT, text: 'Looking.', visibleToRequester: true },
        T0 + 10 * MINUTE,
      );
      expect(nextWakeAt(responded, policy, T0 + 10 * MINUTE)).toBe(T0 + 55 * MINUTE);
    });

    it('ignores events at or before now (advance fires those)', () => {
      expect(nextWakeAt(openB24(), policy, T0 + 3 * HOUR)).toBe(T0 + 4 * HOUR);
    });

    it('is null for finished cases', () => {
      expect(nextWakeAt(caseIn('closed'), policy, T0 + 3 * HOUR)).toBeNull();
      expect(nextWakeAt(caseIn('closed-unresponsive'), policy, T0 + 49 * HOUR)).toBeNull();
    });
  });
});

// ------------------------------------------------------------------------------------------------

describe('caseView', () => {
  it('shows a fresh 24x7 case with ISO deadlines and nothing paused or at risk', () => {
    const view = caseView(openB24(), policy, T0);
    expect(view.sla).toEqual({
      clock: '24x7',
      firstResponseDue: '2026-11-02T21:00:00.000Z',
      firstResponseAt: null,
      nextUpdateDue: null,
      resolutionDue: '2026-11-03T17:00:00.000Z',
      paused: null,
      pausedSeconds: {},
      atRisk: [],
      breaches: [],
    });
    expect(view).toMatchObject({
      id: 'case-1',
      status: 'new',
      createdAt: '2026-11-02T17:00:00.000Z',
      pendingQuestion: null,
      resolution: null,
      closedAt: null,
      closeReason: null,
      reopenCount: 0,
      elevations: [],
    });
    expect(() => caseSchema.parse(view)).not.toThrow();
  });

  it('uses the business-hours clock for Sev C even when 24x7 was asked for', () => {
    expect(caseView(openCase(newCase({ twentyFourSeven: true }), T0), policy, T0).sla.clock).toBe(
      'business-hours',
    );
    expect(caseView(openCase(newCase({ severity: 'B' }), T0), policy, T0).sla.clock).toBe('business-hours');
    expect(caseView(openSevA(), policy, T0).sla.clock).toBe('24x7');
  });

  it('lists targets with 75 % or more of their time used', () => {
    expect(caseView(openB24(), policy, T0 + 3 * HOUR - 1).sla.atRisk).toEqual([]);
    expect(caseView(openB24(), policy, T0 + 3 * HOUR).sla.atRisk).toEqual(['firstResponse']);
    expect(caseView(openB24(), policy, T0 + 18 * HOUR).sla.atRisk).toEqual(['firstResponse', 'resolution']);
  });

  it('while paused: shows the cause and the running pause, and no deadlines', () => {
    const waiting = caseIn('waiting-on-requester'); // asked at T0+1h
    const view = caseView(waiting, policy, T0 + 3 * HOUR);
    expect(view.sla).toEqual({
      clock: '24x7',
      firstResponseDue: null,
      firstResponseAt: '2026-11-02T18:00:00.000Z',
      nextUpdateDue: null,
      resolutionDue: null,
      paused: 'requester',
      pausedSeconds: { requester: 7200 },
      atRisk: [],
      breaches: [],
    });
    expect(view.pendingQuestion).toEqual({
      question: 'Which printer, and what does its display say?',
      askedAt: '2026-11-02T18:00:00.000Z',
      askedBy: AGENT,
    });
    expect(view.status).toBe('waiting-on-requester');
    expect(() => caseSchema.parse(view)).not.toThrow();
  });

  it('after a pause: adds the paused time to the deadlines and keeps it in pausedSeconds', () => {
    const resumed = applyFact(caseIn('waiting-on-requester'), reply(), T0 + 3 * HOUR).record;
    const view = caseView(resumed, policy, T0 + 4 * HOUR);
    expect(view.sla).toMatchObject({
      paused: null,
      pausedSeconds: { requester: 7200 },
      firstResponseDue: null,
      // 12 h of running clock after the T0+1h response: the clock only ran again from T0+3h.
      nextUpdateDue: '2026-11-03T08:00:00.000Z',
      // 24 h plus the 2 h pause.
      resolutionDue: '2026-11-03T19:00:00.000Z',
    });
    expect(view.pendingQuestion).toBeNull();
  });

  it('adds a pause in progress to the finished pauses of the same cause', () => {
    const replied = applyFact(caseIn('waiting-on-requester'), reply(), T0 + 3 * HOUR).record; // 2 h
    const askedAgain = run(replied, ask('Still there?'), T0 + 4 * HOUR);
    expect(caseView(askedAgain, policy, T0 + 4 * HOUR + 30 * MINUTE).sla.pausedSeconds).toEqual({
      requester: 2 * 3600 + 30 * 60,
    });
  });

  it('projects the resolution and the breaches', () => {
    const breached = advance(openB24(), policy, T0 + 5 * HOUR).record;
    const resolved = run(breached, resolveCmd, T0 + 6 * HOUR);
    const view = caseView(resolved, policy, T0 + 7 * HOUR);
    expect(view.resolution).toEqual({
      note: 'Replaced the toner cartridge.',
      at: '2026-11-02T23:00:00.000Z',
      by: AGENT,
    });
    expect(view.sla).toMatchObject({
      firstResponseAt: '2026-11-02T23:00:00.000Z',
      firstResponseDue: null,
      resolutionDue: null,
      atRisk: [],
      breaches: [
        {
          target: 'firstResponse',
          severity: 'B',
          dueAt: '2026-11-02T21:00:00.000Z',
          breachedAt: '2026-11-02T22:00:00.000Z',
        },
      ],
    });
    expect(() => caseSchema.parse(view)).not.toThrow();
  });

  it('projects the close', () => {
    const view = caseView(caseIn('closed'), policy, T0 + 4 * HOUR);
    expect(view).toMatchObject({
      status: 'closed',
      closedAt: '2026-11-02T20:00:00.000Z',
      closeReason: 'resolution confirmed by the requester',
    });
    expect(() => caseSchema.parse(view)).not.toThrow();
  });
});

// ------------------------------------------------------------------------------------------------

describe('recordDelivery and continuedAsNew', () => {
  const sent: CaseNotice = {
    id: 'case-1:resolved:1',
    type: 'case-resolved',
    caseId: 'case-1',
    occurredAt: '2026-11-02T19:00:00.000Z',
    severity: 'B',
    summary: 'Resolved: Replaced the toner cartridge.',
  };

  it('logs a delivery with its receivers', () => {
    const before = openB24();
    const after = recordDelivery(
      before,
      sent,
      ['https://a.example/hook', 'https://b.example/hook'],
      null,
      T0 + HOUR,
    );
    expect(newEntries(before, after)).toEqual([
      {
        at: '2026-11-02T18:00:00.000Z',
        type: 'notification-delivered',
        actor: SYSTEM_ACTOR,
        reason: null,
        text: 'Notification case-resolved (case-1:resolved:1) delivered: https://a.example/hook, https://b.example/hook.',
      },
    ]);
    expect(after.updatedAt).toBe('2026-11-02T18:00:00.000Z');
  });

  it('logs a delivery without subscribers', () => {
    expect(lastEntry(recordDelivery(openB24(), sent, [], null, T0 + HOUR))?.text).toBe(
      'Notification case-resolved (case-1:resolved:1) delivered: no subscribers configured.',
    );
  });

  it('logs a delivery that needed retries with the attempt that landed', () => {
    expect(lastEntry(recordDelivery(openB24(), sent, ['chaos'], null, T0 + HOUR, 2))?.text).toBe(
      'Notification case-resolved (case-1:resolved:1) delivered: chaos on attempt 2, after 1 failed attempt.',
    );
  });

  it('logs a failed delivery with the failure as reason', () => {
    expect(lastEntry(recordDelivery(openB24(), sent, [], 'HTTP 503 after 5 attempts', T0 + HOUR))).toEqual({
      at: '2026-11-02T18:00:00.000Z',
      type: 'notification-failed',
      actor: SYSTEM_ACTOR,
      reason: 'HTTP 503 after 5 attempts',
      text: 'Notification case-resolved (case-1:resolved:1) could not be delivered.',
    });
  });

  it('marks the hand-over to a new run without touching the state', () => {
    const before = caseIn('waiting-on-requester');
    const after = continuedAsNew(before, T0 + 2 * HOUR);
    expect(newEntries(before, after)).toEqual([
      {
        at: '2026-11-02T19:00:00.000Z',
        type: 'continued-as-new',
        actor: SYSTEM_ACTOR,
        reason: 'history length threshold reached',
        text: 'The case continues in a new workflow run with its state and SLA clocks carried over.',
      },
    ]);
    expect({ ...after, log: before.log, updatedAt: before.updatedAt }).toEqual(before);
  });
});

describe('elevationForKey: a retried elevation request', () => {
  const kase = (): CaseRecord =>
    elevationStarted(
      openCase(newCase(), T0),
      {
        id: 'c.1',
        workflowId: 'case:c:elevation:1',
        requestedBy: 'esc-1',
        breakGlass: false,
        reason: 'plan',
        requestKey: { key: 'esc-1\nk-123456', fingerprint: 'f1' },
      },
      T0,
    );

  it('finds the elevation of the same key and body, refuses another body, ignores other keys', () => {
    expect(elevationForKey(kase(), { key: 'esc-1\nk-123456', fingerprint: 'f1' })).toMatchObject({
      same: { id: 'c.1' },
    });
    expect(elevationForKey(kase(), { key: 'esc-1\nk-123456', fingerprint: 'f2' })).toEqual({
      conflict: true,
    });
    expect(elevationForKey(kase(), { key: 'esc-2\nk-123456', fingerprint: 'f1' })).toBeNull();
    expect(elevationForKey(kase(), undefined)).toBeNull();
  });
});
