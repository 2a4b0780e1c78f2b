import { describe, expect, it } from 'vitest';
import { DEFAULT_BUSINESS_CALENDAR, type BusinessCalendar } from '../../src/domain/calendar';
import {
  AT_RISK_FRACTION,
  atRiskInstant,
  changeSeverity,
  clockModeFor,
  computeDeadlines,
  DEFAULT_SLA_POLICY,
  elapsedFraction,
  pauseClock,
  pausedSeconds,
  recordFirstResponse,
  recordResolution,
  recordUpdate,
  resumeClock,
  SlaClockError,
  standingOf,
  startClock,
} from '../../src/domain/sla';
import { slaClockStateSchema, slaPolicySchema } from '../../src/schemas/sla-schema';

// Expected instants are written by hand as Pacific local time with offset (PDT -07:00, PST -08:00).
// June 2025: Friday the 13th, Saturday the 14th, Monday the 16th … Friday the 20th.
const at = (iso: string): number => Date.parse(iso);
const policy = DEFAULT_SLA_POLICY;
const pacific = DEFAULT_BUSINESS_CALENDAR;

const FRIDAY_15 = at('2025-06-13T15:00:00-07:00');
const SATURDAY_10 = at('2025-06-14T10:00:00-07:00');
const MONDAY_09 = at('2025-06-16T09:00:00-07:00');

describe('DEFAULT_SLA_POLICY', () => {
  it('follows the severity table, with resolution targets of our own choosing', () => {
    expect(DEFAULT_SLA_POLICY).toEqual({
      A: {
        firstResponseMinutes: 60,
        updateCadenceMinutes: 60,
        resolutionMinutes: 8 * 60,
        hours: '24x7',
        twentyFourSevenOnRequest: false,
      },
      B: {
        firstResponseMinutes: 4 * 60,
        updateCadenceMinutes: 12 * 60,
        resolutionMinutes: 3 * 8 * 60,
        hours: 'business-hours',
        twentyFourSevenOnRequest: true,
      },
      C: {
        firstResponseMinutes: 8 * 60,
        updateCadenceMinutes: 24 * 60,
        resolutionMinutes: 5 * 8 * 60,
        hours: 'business-hours',
        twentyFourSevenOnRequest: false,
      },
    });
    expect(slaPolicySchema.parse(DEFAULT_SLA_POLICY)).toEqual(DEFAULT_SLA_POLICY);
  });

  it('validates policies as plain data', () => {
    const targets = {
      firstResponseMinutes: 30,
      updateCadenceMinutes: 30,
      resolutionMinutes: 60,
      hours: '24x7',
    };
    const parsed = slaPolicySchema.parse({ A: targets, B: targets, C: targets });
    expect(parsed.B.twentyFourSevenOnRequest).toBe(false);
    expect(
      slaPolicySchema.safeParse({ A: { ...targets, firstResponseMinutes: 0 }, B: targets, C: targets })
        .success,
    ).toBe(false);
    expect(
      slaPolicySchema.safeParse({ A: { ...targets, hours: 'sometimes' }, B: targets, C: targets }).success,
    ).toBe(false);
  });

  it('lets only Sev B switch to 24x7 when the filer chose it', () => {
    expect(clockModeFor(policy, 'A', false)).toBe('24x7');
    expect(clockModeFor(policy, 'B', false)).toBe('business-hours');
    expect(clockModeFor(policy, 'B', true)).toBe('24x7');
    expect(clockModeFor(policy, 'C', true)).toBe('business-hours');
  });
});

describe('startClock', () => {
  it('starts a running clock with nothing recorded, as JSON-safe data', () => {
    const state = startClock('B', FRIDAY_15, { twentyFourSeven: true });
    expect(state).toEqual({
      startedAtMs: FRIDAY_15,
      severity: 'B',
      twentyFourSeven: true,
      pause: null,
      pausedMsByCause: {},
      pauseHistory: [],
      firstResponseAtMs: null,
      lastUpdateAtMs: null,
      resolvedAtMs: null,
    });
    expect(slaClockStateSchema.parse(JSON.parse(JSON.stringify(state)))).toEqual(state);
    expect(startClock('C', FRIDAY_15).twentyFourSeven).toBe(false);
  });
});

