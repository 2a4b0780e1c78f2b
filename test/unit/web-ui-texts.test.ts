import { describe, expect, it } from 'vitest';
import {
  caseCurrentDetails,
  caseStaticSummary,
  deviceAccountStaticSummary,
  elevationStaticSummary,
  escalationStaticSummary,
  plainText,
  timeLeft,
} from '../../src/domain/web-ui-texts';

const NOW = Date.parse('2026-03-02T10:00:00Z');

describe('Web UI texts', () => {
  it('shows a title on one bounded line with markdown taken literally', () => {
    expect(plainText('Printer\n  **down** [x](javascript:alert(1))')).toBe(
      'Printer \\*\\*down\\*\\* \\[x\\]\\(javascript:alert\\(1\\)\\)',
    );
    const long = plainText('a'.repeat(200));
    expect(long).toHaveLength(80);
    expect(long.endsWith('…')).toBe(true);
  });

  it('summarises each workflow kind by what operators look for', () => {
    expect(caseStaticSummary({ id: 'c1', title: 'VPN drops', severity: 'B', category: 'unclassified' })).toBe(
      'Case: VPN drops · Sev B · unclassified',
    );
    expect(elevationStaticSummary({ deviceSerial: 'SN-1', requestedBy: 'eve', caseId: 'c1' })).toBe(
      'Elevation: device SN-1 · for eve · case c1',
    );
    expect(deviceAccountStaticSummary('SN-1')).toBe('Device owner: JIT admin account of SN-1');
    expect(escalationStaticSummary({ target: 'vendor', severity: 'C', ownerId: 'c1' })).toBe(
      'Escalation: to vendor · Sev C · case c1',
    );
    expect(escalationStaticSummary({ target: 'service-ops', severity: 'B', ownerId: 'inc-1' })).toContain(
      'incident inc-1',
    );
  });

  it('says how long is left or how long overdue', () => {
    expect(timeLeft(NOW + 125 * 60_000, NOW)).toBe('2 h 5 min left');
    expect(timeLeft(NOW + 45 * 60_000, NOW)).toBe('45 min left');
    expect(timeLeft(NOW - 60 * 60_000, NOW)).toBe('overdue 1 h');
  });

  it('names the nearest SLA deadline, the assignee and open children', () => {
    const text = caseCurrentDetails(
      {
        status: 'in-progress',
        severity: 'B',
        category: 'infrastructure',
        tier: 'tier-1',
        assignee: 'alice',
        sla: {
          firstResponseDue: null,
          nextUpdateDue: '2026-03-02T12:00:00.000Z',
          resolutionDue: '2026-03-02T11:00:00.000Z',
          paused: null,
          breaches: [{ target: 'firstResponse' }],
        },
        openChildren: ['case:c1:elevation:1'],
      },
      NOW,
    );
    expect(text).toContain('**Status** in-progress · Sev B · infrastructure · tier-1');
    expect(text).toContain('**Assignee** alice');
    expect(text).toContain('resolution due 2026-03-02T11:00:00.000Z (1 h left');
    expect(text).toContain('breached: firstResponse');
    expect(text).toContain('**Open children** case:c1:elevation:1');
  });

  it('shows a paused clock rather than a deadline', () => {
    const text = caseCurrentDetails(
      {
        status: 'waiting-on-requester',
        severity: 'C',
        category: 'device',
        tier: 'tier-1',
        assignee: null,
        sla: {
          firstResponseDue: null,
          nextUpdateDue: null,
          resolutionDue: null,
          paused: 'requester',
          breaches: [],
        },
        openChildren: [],
      },
      NOW,
    );
    expect(text).toContain('**SLA** paused (requester)');
    expect(text).toContain('**Assignee** unassigned');
    expect(text).toContain('**Open children** none');
  });
});
