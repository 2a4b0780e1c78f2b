import { describe, expect, it } from 'vitest';
import { SEVERITIES, type Severity } from '../../src/domain/categories';
import { applyCommand, decide, decideEscalationFiling, openCase } from '../../src/domain/case-lifecycle';
import { DEFAULT_CASE_POLICY, escalationPolicyOf } from '../../src/domain/case-policy';
import { caseIntakeSchema } from '../../src/schemas/case-schema';
import {
  DEFAULT_MICROSOFT_CHANNEL_RESPONSE,
  DEFAULT_VENDOR_RESPONSE,
  ESCALATION_AREAS,
  escalationView,
  type EscalationRequest,
  openEscalation,
  REQUEST_TYPES,
  responseSlaOf,
} from '../../src/domain/escalation';
import { escalationRequestSchema } from '../../src/schemas/escalation-schema';
import {
  type FilerRole,
  type GateAnswer,
  gateOf,
  legacyGateOf,
  moreSevere,
  severityChangeRefusal,
} from '../../src/domain/escalation-gate';
import { PERMISSIONS, ROLES } from '../../src/domain/roles';
import { ESCALATION_TARGETS, type EscalationTarget } from '../../src/domain/routing';

const T0 = Date.UTC(2026, 10, 2, 17, 0);
const FILERS: FilerRole[] = ['escalation-team', 'it-admin'];

/** The rule table of DOMAIN.md, written out independently of the implementation. */
function expected(
  target: EscalationTarget,
  caseSev: Severity,
  escSev: Severity,
  filer: FilerRole,
): GateAnswer {
  if (target === 'vendor')
    return { gate: 'vendor-direct', fileAtOnce: true, needsAdminContact: false, responseTable: 'vendor' };
  if (target === 'microsoft-channel')
    return {
      gate: 'microsoft-channel',
      fileAtOnce: true,
      needsAdminContact: false,
      responseTable: 'microsoft-channel',
    };
  if (filer === 'it-admin')
    return { gate: 'it-admin', fileAtOnce: true, needsAdminContact: true, responseTable: 'service' };
  if (caseSev === 'C' && escSev === 'C')
    return {
      gate: 'escalation-team-sev-c',
      fileAtOnce: true,
      needsAdminContact: true,
      responseTable: 'service',
    };
  return { gate: 'it-admin-approval', fileAtOnce: false, needsAdminContact: true, responseTable: 'service' };
}

const matrix = ESCALATION_TARGETS.flatMap((target) =>
  SEVERITIES.flatMap((caseSeverity) =>
    SEVERITIES.flatMap((escalationSeverity) =>
      FILERS.map((filer) => ({ target, caseSeverity, escalationSeverity, filer })),
    ),
  ),
);

const request = (overrides: Partial<EscalationRequest> = {}): EscalationRequest => ({
  requestType: 'incident',
  category: 'devices',
  subCategory: 'vpn',
  title: 'Policy removes the VPN profile',
  description: 'Every night the compliance policy removes the VPN profile.',
  contact: 'kim@provider.example',
  twentyFourSeven: false,
  ...overrides,
});

describe('the gate follows the case: every target × case severity × escalation severity × filer', () => {
  it('covers 54 combinations', () => expect(matrix).toHaveLength(54));

  it.each(matrix)('$target, case $caseSeverity, typed $escalationSeverity, $filer', (q) => {
    expect(gateOf(q)).toEqual(expected(q.target, q.caseSeverity, q.escalationSeverity, q.filer));
  });

  it.each(matrix)(
    'an escalation opened for $target, case $caseSeverity, typed $escalationSeverity, $filer',
    (q) => {
      const r = openEscalation(
        {
          id: 'c.x1',
          owner: { kind: 'case', id: 'c', workflowId: 'case:c' },
          target: q.target,
          severity: q.escalationSeverity,
          caseSeverity: q.caseSeverity,
          request: request({ target: q.target, severity: q.escalationSeverity }),
          adminContact: 'it-devices@example.org',
          filedBy: 'p-1',
          filerIsAdmin: q.filer === 'it-admin',
        },
        T0,
      );
      const want = expected(q.target, q.caseSeverity, q.escalationSeverity, q.filer);
      expect(r.gate).toBe(want.gate);
      expect(r.status).toBe(want.fileAtOnce ? 'filed' : 'awaiting-approval');
      expect(r.responseTable).toBe(want.responseTable);
      expect(r.adminContact).toBe(want.needsAdminContact ? 'it-devices@example.org' : '');
    },
  );

  it('only the escalation team and IT admins may file at all', () => {
    expect([...PERMISSIONS['escalation:file']].sort()).toEqual(['escalation-team', 'it-admin']);
    for (const role of ROLES.filter((r) => !FILERS.includes(r as FilerRole))) {
      expect(PERMISSIONS['escalation:file']).not.toContain(role);
    }
  });
});