describe('computeDeadlines', () => {
  it('runs Sev A around the clock, even on a Saturday', () => {
    expect(computeDeadlines(policy, pacific, startClock('A', SATURDAY_10), SATURDAY_10)).toEqual({
      firstResponseDue: at('2025-06-14T11:00:00-07:00'),
      nextUpdateDue: null,
      resolutionDue: at('2025-06-14T18:00:00-07:00'),
    });
  });

  it('runs Sev B in business hours across the weekend', () => {
    const filed = startClock('B', FRIDAY_15);
    expect(computeDeadlines(policy, pacific, filed, FRIDAY_15)).toEqual({
      // Friday 15-17 (2 h) + Monday 9-11 (2 h).
      firstResponseDue: at('2025-06-16T11:00:00-07:00'),
      nextUpdateDue: null,
      // 24 business hours: Friday 2 + Monday 8 + Tuesday 8 + Wednesday 9-15 (6).
      resolutionDue: at('2025-06-18T15:00:00-07:00'),
    });
  });

  it('lands the first Sev B update after a Friday 15:00 response on Tuesday 11:00', () => {
    const answered = recordFirstResponse(startClock('B', FRIDAY_15), FRIDAY_15);
    const deadlines = computeDeadlines(policy, pacific, answered, FRIDAY_15);
    expect(deadlines.firstResponseDue).toBeNull();
    expect(deadlines.nextUpdateDue).toBe(at('2025-06-17T11:00:00-07:00'));
  });

  it('runs Sev B around the clock when the filer chose 24x7', () => {
    expect(
      computeDeadlines(policy, pacific, startClock('B', FRIDAY_15, { twentyFourSeven: true }), FRIDAY_15),
    ).toEqual({
      firstResponseDue: at('2025-06-13T19:00:00-07:00'),
      nextUpdateDue: null,
      resolutionDue: at('2025-06-14T15:00:00-07:00'),
    });
  });

  it('runs Sev C in business hours', () => {
    const filed = startClock('C', FRIDAY_15);
    expect(computeDeadlines(policy, pacific, filed, FRIDAY_15)).toEqual({
      // Friday 2 h + Monday 9-15 (6 h).
      firstResponseDue: at('2025-06-16T15:00:00-07:00'),
      nextUpdateDue: null,
      // 40 business hours: Friday 2 + Monday to Thursday 32 + Friday 9-15 (6).
      resolutionDue: at('2025-06-20T15:00:00-07:00'),
    });
    const answered = recordFirstResponse(filed, at('2025-06-16T10:00:00-07:00'));
    // 24 business hours from Monday 10:00: Monday 7 + Tuesday 8 + Wednesday 8 + Thursday 9-10.
    expect(computeDeadlines(policy, pacific, answered, MONDAY_09).nextUpdateDue).toBe(
      at('2025-06-19T10:00:00-07:00'),
    );
  });

  it('crosses a DST weekend in Pacific time', () => {
    const filed = at('2025-03-07T15:00:00-08:00');
    const answered = recordFirstResponse(startClock('B', filed), filed);
    expect(computeDeadlines(policy, pacific, answered, filed).nextUpdateDue).toBe(
      at('2025-03-11T11:00:00-07:00'),
    );
  });

  it('uses the calendar it is given, here Stockholm across the fall-back weekend', () => {
    const stockholm: BusinessCalendar = { ...pacific, timeZone: 'Europe/Stockholm' };
    const filed = at('2025-10-24T16:00:00+02:00');
    // Friday 16-17 (1 h) + Monday 9-16 (7 h), Monday being in CET.
    expect(computeDeadlines(policy, stockholm, startClock('C', filed), filed).firstResponseDue).toBe(
      at('2025-10-27T16:00:00+01:00'),
    );
  });

  it('keeps reporting a deadline already overrun, in the past', () => {
    const state = startClock('A', SATURDAY_10);
    expect(computeDeadlines(policy, pacific, state, at('2025-06-14T13:00:00-07:00')).firstResponseDue).toBe(
      at('2025-06-14T11:00:00-07:00'),
    );
  });
});

