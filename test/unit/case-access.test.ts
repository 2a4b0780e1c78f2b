import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canAct, canSee, canSeeEscalation, type CaseFacts, caseFactsOf } from '../../src/domain/case-access';
import { type Principal, type Role, ROLES } from '../../src/domain/roles';

const facts: CaseFacts = { createdBy: 'ann', assignee: 'bob', actors: ['cat'] };
const who = (principal: string, ...roles: Role[]): Principal => ({ principal, roles });

describe('canSee: who may see a case', () => {
  it.each([
    // [principal, roles, sees]
    ['ann', ['agent'], true], // created it
    ['bob', ['agent'], true], // assigned
    ['cat', ['agent'], true], // acted on it
    ['dan', ['agent'], false], // never touched it
    ['dan', ['escalation-team'], true],
    ['dan', ['agent', 'escalation-team'], true],
    ['dan', ['it-admin'], true],
    ['dan', ['auditor'], true],
    ['ann', ['service-ops'], false], // service operations see escalation records, not cases
    ['dan', ['service-ops'], false],
  ] as const)('%s as %j sees the case: %s', (name, roles, sees) => {
    expect(canSee(who(name, ...roles), facts)).toBe(sees);
  });

  it('never lets a principal named like a system actor pass for it', () => {
    const bySystem: CaseFacts = { createdBy: 'caseflow', assignee: null, actors: [] };
    expect(canSee(who('caseflow', 'agent'), bySystem)).toBe(false);
    expect(canSee(who('CaseFlow', 'agent'), bySystem)).toBe(false);
  });
});

describe('canAct: the role gate on a case the principal may see', () => {
  it.each([
    ['ann', ['agent'], 'case:work', true],
    ['dan', ['agent'], 'case:work', false], // may work cases, not this one
    ['ann', ['auditor'], 'case:work', false], // sees it, role may not work
    ['dan', ['escalation-team'], 'case:work', true],
    ['dan', ['it-admin'], 'case:severity', true],
    ['dan', ['it-admin'], 'case:work', false],
  ] as const)('%s as %j may %s: %s', (name, roles, permission, allowed) => {
    expect(canAct(who(name, ...roles), permission, facts)).toBe(allowed);
  });
});

describe('caseFactsOf: who the case view names', () => {
  const at = '2026-01-01T00:00:00.000Z';
  it('collects the log, question, resolution and elevation actors, without system names', () => {
    const f = caseFactsOf({
      createdBy: 'ann',
      assignee: null,
      log: [
        { at, type: 'note-added', actor: 'cat', reason: null, text: 'x' },
        { at, type: 'note-added', actor: 'caseflow', reason: null, text: 'x' },
        { at, type: 'note-added', actor: 'vendor', reason: null, text: 'x' },
      ],
      pendingQuestion: { question: 'q', askedAt: at, askedBy: 'eve' },
      resolution: { note: 'n', at, by: 'fay' },
      elevations: [
        { id: 'e', requestedBy: 'gus', breakGlass: false, finished: true, outcome: null, review: null },
      ],
    });
    expect(f).toEqual({ createdBy: 'ann', assignee: null, actors: ['cat', 'eve', 'fay', 'gus'] });
  });
});

/** The README's "Which cases" table is `canSee`, role by role. */
describe('the per-case table in the README', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('### Which cases');
  const section = readme.slice(start, readme.indexOf('\n## ', start));
  const cells = (line: string) =>
    line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
  const [header, , row] = section.split('\n').filter((l) => l.startsWith('| '));

  it('has a column per role and says, for each, whose cases it sees', () => {
    expect(cells(header ?? '').slice(1)).toEqual([...ROLES]);
    const marks = cells(row ?? '').slice(1);
    const scope = (role: Role) => {
      const own = canSee(who('ann', role), facts);
      const others = canSee(who('dan', role), facts);
      return others ? 'all' : own ? 'own' : '';
    };
    expect(marks).toEqual(ROLES.map(scope));
  });
});

describe('canSeeEscalation: who may see an escalation record', () => {
  const toOps = { target: 'service-ops', caseId: 'c1' };
  const toVendor = { target: 'vendor', caseId: 'c1' };
  const incident = { target: 'service-ops', caseId: null };
  it.each([
    ['ops', ['service-ops'], toOps, true],
    ['ops', ['service-ops'], toVendor, false], // not addressed to the service
    ['ann', ['agent'], toVendor, true], // of a case the agent created
    ['dan', ['agent'], toVendor, false], // of a case the agent never touched
    ['dan', ['agent'], incident, true], // an incident's, read as incidents are
    ['dan', ['escalation-team'], toVendor, true],
    ['dan', ['it-admin'], toVendor, true],
    ['dan', ['auditor'], toOps, true],
  ] as const)('%s as %j sees %j: %s', (name, roles, escalation, sees) => {
    expect(canSeeEscalation(who(name, ...roles), escalation, facts)).toBe(sees);
  });
});
