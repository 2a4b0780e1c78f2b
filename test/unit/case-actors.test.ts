import { describe, expect, it } from 'vitest';
import { caseIntakeSchema } from '../../src/schemas/case-schema';
import { canSee, caseFactsOf, caseListScope } from '../../src/domain/case-access';
import {
  applyCommand,
  type CaseCommand,
  type CaseRecord,
  caseView,
  handOverSummary,
  openCase,
  VIEW_LOG_TAIL,
} from '../../src/domain/case-lifecycle';
import { DEFAULT_CASE_POLICY } from '../../src/domain/case-policy';
import { MAX_CASE_ACTORS } from '../../src/domain/case-record';
import type { Principal, Role } from '../../src/domain/roles';
import { buildCaseListQuery } from '../../src/temporal/case-list-query';
import {
  caseParticipants,
  caseSearchAttributes,
  CaseParticipants,
} from '../../src/temporal/search-attributes';

/*
 * Who worked a case decides who may see it for the case's whole life, so the case keeps that set
 * itself: the view shows only the log's tail and continue-as-new carries only a few entries.
 */

const T0 = Date.UTC(2026, 10, 2, 9, 0);
const policy = DEFAULT_CASE_POLICY;

function opened(createdBy = 'ann'): CaseRecord {
  return openCase(
    {
      id: 'case-actors',
      intake: caseIntakeSchema.parse({
        title: 'Laptop will not dock',
        description: 'The docking station does not charge the laptop.',
        requester: { id: 'u-2002', name: 'Eva Berg', contact: 'eva.berg@example.org' },
        device: { serial: 'PF3XK9Z', group: 'broad' },
        channel: 'email',
      }),
      createdBy,
      supportModel: 'customer-led',
      providerName: 'Service desk',
      requestFingerprint: 'f'.repeat(64),
    },
    T0,
  );
}

const note = (actor: string): CaseCommand => ({
  type: 'add-note',
  actor,
  text: 'Checked',
  visibleToRequester: false,
});
const apply = (record: CaseRecord, command: CaseCommand, atMs: number) =>
  applyCommand(record, command, atMs).record;
const agent = (principal: string, ...roles: Role[]): Principal => ({ principal, roles: ['agent', ...roles] });

/** A case `cat` noted once, then buried under `entries` notes by `bob`. */
function buried(entries: number): CaseRecord {
  let record = apply(opened(), note('cat'), T0 + 1_000);
  for (let i = 0; i < entries; i++) record = apply(record, note('bob'), T0 + 2_000 + i);
  return record;
}

describe('the actors a case keeps', () => {
  it('names everyone who acted, once each, in order, without the system', () => {
    const record = buried(3);
    expect(record.actors).toEqual(['ann', 'cat', 'bob']);
  });

  it('still names an actor whose entries fell out of the view’s log tail', () => {
    const view = caseView(buried(VIEW_LOG_TAIL + 5), policy, T0 + 60_000);
    expect(view.log.map((e) => e.actor)).not.toContain('cat');
    expect(view.actors).toContain('cat');
    expect(canSee(agent('cat'), caseFactsOf(view))).toBe(true);
    expect(canSee(agent('dan'), caseFactsOf(view))).toBe(false);
  });

  it('carries them across continue-as-new, which hands over only a few log entries', () => {
    const next = handOverSummary(buried(40), policy, T0 + 60_000);
    expect(next.log.map((e) => e.actor)).not.toContain('cat');
    expect(next.actors).toEqual(['ann', 'cat', 'bob']);
    // The next run keeps adding to the carried set.
    expect(apply(next, note('dan'), T0 + 70_000).actors).toEqual(['ann', 'cat', 'bob', 'dan']);
  });

  it('derives them from what a record carries when it is from before they were kept', () => {
    const { actors: _kept, ...old } = buried(2);
    const view = caseView(old, policy, T0 + 60_000);
    expect(view.actors).toEqual(['ann', 'cat', 'bob']);
    expect(apply(old as CaseRecord, note('dan'), T0 + 70_000).actors).toEqual(['ann', 'cat', 'bob', 'dan']);
  });

  it('is bounded', () => {
    let record = opened();
    for (let i = 0; i < MAX_CASE_ACTORS + 20; i++) record = apply(record, note(`agent-${i}`), T0 + 1_000 + i);
    expect(record.actors).toHaveLength(MAX_CASE_ACTORS);
    expect(record.actors?.[0]).toBe('ann');
  });
});

describe('the case list scope', () => {
  const facts = caseFactsOf(caseView(buried(1), policy, T0 + 60_000));

  it.each([
    [['agent'], 'participant'],
    [['agent', 'escalation-team'], 'all'],
    [['it-admin'], 'all'],
    [['auditor'], 'all'],
    [['service-ops'], 'none'],
  ] as const)('for %j is %s', (roles, kind) => {
    expect(caseListScope({ principal: 'dan', roles: [...roles] }).kind).toBe(kind);
  });

  it('lists for an agent exactly the cases canSee shows them, through CaseParticipants', () => {
    const record = buried(1);
    const participants = caseParticipants({ ...record, actors: record.actors });
    for (const name of ['ann', 'cat', 'bob', 'dan']) {
      expect(participants.includes(name)).toBe(canSee(agent(name), facts));
      expect(buildCaseListQuery({}, caseListScope(agent(name)))).toContain(
        `(CaseParticipants = '${name}' OR CaseAssignee = '${name}')`,
      );
    }
    expect(buildCaseListQuery({ status: 'new' }, { kind: 'all' })).not.toContain('CaseParticipants');
  });

  it('queries nothing for a scope that sees no case, or a name that could not be quoted safely', () => {
    expect(buildCaseListQuery({}, { kind: 'none' })).toBeUndefined();
    expect(buildCaseListQuery({}, caseListScope(agent("o'brien OR 1=1")))).toBeUndefined();
    expect(buildCaseListQuery({}, caseListScope(agent('caseflow')))).toBeUndefined();
  });

  it('indexes creator, assignee and actors but never the requester id, within the size limit', () => {
    const record = apply(
      { ...buried(1), assignee: 'eve' },
      { type: 'add-note', actor: 'u-2002', text: 'requester reply', visibleToRequester: true },
      T0 + 50_000,
    );
    const attribute = caseSearchAttributes(record).find((a) => a.key === CaseParticipants);
    expect(attribute?.value).toEqual(['ann', 'eve', 'cat', 'bob']);
    expect(
      caseSearchAttributes(record, { participants: false }).some((a) => a.key === CaseParticipants),
    ).toBe(false);
    const many = caseParticipants({
      createdBy: 'ann',
      assignee: null,
      requester: { id: 'u-1' },
      actors: Array.from({ length: 100 }, (_, i) => `a-rather-long-principal-name-${i}@example.org`),
    });
    expect(JSON.stringify(many).length).toBeLessThan(2_000);
  });
});