describe('first response and updates', () => {
  it('marks the first response as met and keeps the share of time it used', () => {
    const answered = recordFirstResponse(startClock('C', MONDAY_09), at('2025-06-16T10:00:00-07:00'));
    expect(
      computeDeadlines(policy, pacific, answered, at('2025-06-18T12:00:00-07:00')).firstResponseDue,
    ).toBeNull();
    expect(atRiskInstant(policy, pacific, answered, 'firstResponse', MONDAY_09)).toBeNull();
    const used = elapsedFraction(policy, pacific, answered, 'firstResponse', at('2025-06-18T12:00:00-07:00'));
    expect(used).toBe(1 / 8);
    expect(standingOf(used ?? NaN)).toBe('on-track');
  });

  it('reports a late first response as breached', () => {
    const late = recordFirstResponse(startClock('A', SATURDAY_10), at('2025-06-14T11:30:00-07:00'));
    const used = elapsedFraction(policy, pacific, late, 'firstResponse', at('2025-06-14T12:00:00-07:00'));
    expect(used).toBe(1.5);
    expect(standingOf(used ?? NaN)).toBe('breached');
  });

  it('counts only the first response', () => {
    const first = recordFirstResponse(startClock('A', SATURDAY_10), at('2025-06-14T10:20:00-07:00'));
    expect(recordFirstResponse(first, at('2025-06-14T10:40:00-07:00'))).toBe(first);
  });

  it('owes no update before the first response', () => {
    const state = recordUpdate(startClock('A', SATURDAY_10), at('2025-06-14T10:30:00-07:00'));
    expect(computeDeadlines(policy, pacific, state, SATURDAY_10).nextUpdateDue).toBeNull();
    expect(elapsedFraction(policy, pacific, state, 'nextUpdate', SATURDAY_10)).toBeNull();
  });

  it('counts the next update from the latest update, ignoring one recorded out of order', () => {
    let state = recordFirstResponse(startClock('A', SATURDAY_10), at('2025-06-14T10:20:00-07:00'));
    expect(computeDeadlines(policy, pacific, state, SATURDAY_10).nextUpdateDue).toBe(
      at('2025-06-14T11:20:00-07:00'),
    );
    state = recordUpdate(state, at('2025-06-14T11:05:00-07:00'));
    state = recordUpdate(state, at('2025-06-14T10:50:00-07:00'));
    expect(computeDeadlines(policy, pacific, state, SATURDAY_10).nextUpdateDue).toBe(
      at('2025-06-14T12:05:00-07:00'),
    );
  });

  it('extends the next update only by pauses after the latest update', () => {
    let state = startClock('A', SATURDAY_10);
    state = pauseClock(state, 'requester', at('2025-06-14T10:10:00-07:00'));
    state = resumeClock(state, at('2025-06-14T10:40:00-07:00'));
    state = recordFirstResponse(state, at('2025-06-14T10:50:00-07:00'));
    expect(computeDeadlines(policy, pacific, state, SATURDAY_10).nextUpdateDue).toBe(
      at('2025-06-14T11:50:00-07:00'),
    );
    state = pauseClock(state, 'requester', at('2025-06-14T11:00:00-07:00'));
    state = resumeClock(state, at('2025-06-14T11:20:00-07:00'));
    expect(computeDeadlines(policy, pacific, state, SATURDAY_10).nextUpdateDue).toBe(
      at('2025-06-14T12:10:00-07:00'),
    );
  });
});

