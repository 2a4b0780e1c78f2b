import { z } from 'zod';
import {
  CLOCK_MODES,
  CLOSING_TIME,
  isKnownTimeZone,
  MONDAY_TO_FRIDAY,
  TIME_OF_DAY,
} from '../domain/calendar';

/*
 * Validation of calendars and clock modes, for the edges (configuration, API). Workflow code
 * imports the calendar's types only, so zod stays out of the workflow bundle.
 */

export const businessCalendarSchema = z
  .object({
    timeZone: z.string().refine(isKnownTimeZone, { message: 'unknown IANA time zone' }),
    /** ISO weekdays: 1 = Monday … 7 = Sunday. */
    workingDays: z
      .array(z.int().min(1).max(7))
      .min(1, 'a business calendar needs at least one working day')
      .default([...MONDAY_TO_FRIDAY]),
    dayStart: z.string().regex(TIME_OF_DAY, 'expected HH:MM between 00:00 and 23:59').default('09:00'),
    dayEnd: z.string().regex(CLOSING_TIME, 'expected HH:MM between 00:00 and 24:00').default('17:00'),
    /** Local dates ('YYYY-MM-DD') in the calendar's time zone on which nobody works. */
    holidays: z.array(z.iso.date()).default([]),
  })
  .refine((cal) => cal.dayStart < cal.dayEnd, {
    message: 'dayEnd must be later than dayStart',
    path: ['dayEnd'],
  });

export const clockModeSchema = z.enum(CLOCK_MODES);
