import { describe, expect, it } from 'vitest';
import { buildCaseListQuery, type CaseListFilters } from '../../src/temporal/case-list-query';

const ONLY_CASES = `WorkflowType = 'supportCase' AND ExecutionStatus != 'ContinuedAsNew'`;

/** Lets a test hand over what an untyped caller (a query string) could send. */
const untyped = (filters: Record<string, unknown>): CaseListFilters => filters;

describe('buildCaseListQuery', () => {
  it('without filters selects support-case workflows only', () => {
    expect(buildCaseListQuery({})).toBe(
      `WorkflowType = 'supportCase' AND ExecutionStatus != 'ContinuedAsNew'`,
    );
  });

  it.each([
    [{ status: 'waiting-on-requester' }, `CaseStatus = 'waiting-on-requester'`],
    [{ severity: 'A' }, `CaseSeverity = 'A'`],
    [{ category: 'infrastructure' }, `CaseCategory = 'infrastructure'`],
    [{ category: 'unclassified' }, `CaseCategory = 'unclassified'`],
    [{ tier: 'escalation-team' }, `CaseTier = 'escalation-team'`],
    [{ assignee: 'agent-7' }, `CaseAssignee = 'agent-7'`],
    [{ requester: 'erik.lund@example.org' }, `RequesterId = 'erik.lund@example.org'`],
    [{ device: 'PF3XK9Z' }, `DeviceSerial = 'PF3XK9Z'`],
  ] as const)('maps the filter %o to its search attribute, quoted', (filters, clause) => {
    expect(buildCaseListQuery(filters)).toBe(`${ONLY_CASES} AND ${clause}`);
  });

  it('maps breached=true to an unquoted boolean clause', () => {
    expect(buildCaseListQuery({ breached: 'true' })).toBe(`${ONLY_CASES} AND SlaBreached = true`);
  });

  it('maps breached=false to an unquoted boolean clause', () => {
    expect(buildCaseListQuery({ breached: 'false' })).toBe(`${ONLY_CASES} AND SlaBreached = false`);
  });

  it('joins several filters with AND, in a fixed order whatever the order of the keys', () => {
    expect(
      buildCaseListQuery({ breached: 'true', device: 'PF3XK9Z', assignee: 'agent-7', status: 'in-progress' }),
    ).toBe(
      `WorkflowType = 'supportCase' AND ExecutionStatus != 'ContinuedAsNew' AND CaseStatus = 'in-progress' AND CaseAssignee = 'agent-7'` +
        ` AND DeviceSerial = 'PF3XK9Z' AND SlaBreached = true`,
    );
  });

  it('combines every filter at once', () => {
    expect(
      buildCaseListQuery({
        status: 'resolved',
        severity: 'B',
        category: 'hardware',
        tier: 'tier-2',
        assignee: 'agent-2',
        requester: 'u-1001',
        device: 'SN-1.2_3',
        breached: 'false',
      }),
    ).toBe(
      "WorkflowType = 'supportCase' AND ExecutionStatus != 'ContinuedAsNew' AND CaseStatus = 'resolved' AND CaseSeverity = 'B'" +
        " AND CaseCategory = 'hardware' AND CaseTier = 'tier-2' AND CaseAssignee = 'agent-2'" +
        " AND RequesterId = 'u-1001' AND DeviceSerial = 'SN-1.2_3' AND SlaBreached = false",
    );
  });

  it('accepts every character the safe alphabet allows: letters, digits and . _ @ : + -', () => {
    expect(buildCaseListQuery({ assignee: 'a.B_9@x:y+z-1' })).toBe(
      `${ONLY_CASES} AND CaseAssignee = 'a.B_9@x:y+z-1'`,
    );
  });

  it('accepts a free-text value of 128 characters and rejects one of 129', () => {
    expect(buildCaseListQuery({ requester: 'r'.repeat(128) })).toBe(
      `${ONLY_CASES} AND RequesterId = '${'r'.repeat(128)}'`,
    );
    expect(() => buildCaseListQuery({ requester: 'r'.repeat(129) })).toThrow();
  });

  it('rejects an empty free-text value', () => {
    expect(() => buildCaseListQuery({ assignee: '' })).toThrow();
  });

  describe.each(['assignee', 'requester', 'device'] as const)('the free-text filter %s', (key) => {
    it.each([
      ["o'brien", 'a single quote'],
      ['agent 7', 'a space'],
      ['agent\\7', 'a backslash'],
      ["x' OR 1=1", 'an injected OR clause'],
      ["' OR '1'='1", 'a classic quote-balanced injection'],
      ['agent"7', 'a double quote'],
      ['agent-7)', 'a parenthesis'],
      ['agent\n7', 'a newline'],
      ['agent=7', 'an equals sign'],
      ['agent%', 'a wildcard'],
    ])('rejects %j (%s) before it can reach the query', (value) => {
      expect(() => buildCaseListQuery(untyped({ [key]: value }))).toThrow(/letters, digits/);
    });
  });

  it('rejects enum filters holding an injection attempt', () => {
    expect(() => buildCaseListQuery(untyped({ status: "new' OR 1=1" }))).toThrow();
    expect(() => buildCaseListQuery(untyped({ severity: "A' OR 'x'='x" }))).toThrow();
    expect(() => buildCaseListQuery(untyped({ category: 'hardware OR 1=1' }))).toThrow();
    expect(() => buildCaseListQuery(untyped({ tier: "tier-1' --" }))).toThrow();
  });

  it('rejects values outside the enums', () => {
    expect(() => buildCaseListQuery(untyped({ status: 'open' }))).toThrow();
    expect(() => buildCaseListQuery(untyped({ severity: 'D' }))).toThrow();
    expect(() => buildCaseListQuery(untyped({ tier: 'tier-3' }))).toThrow();
    expect(() => buildCaseListQuery(untyped({ category: 'printers' }))).toThrow();
  });

  it('rejects breached values other than the strings true and false', () => {
    expect(() => buildCaseListQuery(untyped({ breached: 'yes' }))).toThrow();
    expect(() => buildCaseListQuery(untyped({ breached: 'true OR 1=1' }))).toThrow();
    expect(() => buildCaseListQuery(untyped({ breached: true }))).toThrow();
  });

  it('rejects a non-string free-text value', () => {
    expect(() => buildCaseListQuery(untyped({ assignee: 7 }))).toThrow();
  });

  it('rejects unknown filter keys', () => {
    expect(() => buildCaseListQuery(untyped({ owner: 'agent-7' }))).toThrow();
    expect(() => buildCaseListQuery(untyped({ WorkflowType: 'elevation' }))).toThrow();
    expect(() => buildCaseListQuery(untyped({ status: 'new', 'status OR 1': '1' }))).toThrow();
  });
});