describe('an escalation-team member cannot reach service operations for a Sev A/B case', () => {
  const variants: Partial<EscalationRequest>[] = [];
  for (const severity of [undefined, ...SEVERITIES])
    for (const requestType of REQUEST_TYPES)
      for (const category of ESCALATION_AREAS)
        for (const twentyFourSeven of [false, true])
          for (const target of [undefined, 'service-ops'] as const)
            variants.push({ severity, requestType, category, twentyFourSeven, target });

  it.each(['A', 'B'] as const)('Sev %s case: held for an IT admin by any field', (caseSeverity) => {
    const c = openCase(
      {
        id: 'c',
        intake: caseIntakeSchema.parse({
          title: 'Intune policy',
          description: 'The service policy removes the VPN profile.',
          requester: { id: 'u', name: 'U', contact: 'u@example.org' },
          device: { serial: 'PF1', group: 'broad' },
          severity: caseSeverity,
        }),
        createdBy: 'a',
        supportModel: 'customer-led',
        providerName: 'Desk',
        requestFingerprint: 'f',
      },
      T0,
    );
    for (const v of variants) {
      const req = request(v);
      // Whatever the request says, the case passes its own severity to the escalation.
      const r = openEscalation(
        {
          id: 'c.x1',
          owner: { kind: 'case', id: 'c', workflowId: 'case:c' },
          target: req.target ?? 'service-ops',
          severity: req.severity ?? c.severity,
          caseSeverity: c.severity,
          request: req,
          adminContact: 'x@example.org',
          filedBy: 'esc-1',
          filerIsAdmin: false,
        },
        T0,
      );
      expect(r.status, JSON.stringify(v)).toBe('awaiting-approval');
      expect(r.gate).toBe('it-admin-approval');
    }
  });

  it('the request has no field for the case severity or the filer', () => {
    for (const extra of [{ caseSeverity: 'C' }, { filerIsAdmin: true }, { gate: 'it-admin' }]) {
      expect(escalationRequestSchema.safeParse({ ...request(), ...extra }).success).toBe(false);
    }
  });
});

