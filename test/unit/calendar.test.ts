import { describe, expect, it } from 'vitest';
import {
  addBusinessTime,
  addClockTime,
  BusinessCalendarError,
  businessTimeBetween,
  clockTimeBetween,
  DEFAULT_BUSINESS_CALENDAR,
  isBusinessTime,
  nextBusinessOpening,
  type BusinessCalendar,
} from '../../src/domain/calendar';
import { businessCalendarSchema } from '../../src/schemas/calendar-schema';

// Every expected instant below is written by hand as local time with its UTC offset
// (Pacific: -08:00 PST / -07:00 PDT; Stockholm: +01:00 CET / +02:00 CEST).
const at = (iso: string): number => Date.parse(iso);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const pacific = DEFAULT_BUSINESS_CALENDAR;
const stockholm: BusinessCalendar = { ...DEFAULT_BUSINESS_CALENDAR, timeZone: 'Europe/Stockholm' };
const everyDay = (cal: BusinessCalendar): BusinessCalendar => ({
  ...cal,
  workingDays: [1, 2, 3, 4, 5, 6, 7],
});
const withHolidays = (cal: BusinessCalendar, ...holidays: string[]): BusinessCalendar => ({
  ...cal,
  holidays,
});

describe('businessCalendarSchema', () => {
  it('fills in Monday to Friday, 09:00 to 17:00 and no holidays', () => {
    expect(businessCalendarSchema.parse({ timeZone: 'Europe/Stockholm' })).toEqual({
      timeZone: 'Europe/Stockholm',
      workingDays: [1, 2, 3, 4, 5],
      dayStart: '09:00',
      dayEnd: '17:00',
      holidays: [],
    });
  });

  it('accepts the default calendar, which runs on Pacific time', () => {
    expect(businessCalendarSchema.parse(DEFAULT_BUSINESS_CALENDAR)).toEqual(DEFAULT_BUSINESS_CALENDAR);
    expect(DEFAULT_BUSINESS_CALENDAR.timeZone).toBe('America/Los_Angeles');
  });

  it('accepts a day that closes at midnight', () => {
    expect(businessCalendarSchema.safeParse({ timeZone: 'UTC', dayEnd: '24:00' }).success).toBe(true);
  });

  it.each([
    ['an unknown time zone', { timeZone: 'Mars/Olympus_Mons' }],
    ['no working days', { timeZone: 'UTC', workingDays: [] }],
    ['weekday 0', { timeZone: 'UTC', workingDays: [0, 1] }],
    ['weekday 8', { timeZone: 'UTC', workingDays: [8] }],
    ['a closing time before the opening', { timeZone: 'UTC', dayStart: '17:00', dayEnd: '09:00' }],
    ['equal opening and closing', { timeZone: 'UTC', dayStart: '09:00', dayEnd: '09:00' }],
    ['a malformed time', { timeZone: 'UTC', dayStart: '9:00' }],
    ['an impossible holiday', { timeZone: 'UTC', holidays: ['2025-02-30'] }],
    ['a holiday in another format', { timeZone: 'UTC', holidays: ['12/25/2025'] }],
  ])('rejects %s', (_label, input) => {
    expect(businessCalendarSchema.safeParse(input).success).toBe(false);
  });
});