describe('pauses', () => {
  it('does not count time paused on the requester', () => {
    let state = startClock('C', MONDAY_09);
    state = pauseClock(state, 'requester', at('2025-06-16T10:00:00-07:00'));
    state = resumeClock(state, at('2025-06-16T13:00:00-07:00'));
    // 1 h before the pause, Monday 13-17 (4 h), Tuesday 9-12 (3 h).
    expect(computeDeadlines(policy, pacific, state, at('2025-06-16T13:00:00-07:00')).firstResponseDue).toBe(
      at('2025-06-17T12:00:00-07:00'),
    );
  });

  it('has no deadlines while paused, but still reports the share used', () => {
    let state = startClock('C', MONDAY_09);
    state = recordFirstResponse(state, at('2025-06-16T09:30:00-07:00'));
    state = pauseClock(state, 'requester', at('2025-06-16T10:00:00-07:00'));
    const noon = at('2025-06-16T12:00:00-07:00');
    expect(computeDeadlines(policy, pacific, state, noon)).toEqual({
      firstResponseDue: null,
      nextUpdateDue: null,
      resolutionDue: null,
    });
    expect(atRiskInstant(policy, pacific, state, 'resolution', noon)).toBeNull();
    expect(elapsedFraction(policy, pacific, state, 'resolution', noon)).toBe(1 / 40);
  });

  it('counts paused time only within business hours for a business-hours clock', () => {
    let state = startClock('B', FRIDAY_15);
    state = pauseClock(state, 'requester', at('2025-06-13T16:00:00-07:00'));
    state = resumeClock(state, at('2025-06-16T10:00:00-07:00'));
    // Friday 15-16 (1 h) counted, then Monday 10-13 (3 h).
    expect(computeDeadlines(policy, pacific, state, at('2025-06-16T10:00:00-07:00')).firstResponseDue).toBe(
      at('2025-06-16T13:00:00-07:00'),
    );
    // Reported paused time is wall-clock: Friday 16:00 to Monday 10:00 is 66 hours.
    expect(pausedSeconds(state, at('2025-06-16T10:00:00-07:00'))).toEqual({ requester: 66 * 3600 });
  });

  it('extends a 24x7 clock by the whole pause', () => {
    let state = startClock('A', SATURDAY_10);
    state = pauseClock(state, 'vendor', at('2025-06-14T10:15:00-07:00'));
    state = resumeClock(state, at('2025-06-14T10:45:00-07:00'));
    expect(computeDeadlines(policy, pacific, state, at('2025-06-14T10:45:00-07:00')).firstResponseDue).toBe(
      at('2025-06-14T11:30:00-07:00'),
    );
  });

  it('keeps paused time per cause, including the pause in progress', () => {
    let state = startClock('C', MONDAY_09);
    state = pauseClock(state, 'requester', at('2025-06-16T10:00:00-07:00'));
    state = pauseClock(state, 'vendor', at('2025-06-16T11:00:00-07:00'));
    state = resumeClock(state, at('2025-06-16T13:00:00-07:00'));
    state = pauseClock(state, 'requester', at('2025-06-16T14:00:00-07:00'));
    state = resumeClock(state, at('2025-06-16T14:30:00-07:00'));
    state = pauseClock(state, 'vendor', at('2025-06-16T15:00:00-07:00'));

    expect(state.pausedMsByCause).toEqual({ requester: 90 * 60_000, vendor: 120 * 60_000 });
    expect(state.pause).toEqual({ cause: 'vendor', sinceMs: at('2025-06-16T15:00:00-07:00') });
    expect(pausedSeconds(state, at('2025-06-16T15:45:00-07:00'))).toEqual({ requester: 5400, vendor: 9900 });

    state = resumeClock(state, at('2025-06-16T16:00:00-07:00'));
    // Counted so far: 9-10, 13-14 and 14:30-15 (2.5 h); 5.5 h remain: Monday 16-17, Tuesday 9-13:30.
    expect(computeDeadlines(policy, pacific, state, at('2025-06-16T16:00:00-07:00')).firstResponseDue).toBe(
      at('2025-06-17T13:30:00-07:00'),
    );
    expect(slaClockStateSchema.parse(JSON.parse(JSON.stringify(state)))).toEqual(state);
  });

  it('ignores repeated pauses and resumes', () => {
    const paused = pauseClock(startClock('C', MONDAY_09), 'requester', at('2025-06-16T10:00:00-07:00'));
    expect(pauseClock(paused, 'requester', at('2025-06-16T11:00:00-07:00'))).toBe(paused);
    const running = startClock('C', MONDAY_09);
    expect(resumeClock(running, at('2025-06-16T11:00:00-07:00'))).toBe(running);
  });

  it('refuses instants that run backwards', () => {
    const paused = pauseClock(startClock('C', MONDAY_09), 'requester', at('2025-06-16T10:00:00-07:00'));
    expect(() => resumeClock(paused, at('2025-06-16T09:30:00-07:00'))).toThrow(SlaClockError);
    expect(() => pauseClock(startClock('C', MONDAY_09), 'vendor', at('2025-06-16T08:00:00-07:00'))).toThrow(
      SlaClockError,
    );
    expect(() => recordFirstResponse(startClock('C', MONDAY_09), NaN)).toThrow(SlaClockError);
  });
});