describe('hardware and Microsoft channel hand-offs', () => {
  const caseOf = (category: 'hardware' | 'other-microsoft', severity: Severity) => ({
    ...openCase(
      {
        id: 'c',
        intake: caseIntakeSchema.parse({
          title: 'Skärmen flimrar',
          description: 'Skärmen flimrar hela tiden.',
          requester: { id: 'u', name: 'U', contact: 'u@example.org' },
          device: { serial: 'PF1', group: 'broad' },
          severity,
        }),
        createdBy: 'a',
        supportModel: 'customer-led',
        providerName: 'Desk',
        requestFingerprint: 'f',
      },
      T0,
    ),
    status: 'in-progress' as const,
    category,
    route: {
      handledBy: 'escalation' as const,
      target: category === 'hardware' ? ('vendor' as const) : ('microsoft-channel' as const),
      reason: 'r',
    },
  });

  it.each(SEVERITIES)('need no admin-area contact at Sev %s', (severity) => {
    const policy = escalationPolicyOf(DEFAULT_CASE_POLICY);
    expect(policy.adminContacts).toEqual({});
    for (const category of ['hardware', 'other-microsoft'] as const) {
      expect(
        decideEscalationFiling(caseOf(category, severity), request(), policy, 'escalation-team'),
      ).toEqual({
        ok: true,
      });
    }
    // service-ops still does.
    expect(
      decideEscalationFiling(
        caseOf('hardware', severity),
        request({ target: 'service-ops', reason: 'policy' }),
        policy,
      ),
    ).toMatchObject({ ok: false });
  });

  it('follow their own response expectations, configurable, not the service table', () => {
    const policy = escalationPolicyOf(DEFAULT_CASE_POLICY);
    const base = {
      id: 'c.x1',
      owner: { kind: 'case' as const, id: 'c', workflowId: 'case:c' },
      severity: 'A' as const,
      caseSeverity: 'A' as const,
      request: request(),
      adminContact: '',
      filedBy: 'esc-1',
      filerIsAdmin: false,
    };
    const vendor = openEscalation({ ...base, target: 'vendor' }, T0);
    expect(responseSlaOf(vendor, policy)).toEqual(DEFAULT_VENDOR_RESPONSE);
    expect(escalationView(vendor, policy, T0).initialResponseDue).toBe(
      new Date(T0 + 4 * 3_600_000).toISOString(),
    );
    const channel = openEscalation({ ...base, target: 'microsoft-channel' }, T0);
    expect(responseSlaOf(channel, policy)).toEqual(DEFAULT_MICROSOFT_CHANNEL_RESPONSE);
    const custom = {
      ...policy,
      responseTables: {
        ...policy.responseTables,
        vendor: { ...DEFAULT_VENDOR_RESPONSE, A: { ...DEFAULT_VENDOR_RESPONSE.A, firstResponseMinutes: 30 } },
      },
    };
    expect(escalationView(vendor, custom, T0).initialResponseDue).toBe(
      new Date(T0 + 30 * 60_000).toISOString(),
    );
    const service = openEscalation({ ...base, target: 'service-ops', filerIsAdmin: true }, T0);
    expect(responseSlaOf(service, policy)).toBe(policy.sla);
  });
});

describe('the gate escalations were filed under before (replay only)', () => {
  it('looked at the typed severity alone', () => {
    expect(legacyGateOf('C', false).gate).toBe('escalation-team-sev-c');
    expect(legacyGateOf('A', false).gate).toBe('it-admin-approval');
    expect(legacyGateOf('B', true).gate).toBe('it-admin');
  });
});

describe('lowering a case severity', () => {
  it('orders severities', () => {
    expect(moreSevere('A', 'C')).toBe('A');
    expect(moreSevere('C', 'B')).toBe('B');
    expect(moreSevere('C', 'C')).toBe('C');
  });

  it.each([
    ['A', 'C', false, false],
    ['B', 'C', false, false],
    ['A', 'C', true, true],
    ['B', 'C', true, true],
    ['A', 'B', false, true],
    ['C', 'A', false, true],
    ['C', 'B', false, true],
    ['B', 'A', false, true],
  ] as const)('%s → %s by an IT admin: %s → allowed %s', (from, to, admin, allowed) => {
    expect(severityChangeRefusal(from, to, admin) === null).toBe(allowed);
  });

  it('is refused on the case for anyone but an IT admin, and recorded as lowered with the reason', () => {
    const c = {
      ...openCase(
        {
          id: 'c',
          intake: caseIntakeSchema.parse({
            title: 'Allt står still',
            description: 'Ingen kan logga in.',
            requester: { id: 'u', name: 'U', contact: 'u@example.org' },
            device: { serial: 'PF1', group: 'broad' },
            severity: 'A',
          }),
          createdBy: 'a',
          supportModel: 'customer-led',
          providerName: 'Desk',
          requestFingerprint: 'f',
        },
        T0,
      ),
      status: 'in-progress' as const,
    };
    const cmd = {
      type: 'change-severity' as const,
      actor: 'esc-1',
      severity: 'C' as const,
      reason: 'fewer users',
    };
    expect(decide(c, cmd)).toMatchObject({ ok: false });
    expect(decide(c, { ...cmd, actorIsAdmin: false })).toMatchObject({ ok: false });
    expect(decide(c, { ...cmd, actor: 'admin-1', actorIsAdmin: true })).toEqual({ ok: true });
    const after = applyCommand(c, { ...cmd, actor: 'admin-1', actorIsAdmin: true }, T0 + 1000).record;
    expect(after.severity).toBe('C');
    expect(after.log.at(-1)).toMatchObject({
      type: 'severity-changed',
      actor: 'admin-1',
      reason: 'fewer users',
      text: expect.stringContaining('lowered from A to C') as string,
    });
  });
});