describe('isBusinessTime', () => {
  it('is open from 09:00 inclusive to 17:00 exclusive on a weekday', () => {
    expect(isBusinessTime(pacific, at('2025-06-16T08:59:59.999-07:00'))).toBe(false);
    expect(isBusinessTime(pacific, at('2025-06-16T09:00:00-07:00'))).toBe(true);
    expect(isBusinessTime(pacific, at('2025-06-16T16:59:59.999-07:00'))).toBe(true);
    expect(isBusinessTime(pacific, at('2025-06-16T17:00:00-07:00'))).toBe(false);
  });

  it('is closed on Saturday and Sunday', () => {
    expect(isBusinessTime(pacific, at('2025-06-14T12:00:00-07:00'))).toBe(false);
    expect(isBusinessTime(pacific, at('2025-06-15T12:00:00-07:00'))).toBe(false);
  });

  it('judges the weekday in the calendar time zone, not in UTC', () => {
    // Friday 16:30 Pacific is already Saturday in UTC.
    expect(isBusinessTime(pacific, at('2025-06-13T16:30:00-07:00'))).toBe(true);
    // Monday 08:30 in Stockholm is still Monday 06:30 UTC; Sunday 23:30 UTC is Monday 01:30 local.
    expect(isBusinessTime(stockholm, at('2025-06-16T09:30:00+02:00'))).toBe(true);
    expect(isBusinessTime(stockholm, at('2025-06-15T23:30:00Z'))).toBe(false);
  });

  it('is closed on a holiday, which is a local date', () => {
    const christmas = withHolidays(pacific, '2025-12-25');
    expect(isBusinessTime(christmas, at('2025-12-25T10:00:00-08:00'))).toBe(false);
    expect(isBusinessTime(christmas, at('2025-12-24T10:00:00-08:00'))).toBe(true);
    // 16:30 on Christmas Eve in Pacific time is already the 25th in UTC.
    expect(isBusinessTime(christmas, at('2025-12-24T16:30:00-08:00'))).toBe(true);

    const nationalDay = withHolidays(stockholm, '2025-06-06');
    expect(isBusinessTime(nationalDay, at('2025-06-06T09:30:00+02:00'))).toBe(false);
    expect(isBusinessTime(nationalDay, at('2025-06-05T16:30:00+02:00'))).toBe(true);
  });

  it('honours custom working days and hours', () => {
    const saturdayMornings: BusinessCalendar = {
      ...pacific,
      workingDays: [6],
      dayStart: '08:00',
      dayEnd: '12:00',
    };
    expect(isBusinessTime(saturdayMornings, at('2025-06-14T08:00:00-07:00'))).toBe(true);
    expect(isBusinessTime(saturdayMornings, at('2025-06-14T12:00:00-07:00'))).toBe(false);
    expect(isBusinessTime(saturdayMornings, at('2025-06-16T10:00:00-07:00'))).toBe(false);
  });

  it('stays open until midnight when the day ends at 24:00', () => {
    const lateShift: BusinessCalendar = { ...pacific, dayStart: '18:00', dayEnd: '24:00' };
    expect(isBusinessTime(lateShift, at('2025-06-16T23:59:59-07:00'))).toBe(true);
    expect(isBusinessTime(lateShift, at('2025-06-17T00:00:00-07:00'))).toBe(false);
    expect(
      businessTimeBetween(lateShift, at('2025-06-16T00:00:00-07:00'), at('2025-06-17T12:00:00-07:00')),
    ).toBe(6 * HOUR);
  });
});

describe('nextBusinessOpening', () => {
  it('returns the instant itself during business hours', () => {
    expect(nextBusinessOpening(pacific, at('2025-06-16T11:22:33.444-07:00'))).toBe(
      at('2025-06-16T11:22:33.444-07:00'),
    );
  });

  it('returns the same morning before opening', () => {
    expect(nextBusinessOpening(pacific, at('2025-06-16T07:30:00-07:00'))).toBe(
      at('2025-06-16T09:00:00-07:00'),
    );
  });

  it('returns the next morning at closing time', () => {
    expect(nextBusinessOpening(pacific, at('2025-06-16T17:00:00-07:00'))).toBe(
      at('2025-06-17T09:00:00-07:00'),
    );
  });

  it('skips the weekend', () => {
    expect(nextBusinessOpening(pacific, at('2025-06-13T18:00:00-07:00'))).toBe(
      at('2025-06-16T09:00:00-07:00'),
    );
    expect(nextBusinessOpening(pacific, at('2025-06-14T12:00:00-07:00'))).toBe(
      at('2025-06-16T09:00:00-07:00'),
    );
  });

  it('skips holidays next to a weekend', () => {
    const holidays = withHolidays(pacific, '2025-12-25', '2025-12-26');
    expect(nextBusinessOpening(holidays, at('2025-12-24T17:30:00-08:00'))).toBe(
      at('2025-12-29T09:00:00-08:00'),
    );
  });

  it('finds a sparse calendar whose next working days are all holidays', () => {
    const wednesdaysOnly: BusinessCalendar = {
      ...pacific,
      workingDays: [3],
      holidays: ['2025-06-04', '2025-06-11', '2025-06-18'],
    };
    expect(nextBusinessOpening(wednesdaysOnly, at('2025-06-02T10:00:00-07:00'))).toBe(
      at('2025-06-25T09:00:00-07:00'),
    );
  });
});