describe('changeSeverity', () => {
  it('re-evaluates from the start of the case and keeps the time already paused', () => {
    let state = startClock('C', MONDAY_09);
    state = pauseClock(state, 'requester', at('2025-06-16T09:30:00-07:00'));
    state = resumeClock(state, at('2025-06-16T11:30:00-07:00'));
    state = changeSeverity(state, 'B', at('2025-06-16T12:00:00-07:00'));
    expect(state.severity).toBe('B');
    expect(computeDeadlines(policy, pacific, state, at('2025-06-16T12:00:00-07:00'))).toEqual({
      // 4 business hours plus the 2-hour pause.
      firstResponseDue: at('2025-06-16T15:00:00-07:00'),
      nextUpdateDue: null,
      // 24 business hours: Monday 6 (after the pause) + Tuesday 8 + Wednesday 8 + Thursday 9-11.
      resolutionDue: at('2025-06-19T11:00:00-07:00'),
    });
    expect(pausedSeconds(state, at('2025-06-16T12:00:00-07:00'))).toEqual({ requester: 7200 });
  });

  it('keeps a pause in progress across an upgrade to 24x7', () => {
    let state = startClock('C', MONDAY_09);
    state = pauseClock(state, 'requester', at('2025-06-16T09:30:00-07:00'));
    state = changeSeverity(state, 'A', at('2025-06-16T10:00:00-07:00'));
    expect(
      computeDeadlines(policy, pacific, state, at('2025-06-16T10:00:00-07:00')).firstResponseDue,
    ).toBeNull();
    state = resumeClock(state, at('2025-06-16T11:00:00-07:00'));
    expect(computeDeadlines(policy, pacific, state, at('2025-06-16T11:00:00-07:00'))).toEqual({
      // 30 minutes before the pause, 30 after it.
      firstResponseDue: at('2025-06-16T11:30:00-07:00'),
      nextUpdateDue: null,
      // 8 hours around the clock: 0.5 h before the pause, 7.5 h from 11:00.
      resolutionDue: at('2025-06-16T18:30:00-07:00'),
    });
    expect(pausedSeconds(state, at('2025-06-16T11:00:00-07:00'))).toEqual({ requester: 5400 });
  });

  it('shows an upgrade that is already overdue as breached', () => {
    const upgraded = changeSeverity(startClock('C', MONDAY_09), 'A', at('2025-06-16T12:00:00-07:00'));
    const noon = at('2025-06-16T12:00:00-07:00');
    expect(computeDeadlines(policy, pacific, upgraded, noon).firstResponseDue).toBe(
      at('2025-06-16T10:00:00-07:00'),
    );
    expect(standingOf(elapsedFraction(policy, pacific, upgraded, 'firstResponse', noon) ?? NaN)).toBe(
      'breached',
    );
  });

  it('applies the 24x7 choice made at filing once the case becomes Sev B', () => {
    const filedAsC = startClock('C', FRIDAY_15, { twentyFourSeven: true });
    expect(computeDeadlines(policy, pacific, filedAsC, FRIDAY_15).firstResponseDue).toBe(
      at('2025-06-16T15:00:00-07:00'),
    );
    const nowB = changeSeverity(filedAsC, 'B', at('2025-06-13T16:00:00-07:00'));
    expect(computeDeadlines(policy, pacific, nowB, FRIDAY_15).firstResponseDue).toBe(
      at('2025-06-13T19:00:00-07:00'),
    );
  });

  it('rejects a change dated before the case started', () => {
    expect(() => changeSeverity(startClock('C', MONDAY_09), 'A', at('2025-06-16T08:00:00-07:00'))).toThrow(
      SlaClockError,
    );
  });
});

