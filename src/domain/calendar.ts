import type { z } from 'zod';
import type { businessCalendarSchema, clockModeSchema } from '../schemas/calendar-schema';

/*
 * Business-hours calendar arithmetic.
 *
 * Every instant in and out of this module is an epoch-millisecond number (UTC-based, as from
 * `Date.parse`). Local wall times exist only inside, where they are computed with
 * `Intl.DateTimeFormat` in the calendar's IANA time zone.
 *
 * The module runs inside Temporal workflow code, so it is deterministic by construction: it never
 * reads the current time, never draws random numbers and performs no I/O. The only cached state is
 * one formatter per time zone, which does not influence results.
 */

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const MINUTES_PER_DAY = 24 * 60;

export const TIME_OF_DAY = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
// A day may close at midnight, which is the only moment that needs the hour 24.
export const CLOSING_TIME = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const MONDAY_TO_FRIDAY: readonly number[] = [1, 2, 3, 4, 5];

export function isKnownTimeZone(timeZone: string): boolean {
  try {
    // The formatter is kept: asked again (every case asks on every deadline), the answer is free.
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

export type BusinessCalendar = z.output<typeof businessCalendarSchema>;
export type BusinessCalendarInput = z.input<typeof businessCalendarSchema>;

/**
 * The service states its business hours in Pacific time. Public holidays depend on the customer's
 * agreement with its provider, so none are assumed.
 */
export const DEFAULT_BUSINESS_CALENDAR: BusinessCalendar = {
  timeZone: 'America/Los_Angeles',
  workingDays: [...MONDAY_TO_FRIDAY],
  dayStart: '09:00',
  dayEnd: '17:00',
  holidays: [],
};

export class BusinessCalendarError extends Error {
  override readonly name = 'BusinessCalendarError';
}

// ---------------------------------------------------------------------------------------------
// Civil-date arithmetic. Days are counted from 1970-01-01 so they combine with epoch milliseconds.

function floorMod(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const marchBasedYear = month <= 2 ? year - 1 : year;
  const era = Math.floor(marchBasedYear / 400);
  const yearOfEra = marchBasedYear - era * 400;
  const marchBasedMonth = (month + 9) % 12;
  const dayOfYear = Math.floor((153 * marchBasedMonth + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** 1970-01-01 was a Thursday (ISO weekday 4). */
function isoWeekdayOfDay(dayNumber: number): number {
  return floorMod(dayNumber + 3, 7) + 1;
}

function daysInMonth(year: number, month: number): number {
  return daysFromCivil(month === 12 ? year + 1 : year, (month % 12) + 1, 1) - daysFromCivil(year, month, 1);
}

function dayNumberOfLocalDate(isoDate: string): number {
  const match = LOCAL_DATE.exec(isoDate);
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  if (!match || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new BusinessCalendarError(`holiday '${isoDate}' is not a valid YYYY-MM-DD date`);
  }
  return daysFromCivil(year, month, day);
}

function minutesOfDay(time: string, pattern: RegExp, field: string): number {
  if (!pattern.test(time)) throw new BusinessCalendarError(`${field} '${time}' is not a valid HH:MM time`);
  const [hours, minutes] = time.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Time-zone arithmetic. "Local ms" is a wall-clock reading expressed as if it were UTC epoch ms.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * UTC offsets by time zone and hour (epoch hours), for hours with one offset throughout. Formatting
 * a date in a time zone is slow and deadlines ask for many, mostly in the same few hours; the
 * offsets are facts of the time-zone database, so remembering them changes no result.
 */
const hourOffsets = new Map<string, number>();
const MAX_REMEMBERED_HOURS = 2_000;

function localMsOf(timeZone: string, epochMs: number): number {
  const hour = Math.floor(epochMs / HOUR_MS);
  const key = `${timeZone}@${hour}`;
  let offset = hourOffsets.get(key);
  if (offset === undefined) {
    const start = hour * HOUR_MS;
    const end = start + HOUR_MS - SECOND_MS;
    const atStart = formattedLocalMsOf(timeZone, start) - start;
    // A transition inside the hour: this instant's own reading.
    if (formattedLocalMsOf(timeZone, end) - end !== atStart) return formattedLocalMsOf(timeZone, epochMs);
    if (hourOffsets.size >= MAX_REMEMBERED_HOURS) hourOffsets.clear();
    hourOffsets.set(key, atStart);
    offset = atStart;
  }
  return epochMs + offset;
}

function formattedLocalMsOf(timeZone: string, epochMs: number): number {
  const wholeSecondMs = epochMs - floorMod(epochMs, SECOND_MS);
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(wholeSecondMs)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  // Some engines still print midnight as hour 24 despite hourCycle h23.
  const hour = (fields.hour ?? 0) % 24;
  const dayNumber = daysFromCivil(fields.year ?? 1970, fields.month ?? 1, fields.day ?? 1);
  return (
    dayNumber * DAY_MS +
    hour * HOUR_MS +
    (fields.minute ?? 0) * MINUTE_MS +
    (fields.second ?? 0) * SECOND_MS +
    (epochMs - wholeSecondMs)
  );
}

function utcOffsetMsAt(timeZone: string, epochMs: number): number {
  return localMsOf(timeZone, epochMs) - epochMs;
}

/**
 * Converts a local wall time to an instant. Like Temporal's 'compatible' disambiguation, a wall
 * time repeated by a fall-back transition maps to its first occurrence, and one skipped by a
 * spring-forward transition is pushed forward by the length of the gap (02:30 becomes 03:30).
 */
function epochMsOfLocal(timeZone: string, localMs: number): number {
  // Offsets a day either side bracket any single transition near this wall time.
  const offsetBefore = utcOffsetMsAt(timeZone, localMs - DAY_MS);
  const offsetAfter = utcOffsetMsAt(timeZone, localMs + DAY_MS);
  const withOffsetBefore = localMs - offsetBefore;
  if (offsetBefore === offsetAfter) return withOffsetBefore;

  const withOffsetAfter = localMs - offsetAfter;
  const beforeIsReal = utcOffsetMsAt(timeZone, withOffsetBefore) === offsetBefore;
  const afterIsReal = utcOffsetMsAt(timeZone, withOffsetAfter) === offsetAfter;
  if (beforeIsReal && afterIsReal) return Math.min(withOffsetBefore, withOffsetAfter);
  if (afterIsReal) return withOffsetAfter;
  return withOffsetBefore;
}

function localDayNumberOf(timeZone: string, epochMs: number): number {
  return Math.floor(localMsOf(timeZone, epochMs) / DAY_MS);
}

// ---------------------------------------------------------------------------------------------
// Business windows: the [open, close) interval of one working day.

interface CompiledCalendar {
  readonly timeZone: string;
  readonly workingDays: ReadonlySet<number>;
  readonly openMinute: number;
  readonly closeMinute: number;
  readonly holidays: ReadonlySet<number>;
  /** Each holiday removes at most one working day from a week that has at least one. */
  readonly maxDaysWithoutWindow: number;
}

interface BusinessWindow {
  readonly openMs: number;
  readonly closeMs: number;
}

function compileCalendar(cal: BusinessCalendar): CompiledCalendar {
  const workingDays = new Set(cal.workingDays.filter((day) => Number.isInteger(day) && day >= 1 && day <= 7));
  if (workingDays.size === 0) {
    throw new BusinessCalendarError('business calendar has no working days, so business time never passes');
  }
  if (!isKnownTimeZone(cal.timeZone)) {
    throw new BusinessCalendarError(`unknown IANA time zone '${cal.timeZone}'`);
  }
  const openMinute = minutesOfDay(cal.dayStart, TIME_OF_DAY, 'dayStart');
  const closeMinute = minutesOfDay(cal.dayEnd, CLOSING_TIME, 'dayEnd');
  if (closeMinute <= openMinute || closeMinute > MINUTES_PER_DAY) {
    throw new BusinessCalendarError(`dayEnd ${cal.dayEnd} must be later than dayStart ${cal.dayStart}`);
  }
  const holidays = new Set(cal.holidays.map(dayNumberOfLocalDate));
  return {
    timeZone: cal.timeZone,
    workingDays,
    openMinute,
    closeMinute,
    holidays,
    maxDaysWithoutWindow: 7 * (holidays.size + 2),
  };
}

function isWorkingDay(cal: CompiledCalendar, dayNumber: number): boolean {
  return cal.workingDays.has(isoWeekdayOfDay(dayNumber)) && !cal.holidays.has(dayNumber);
}

function windowOnDay(cal: CompiledCalendar, dayNumber: number): BusinessWindow | null {
  if (!isWorkingDay(cal, dayNumber)) return null;
  const midnightLocalMs = dayNumber * DAY_MS;
  return {
    openMs: epochMsOfLocal(cal.timeZone, midnightLocalMs + cal.openMinute * MINUTE_MS),
    closeMs: epochMsOfLocal(cal.timeZone, midnightLocalMs + cal.closeMinute * MINUTE_MS),
  };
}

/** Business windows at or after `fromMs` in order; the first is clipped to start at `fromMs`. */
function* businessWindowsFrom(cal: CompiledCalendar, fromMs: number): Generator<BusinessWindow> {
  let daysWithoutWindow = 0;
  for (let day = localDayNumberOf(cal.timeZone, fromMs); ; day += 1) {
    const window = windowOnDay(cal, day);
    // A window can be empty when its opening falls into a spring-forward gap.
    if (window && window.closeMs > fromMs && window.closeMs > window.openMs) {
      daysWithoutWindow = 0;
      yield { openMs: Math.max(window.openMs, fromMs), closeMs: window.closeMs };
    } else if (++daysWithoutWindow > cal.maxDaysWithoutWindow) {
      throw new BusinessCalendarError(`no business hours within ${daysWithoutWindow} days of ${fromMs}`);
    }
  }
}

function assertInstant(value: number, name: string): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite epoch-ms number, got ${value}`);
}

function assertDuration(durationMs: number): void {
  if (!Number.isFinite(durationMs) || durationMs < 0) {
    throw new RangeError(`durationMs must be a finite, non-negative number, got ${durationMs}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Public business-time API. Business hours are half-open: open at dayStart, closed at dayEnd.

export function isBusinessTime(cal: BusinessCalendar, atMs: number): boolean {
  assertInstant(atMs, 'atMs');
  const compiled = compileCalendar(cal);
  const window = windowOnDay(compiled, localDayNumberOf(compiled.timeZone, atMs));
  return window !== null && window.openMs <= atMs && atMs < window.closeMs;
}

/** The earliest business instant at or after `atMs` (so `atMs` itself during business hours). */
export function nextBusinessOpening(cal: BusinessCalendar, atMs: number): number {
  assertInstant(atMs, 'atMs');
  for (const window of businessWindowsFrom(compileCalendar(cal), atMs)) return window.openMs;
  throw new BusinessCalendarError('business windows ended unexpectedly');
}

/**
 * The earliest instant by which `durationMs` of business time has elapsed since `startMs`. Counting
 * starts at the next opening when `startMs` is outside business hours, and a duration that ends
 * exactly at closing time yields the closing instant, not the next day's opening.
 */
export function addBusinessTime(cal: BusinessCalendar, startMs: number, durationMs: number): number {
  assertInstant(startMs, 'startMs');
  assertDuration(durationMs);
  const compiled = compileCalendar(cal);
  if (durationMs === 0) return startMs;
  let remainingMs = durationMs;
  for (const window of businessWindowsFrom(compiled, startMs)) {
    const availableMs = window.closeMs - window.openMs;
    if (remainingMs <= availableMs) return window.openMs + remainingMs;
    remainingMs -= availableMs;
  }
  throw new BusinessCalendarError('business windows ended unexpectedly');
}

/** Business milliseconds within [fromMs, toMs); zero when the interval is empty or reversed. */
export function businessTimeBetween(cal: BusinessCalendar, fromMs: number, toMs: number): number {
  assertInstant(fromMs, 'fromMs');
  assertInstant(toMs, 'toMs');
  const compiled = compileCalendar(cal);
  if (toMs <= fromMs) return 0;
  let totalMs = 0;
  for (const window of businessWindowsFrom(compiled, fromMs)) {
    if (window.openMs >= toMs) break;
    totalMs += Math.min(window.closeMs, toMs) - window.openMs;
  }
  return totalMs;
}

// ---------------------------------------------------------------------------------------------
// Clock modes: which hours an SLA clock counts.

export const CLOCK_MODES = ['24x7', 'business-hours'] as const;
export type ClockMode = z.infer<typeof clockModeSchema>;

/** Like {@link addBusinessTime}, but in '24x7' mode every millisecond counts. */
export function addClockTime(
  mode: ClockMode,
  cal: BusinessCalendar,
  startMs: number,
  durationMs: number,
): number {
  if (mode === 'business-hours') return addBusinessTime(cal, startMs, durationMs);
  assertInstant(startMs, 'startMs');
  assertDuration(durationMs);
  return startMs + durationMs;
}

/** Like {@link businessTimeBetween}, but in '24x7' mode every millisecond counts. */
export function clockTimeBetween(
  mode: ClockMode,
  cal: BusinessCalendar,
  fromMs: number,
  toMs: number,
): number {
  if (mode === 'business-hours') return businessTimeBetween(cal, fromMs, toMs);
  assertInstant(fromMs, 'fromMs');
  assertInstant(toMs, 'toMs');
  return Math.max(0, toMs - fromMs);
}