describe('addBusinessTime', () => {
  it('adds within one business day', () => {
    expect(addBusinessTime(pacific, at('2025-06-16T10:00:00-07:00'), 3 * HOUR)).toBe(
      at('2025-06-16T13:00:00-07:00'),
    );
  });

  it('lands on the closing instant when the time runs out exactly at 17:00', () => {
    expect(addBusinessTime(pacific, at('2025-06-16T16:30:00-07:00'), 30 * MINUTE)).toBe(
      at('2025-06-16T17:00:00-07:00'),
    );
  });

  it('carries the remainder into the next morning', () => {
    expect(addBusinessTime(pacific, at('2025-06-16T16:00:00-07:00'), 2 * HOUR)).toBe(
      at('2025-06-17T10:00:00-07:00'),
    );
  });

  it('keeps sub-second precision across the night', () => {
    expect(addBusinessTime(pacific, at('2025-06-16T16:59:59.500-07:00'), 1_000)).toBe(
      at('2025-06-17T09:00:00.500-07:00'),
    );
  });

  it('starts counting at the next opening when started outside business hours', () => {
    expect(addBusinessTime(pacific, at('2025-06-16T06:00:00-07:00'), HOUR)).toBe(
      at('2025-06-16T10:00:00-07:00'),
    );
    expect(addBusinessTime(pacific, at('2025-06-16T17:00:00-07:00'), HOUR)).toBe(
      at('2025-06-17T10:00:00-07:00'),
    );
    expect(addBusinessTime(pacific, at('2025-06-14T11:00:00-07:00'), HOUR)).toBe(
      at('2025-06-16T10:00:00-07:00'),
    );
  });

  it('moves a Sev B 12-hour update cadence from Friday 15:00 to Tuesday 11:00', () => {
    // Friday 15-17 (2 h) + Monday 9-17 (8 h) + Tuesday 9-11 (2 h).
    expect(addBusinessTime(pacific, at('2025-06-13T15:00:00-07:00'), 12 * HOUR)).toBe(
      at('2025-06-17T11:00:00-07:00'),
    );
  });

  it('skips a holiday', () => {
    const christmas = withHolidays(pacific, '2025-12-25');
    // Wednesday 16-17 (1 h), Thursday is Christmas, Friday 9-10 (1 h).
    expect(addBusinessTime(christmas, at('2025-12-24T16:00:00-08:00'), 2 * HOUR)).toBe(
      at('2025-12-26T10:00:00-08:00'),
    );
  });

  it('spans weeks', () => {
    // Ten working days of 8 hours from Monday 2 June end on Friday 13 June at closing time.
    expect(addBusinessTime(pacific, at('2025-06-02T09:00:00-07:00'), 80 * HOUR)).toBe(
      at('2025-06-13T17:00:00-07:00'),
    );
    // Twenty working days end on Friday 27 June.
    expect(addBusinessTime(pacific, at('2025-06-02T09:00:00-07:00'), 160 * HOUR)).toBe(
      at('2025-06-27T17:00:00-07:00'),
    );
    // With Wednesday 4 June off, the tenth working day is Monday 16 June.
    expect(
      addBusinessTime(withHolidays(pacific, '2025-06-04'), at('2025-06-02T09:00:00-07:00'), 80 * HOUR),
    ).toBe(at('2025-06-16T17:00:00-07:00'));
  });

  it('returns the start itself for a zero duration', () => {
    expect(addBusinessTime(pacific, at('2025-06-14T11:00:00-07:00'), 0)).toBe(
      at('2025-06-14T11:00:00-07:00'),
    );
  });

  it('rejects a negative or non-finite duration', () => {
    expect(() => addBusinessTime(pacific, at('2025-06-16T10:00:00-07:00'), -1)).toThrow(RangeError);
    expect(() => addBusinessTime(pacific, at('2025-06-16T10:00:00-07:00'), Infinity)).toThrow(RangeError);
    expect(() => addBusinessTime(pacific, NaN, HOUR)).toThrow(RangeError);
  });
});