describe('at risk at 75 %', () => {
  it('exports the threshold', () => {
    expect(AT_RISK_FRACTION).toBe(0.75);
  });

  it('puts Sev A at risk 45 minutes in and breached at 60', () => {
    const state = startClock('A', SATURDAY_10);
    expect(atRiskInstant(policy, pacific, state, 'firstResponse', SATURDAY_10)).toBe(
      at('2025-06-14T10:45:00-07:00'),
    );
    const fractionAt = (iso: string) =>
      elapsedFraction(policy, pacific, state, 'firstResponse', at(iso)) ?? NaN;
    expect(standingOf(fractionAt('2025-06-14T10:44:00-07:00'))).toBe('on-track');
    expect(fractionAt('2025-06-14T10:45:00-07:00')).toBe(0.75);
    expect(standingOf(fractionAt('2025-06-14T10:45:00-07:00'))).toBe('at-risk');
    expect(fractionAt('2025-06-14T11:00:00-07:00')).toBe(1);
    expect(standingOf(fractionAt('2025-06-14T11:00:00-07:00'))).toBe('breached');
  });

  it('counts the at-risk share in business hours for Sev B and C', () => {
    // 3 of 4 business hours: Friday 15-17 and Monday 9-10.
    expect(atRiskInstant(policy, pacific, startClock('B', FRIDAY_15), 'firstResponse', FRIDAY_15)).toBe(
      at('2025-06-16T10:00:00-07:00'),
    );
    // 6 of 8 business hours from Monday 09:00.
    expect(atRiskInstant(policy, pacific, startClock('C', MONDAY_09), 'firstResponse', MONDAY_09)).toBe(
      at('2025-06-16T15:00:00-07:00'),
    );
  });

  it('moves the at-risk instant by paused time', () => {
    let state = startClock('C', MONDAY_09);
    state = pauseClock(state, 'requester', at('2025-06-16T10:00:00-07:00'));
    state = resumeClock(state, at('2025-06-16T13:00:00-07:00'));
    // 6 hours counted: 9-10, 13-17 and Tuesday 9-10.
    expect(atRiskInstant(policy, pacific, state, 'firstResponse', at('2025-06-16T13:00:00-07:00'))).toBe(
      at('2025-06-17T10:00:00-07:00'),
    );
  });

  it('classifies the boundaries', () => {
    expect(standingOf(0)).toBe('on-track');
    expect(standingOf(0.7499)).toBe('on-track');
    expect(standingOf(0.75)).toBe('at-risk');
    expect(standingOf(0.9999)).toBe('at-risk');
    expect(standingOf(1)).toBe('breached');
  });
});

describe('resolution', () => {
  it('stops every target and freezes the resolution share', () => {
    let state = recordFirstResponse(startClock('C', MONDAY_09), at('2025-06-16T09:30:00-07:00'));
    state = recordResolution(state, at('2025-06-17T13:00:00-07:00'));
    const later = at('2025-06-20T12:00:00-07:00');
    expect(computeDeadlines(policy, pacific, state, later)).toEqual({
      firstResponseDue: null,
      nextUpdateDue: null,
      resolutionDue: null,
    });
    // Monday 8 h + Tuesday 4 h of 40.
    expect(elapsedFraction(policy, pacific, state, 'resolution', later)).toBe(12 / 40);
  });

  it('ends a pause in progress at the resolution', () => {
    let state = startClock('C', MONDAY_09);
    state = pauseClock(state, 'vendor', at('2025-06-16T10:00:00-07:00'));
    state = recordResolution(state, at('2025-06-16T11:00:00-07:00'));
    expect(state.pause).toBeNull();
    expect(pausedSeconds(state, at('2025-06-20T12:00:00-07:00'))).toEqual({ vendor: 3600 });
    expect(pauseClock(state, 'requester', at('2025-06-16T12:00:00-07:00'))).toBe(state);
  });
});