describe('businessTimeBetween', () => {
  it('measures within a day', () => {
    expect(
      businessTimeBetween(pacific, at('2025-06-16T08:00:00-07:00'), at('2025-06-16T10:30:00-07:00')),
    ).toBe(1.5 * HOUR);
  });

  it('measures across a weekend', () => {
    expect(
      businessTimeBetween(pacific, at('2025-06-13T15:00:00-07:00'), at('2025-06-17T11:00:00-07:00')),
    ).toBe(12 * HOUR);
  });

  it('is zero inside a weekend, for an empty interval and for a reversed one', () => {
    expect(
      businessTimeBetween(pacific, at('2025-06-13T17:00:00-07:00'), at('2025-06-16T09:00:00-07:00')),
    ).toBe(0);
    expect(
      businessTimeBetween(pacific, at('2025-06-16T10:00:00-07:00'), at('2025-06-16T10:00:00-07:00')),
    ).toBe(0);
    expect(
      businessTimeBetween(pacific, at('2025-06-16T12:00:00-07:00'), at('2025-06-16T10:00:00-07:00')),
    ).toBe(0);
  });

  it('measures two weeks, minus a holiday', () => {
    const from = at('2025-06-02T00:00:00-07:00');
    const to = at('2025-06-16T00:00:00-07:00');
    expect(businessTimeBetween(pacific, from, to)).toBe(80 * HOUR);
    expect(businessTimeBetween(withHolidays(pacific, '2025-06-04'), from, to)).toBe(72 * HOUR);
  });

  it('measures a whole leap year of 262 weekdays across both DST changes', () => {
    expect(
      businessTimeBetween(pacific, at('2024-01-01T00:00:00-08:00'), at('2025-01-01T00:00:00-08:00')),
    ).toBe(262 * 8 * HOUR);
  });
});

describe('daylight saving time in America/Los_Angeles', () => {
  const pacificEveryDay = everyDay(pacific);

  it('opens at 09:00 PDT on the spring-forward Sunday, which has 8 business hours in 23', () => {
    expect(isBusinessTime(pacificEveryDay, at('2025-03-09T08:59:00-07:00'))).toBe(false);
    expect(isBusinessTime(pacificEveryDay, at('2025-03-09T09:00:00-07:00'))).toBe(true);
    expect(isBusinessTime(pacificEveryDay, at('2025-03-09T16:59:00-07:00'))).toBe(true);
    expect(isBusinessTime(pacificEveryDay, at('2025-03-09T17:00:00-07:00'))).toBe(false);
    expect(nextBusinessOpening(pacificEveryDay, at('2025-03-09T01:00:00-08:00'))).toBe(
      at('2025-03-09T09:00:00-07:00'),
    );
    expect(
      businessTimeBetween(pacificEveryDay, at('2025-03-09T00:00:00-08:00'), at('2025-03-10T00:00:00-07:00')),
    ).toBe(8 * HOUR);
  });

  it('opens at 09:00 PST on the fall-back Sunday, which has 8 business hours in 25', () => {
    expect(isBusinessTime(pacificEveryDay, at('2025-11-02T08:30:00-08:00'))).toBe(false);
    expect(isBusinessTime(pacificEveryDay, at('2025-11-02T09:00:00-08:00'))).toBe(true);
    expect(isBusinessTime(pacificEveryDay, at('2025-11-02T17:00:00-08:00'))).toBe(false);
    expect(
      businessTimeBetween(pacificEveryDay, at('2025-11-02T00:00:00-07:00'), at('2025-11-03T00:00:00-08:00')),
    ).toBe(8 * HOUR);
    expect(addBusinessTime(pacificEveryDay, at('2025-11-01T16:00:00-07:00'), 2 * HOUR)).toBe(
      at('2025-11-02T10:00:00-08:00'),
    );
  });

  it('carries business time across the spring-forward weekend', () => {
    expect(addBusinessTime(pacific, at('2025-03-07T15:00:00-08:00'), 12 * HOUR)).toBe(
      at('2025-03-11T11:00:00-07:00'),
    );
  });

  it('carries business time across the fall-back weekend', () => {
    expect(addBusinessTime(pacific, at('2025-10-31T16:00:00-07:00'), 2 * HOUR)).toBe(
      at('2025-11-03T10:00:00-08:00'),
    );
    expect(
      businessTimeBetween(pacific, at('2025-10-31T09:00:00-07:00'), at('2025-11-03T17:00:00-08:00')),
    ).toBe(16 * HOUR);
  });

  it('moves an opening that falls into the skipped hour forward by the gap', () => {
    const smallHours: BusinessCalendar = { ...pacificEveryDay, dayStart: '02:30', dayEnd: '04:00' };
    // 02:30 does not exist on 9 March; it becomes 03:30 PDT, leaving 30 minutes until 04:00.
    expect(nextBusinessOpening(smallHours, at('2025-03-09T00:00:00-08:00'))).toBe(
      at('2025-03-09T03:30:00-07:00'),
    );
    expect(
      businessTimeBetween(smallHours, at('2025-03-09T00:00:00-08:00'), at('2025-03-10T00:00:00-07:00')),
    ).toBe(30 * MINUTE);
  });

  it('opens at the first of two repeated wall times on the fall-back night', () => {
    const smallHours: BusinessCalendar = { ...pacificEveryDay, dayStart: '01:30', dayEnd: '03:00' };
    // 01:30 happens twice on 2 November; the PDT one counts, and 03:00 PST is 2.5 real hours later.
    expect(nextBusinessOpening(smallHours, at('2025-11-02T00:00:00-07:00'))).toBe(
      at('2025-11-02T01:30:00-07:00'),
    );
    expect(
      businessTimeBetween(smallHours, at('2025-11-02T00:00:00-07:00'), at('2025-11-03T00:00:00-08:00')),
    ).toBe(2.5 * HOUR);
  });
});

describe('daylight saving time in Europe/Stockholm', () => {
  const stockholmEveryDay = everyDay(stockholm);

  it('opens at 09:00 CEST on the spring-forward Sunday, which has 8 business hours in 23', () => {
    expect(isBusinessTime(stockholmEveryDay, at('2025-03-30T08:30:00+02:00'))).toBe(false);
    expect(isBusinessTime(stockholmEveryDay, at('2025-03-30T09:00:00+02:00'))).toBe(true);
    expect(isBusinessTime(stockholmEveryDay, at('2025-03-30T17:00:00+02:00'))).toBe(false);
    expect(
      businessTimeBetween(
        stockholmEveryDay,
        at('2025-03-30T00:00:00+01:00'),
        at('2025-03-31T00:00:00+02:00'),
      ),
    ).toBe(8 * HOUR);
  });

  it('opens at 09:00 CET on the fall-back Sunday, which has 8 business hours in 25', () => {
    expect(isBusinessTime(stockholmEveryDay, at('2025-10-26T08:30:00+01:00'))).toBe(false);
    expect(isBusinessTime(stockholmEveryDay, at('2025-10-26T09:00:00+01:00'))).toBe(true);
    expect(isBusinessTime(stockholmEveryDay, at('2025-10-26T16:30:00+01:00'))).toBe(true);
    expect(isBusinessTime(stockholmEveryDay, at('2025-10-26T17:00:00+01:00'))).toBe(false);
    expect(
      businessTimeBetween(
        stockholmEveryDay,
        at('2025-10-26T00:00:00+02:00'),
        at('2025-10-27T00:00:00+01:00'),
      ),
    ).toBe(8 * HOUR);
  });

  it('carries business time across both DST weekends', () => {
    expect(addBusinessTime(stockholm, at('2025-03-28T16:00:00+01:00'), 2 * HOUR)).toBe(
      at('2025-03-31T10:00:00+02:00'),
    );
    expect(addBusinessTime(stockholm, at('2025-10-24T16:00:00+02:00'), 2 * HOUR)).toBe(
      at('2025-10-27T10:00:00+01:00'),
    );
  });
});

describe('a calendar without working days', () => {
  const closed: BusinessCalendar = { ...pacific, workingDays: [] };
  const monday = at('2025-06-16T10:00:00-07:00');

  it('is refused with a clear error instead of looping forever', () => {
    expect(() => addBusinessTime(closed, monday, HOUR)).toThrow(BusinessCalendarError);
    expect(() => addBusinessTime(closed, monday, HOUR)).toThrow(/no working days/);
    expect(() => nextBusinessOpening(closed, monday)).toThrow(/no working days/);
    expect(() => businessTimeBetween(closed, monday, monday + HOUR)).toThrow(/no working days/);
    expect(() => isBusinessTime(closed, monday)).toThrow(/no working days/);
  });

  it('refuses other unusable calendars too', () => {
    expect(() => isBusinessTime({ ...pacific, timeZone: 'Nowhere/Atlantis' }, monday)).toThrow(/time zone/);
    expect(() => isBusinessTime({ ...pacific, dayStart: '17:00', dayEnd: '09:00' }, monday)).toThrow(
      /later than/,
    );
    expect(() => isBusinessTime({ ...pacific, holidays: ['2025-13-01'] }, monday)).toThrow(/holiday/);
  });
});

describe('clock modes', () => {
  const fridayAfternoon = at('2025-06-13T15:00:00-07:00');

  it('adds wall-clock time in 24x7 mode and business time in business-hours mode', () => {
    expect(addClockTime('24x7', pacific, fridayAfternoon, 12 * HOUR)).toBe(at('2025-06-14T03:00:00-07:00'));
    expect(addClockTime('business-hours', pacific, fridayAfternoon, 12 * HOUR)).toBe(
      at('2025-06-17T11:00:00-07:00'),
    );
  });

  it('measures wall-clock time in 24x7 mode and business time in business-hours mode', () => {
    const tuesdayMorning = at('2025-06-17T11:00:00-07:00');
    expect(clockTimeBetween('24x7', pacific, fridayAfternoon, tuesdayMorning)).toBe(92 * HOUR);
    expect(clockTimeBetween('business-hours', pacific, fridayAfternoon, tuesdayMorning)).toBe(12 * HOUR);
    expect(clockTimeBetween('24x7', pacific, tuesdayMorning, fridayAfternoon)).toBe(0);
  });

  it('counts the real length of a DST day in 24x7 mode', () => {
    expect(
      clockTimeBetween('24x7', pacific, at('2025-03-08T12:00:00-08:00'), at('2025-03-09T12:00:00-07:00')),
    ).toBe(23 * HOUR);
  });
});
