import { describe, expect, it } from 'vitest';
import { casePolicyFrom, ConfigError, loadConfig } from '../../src/config';
import { DEFAULT_CASE_POLICY } from '../../src/domain/case-policy';
import { casePolicySchema } from '../../src/schemas/case-policy-schema';
import { DEFAULT_ELEVATION_POLICY } from '../../src/domain/elevation';
import { elevationPolicySchema } from '../../src/schemas/elevation-schema';

/** The service's severity table (DOMAIN.md) with our resolution defaults, written out by hand. */
const SERVICE_SLA = {
  A: {
    firstResponseMinutes: 60,
    updateCadenceMinutes: 60,
    resolutionMinutes: 480,
    hours: '24x7',
    twentyFourSevenOnRequest: false,
  },
  B: {
    firstResponseMinutes: 240,
    updateCadenceMinutes: 720,
    resolutionMinutes: 1440,
    hours: 'business-hours',
    twentyFourSevenOnRequest: true,
  },
  C: {
    firstResponseMinutes: 480,
    updateCadenceMinutes: 1440,
    resolutionMinutes: 2400,
    hours: 'business-hours',
    twentyFourSevenOnRequest: false,
  },
};

const PACIFIC_OFFICE_HOURS = {
  timeZone: 'America/Los_Angeles',
  workingDays: [1, 2, 3, 4, 5],
  dayStart: '09:00',
  dayEnd: '17:00',
  holidays: [],
};

const policyFromEnv = (env: Record<string, string>) => casePolicyFrom(loadConfig(env));

/** The ConfigError message of a bad environment, or a failure naming what was thrown instead. */
function configErrorOf(env: Record<string, string>): string {
  try {
    policyFromEnv(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw new Error(`expected a ConfigError, got ${(err as Error).name}: ${(err as Error).message}`);
  }
  throw new Error('expected a ConfigError, but the configuration was accepted');
}

describe('casePolicySchema', () => {
  it('defaults to 48 h unresponsive close, a reminder 24 h before it, 120 min Sev A engagement, 120 h auto-close', () => {
    const policy = casePolicySchema.parse({});
    expect(policy).toMatchObject({
      version: '1',
      unresponsiveCloseHours: 48,
      infoReminderBeforeCloseHours: 24,
      sevAEngagementMinutes: 120,
      autoCloseAfterResolutionHours: 120,
      continueAsNewAfterEvents: 10_000,
      continueAsNewAfterActions: 200,
      continueAsNewAfterBytes: 256 * 1024,
    });
  });

  it("defaults to the service's SLA table and a 09:00-17:00 Pacific Monday-to-Friday calendar", () => {
    const policy = casePolicySchema.parse({});
    expect(policy.sla).toEqual(SERVICE_SLA);
    expect(policy.calendar).toEqual(PACIFIC_OFFICE_HOURS);
  });

  it('DEFAULT_CASE_POLICY holds those defaults', () => {
    expect(DEFAULT_CASE_POLICY).toMatchObject({
      version: '1',
      sla: SERVICE_SLA,
      calendar: PACIFIC_OFFICE_HOURS,
      unresponsiveCloseHours: 48,
      infoReminderBeforeCloseHours: 24,
      sevAEngagementMinutes: 120,
      autoCloseAfterResolutionHours: 120,
    });
  });

  it('keeps explicit values', () => {
    const policy = casePolicySchema.parse({
      version: '2026-11',
      unresponsiveCloseHours: 72,
      infoReminderBeforeCloseHours: 12,
      sevAEngagementMinutes: 30,
      autoCloseAfterResolutionHours: 48,
    });
    expect(policy).toMatchObject({
      version: '2026-11',
      unresponsiveCloseHours: 72,
      infoReminderBeforeCloseHours: 12,
      sevAEngagementMinutes: 30,
      autoCloseAfterResolutionHours: 48,
    });
  });

  it('accepts a reminder just shorter than the close', () => {
    expect(
      casePolicySchema.safeParse({ unresponsiveCloseHours: 24, infoReminderBeforeCloseHours: 23.5 }).success,
    ).toBe(true);
  });

  it('refuses a reminder as long as the close, on the reminder field', () => {
    const result = casePolicySchema.safeParse({
      unresponsiveCloseHours: 24,
      infoReminderBeforeCloseHours: 24,
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        path: ['infoReminderBeforeCloseHours'],
        message: 'infoReminderBeforeCloseHours must be shorter than unresponsiveCloseHours',
      }),
    ]);
  });

  it('refuses a reminder longer than the close', () => {
    const result = casePolicySchema.safeParse({ infoReminderBeforeCloseHours: 72 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['infoReminderBeforeCloseHours']);
  });

  it('refuses non-positive and out-of-range durations', () => {
    expect(casePolicySchema.safeParse({ unresponsiveCloseHours: 0 }).success).toBe(false);
    expect(casePolicySchema.safeParse({ sevAEngagementMinutes: 1.5 }).success).toBe(false);
    expect(casePolicySchema.safeParse({ sevAEngagementMinutes: 24 * 60 * 7 + 1 }).success).toBe(false);
    expect(casePolicySchema.safeParse({ autoCloseAfterResolutionHours: -1 }).success).toBe(false);
    expect(casePolicySchema.safeParse({ continueAsNewAfterEvents: 99 }).success).toBe(false);
    expect(casePolicySchema.safeParse({ version: '' }).success).toBe(false);
  });
});

describe('casePolicyFrom(loadConfig(env))', () => {
  it('without settings gives the default policy', () => {
    const policy = policyFromEnv({});
    expect(policy).toMatchObject({
      version: '1',
      sla: SERVICE_SLA,
      calendar: PACIFIC_OFFICE_HOURS,
      unresponsiveCloseHours: 48,
      infoReminderBeforeCloseHours: 24,
      sevAEngagementMinutes: 120,
      autoCloseAfterResolutionHours: 120,
    });
    expect(policy).toEqual(DEFAULT_CASE_POLICY);
  });

  it('reads CASEFLOW_HOLIDAYS as a comma list of dates, ignoring blanks around the commas', () => {
    const policy = policyFromEnv({ CASEFLOW_HOLIDAYS: '2026-12-24, 2026-12-25 ,2027-01-01,' });
    expect(policy.calendar.holidays).toEqual(['2026-12-24', '2026-12-25', '2027-01-01']);
  });

  it("splits CASEFLOW_BUSINESS_HOURS '08:00-16:00' into the day's start and end", () => {
    const policy = policyFromEnv({ CASEFLOW_BUSINESS_HOURS: '08:00-16:00' });
    expect(policy.calendar).toMatchObject({ dayStart: '08:00', dayEnd: '16:00' });
  });

  it('accepts a business day that ends at midnight', () => {
    expect(policyFromEnv({ CASEFLOW_BUSINESS_HOURS: '16:00-24:00' }).calendar).toMatchObject({
      dayStart: '16:00',
      dayEnd: '24:00',
    });
  });

  it('reads CASEFLOW_WORKING_DAYS as ISO weekday numbers', () => {
    expect(policyFromEnv({ CASEFLOW_WORKING_DAYS: '1,2,3,4' }).calendar.workingDays).toEqual([1, 2, 3, 4]);
    expect(policyFromEnv({ CASEFLOW_WORKING_DAYS: '7, 1' }).calendar.workingDays).toEqual([7, 1]);
  });

  it('takes the calendar time zone from CASEFLOW_TIME_ZONE', () => {
    expect(policyFromEnv({ CASEFLOW_TIME_ZONE: 'Europe/Stockholm' }).calendar.timeZone).toBe(
      'Europe/Stockholm',
    );
  });

  it('turns CASEFLOW_AUTO_CLOSE_DAYS into hours', () => {
    expect(policyFromEnv({ CASEFLOW_AUTO_CLOSE_DAYS: '3' }).autoCloseAfterResolutionHours).toBe(72);
    expect(policyFromEnv({ CASEFLOW_AUTO_CLOSE_DAYS: '0.5' }).autoCloseAfterResolutionHours).toBe(12);
  });

  it('reads the unresponsive-close, reminder and Sev A engagement settings', () => {
    const policy = policyFromEnv({
      CASEFLOW_UNRESPONSIVE_CLOSE_HOURS: '72',
      CASEFLOW_INFO_REMINDER_BEFORE_CLOSE_HOURS: '8',
      CASEFLOW_SEV_A_ENGAGEMENT_MINUTES: '45',
    });
    expect(policy).toMatchObject({
      unresponsiveCloseHours: 72,
      infoReminderBeforeCloseHours: 8,
      sevAEngagementMinutes: 45,
    });
  });

  it('merges a CASEFLOW_SLA override of one field of one severity over the defaults', () => {
    const policy = policyFromEnv({ CASEFLOW_SLA: '{"B":{"resolutionMinutes":960}}' });
    expect(policy.sla).toEqual({
      A: SERVICE_SLA.A,
      B: {
        firstResponseMinutes: 240,
        updateCadenceMinutes: 720,
        resolutionMinutes: 960,
        hours: 'business-hours',
        twentyFourSevenOnRequest: true,
      },
      C: SERVICE_SLA.C,
    });
  });

  it('merges CASEFLOW_SLA overrides of several severities, each over its own defaults', () => {
    const policy = policyFromEnv({
      CASEFLOW_SLA: '{"A":{"hours":"business-hours"},"C":{"firstResponseMinutes":240}}',
    });
    expect(policy.sla.A).toEqual({ ...SERVICE_SLA.A, hours: 'business-hours' });
    expect(policy.sla.B).toEqual(SERVICE_SLA.B);
    expect(policy.sla.C).toEqual({ ...SERVICE_SLA.C, firstResponseMinutes: 240 });
  });

  it('combines the calendar settings into one calendar', () => {
    expect(
      policyFromEnv({
        CASEFLOW_TIME_ZONE: 'Europe/Stockholm',
        CASEFLOW_WORKING_DAYS: '1,2,3,4,5,6',
        CASEFLOW_BUSINESS_HOURS: '07:30-15:30',
        CASEFLOW_HOLIDAYS: '2026-12-24',
      }).calendar,
    ).toEqual({
      timeZone: 'Europe/Stockholm',
      workingDays: [1, 2, 3, 4, 5, 6],
      dayStart: '07:30',
      dayEnd: '15:30',
      holidays: ['2026-12-24'],
    });
  });

  describe('bad values throw a ConfigError naming the variable', () => {
    it("CASEFLOW_BUSINESS_HOURS '9-5'", () => {
      expect(configErrorOf({ CASEFLOW_BUSINESS_HOURS: '9-5' })).toMatch(/CASEFLOW_BUSINESS_HOURS: .*HH:MM/);
    });

    it("CASEFLOW_BUSINESS_HOURS '25:00-26:00'", () => {
      expect(configErrorOf({ CASEFLOW_BUSINESS_HOURS: '25:00-26:00' })).toMatch(/CASEFLOW_BUSINESS_HOURS/);
    });

    it("CASEFLOW_HOLIDAYS '2026-13-01' (no 13th month)", () => {
      expect(configErrorOf({ CASEFLOW_HOLIDAYS: '2026-13-01' })).toMatch(/CASEFLOW_HOLIDAYS/);
    });

    it("CASEFLOW_HOLIDAYS '24/12/2026' (not ISO)", () => {
      expect(configErrorOf({ CASEFLOW_HOLIDAYS: '2026-12-25,24/12/2026' })).toMatch(/CASEFLOW_HOLIDAYS/);
    });

    it("CASEFLOW_WORKING_DAYS '0,8'", () => {
      expect(configErrorOf({ CASEFLOW_WORKING_DAYS: '0,8' })).toMatch(/CASEFLOW_WORKING_DAYS/);
    });

    it("CASEFLOW_TIME_ZONE 'Mars/Olympus'", () => {
      expect(configErrorOf({ CASEFLOW_TIME_ZONE: 'Mars/Olympus' })).toMatch(/CASEFLOW_TIME_ZONE/);
    });

    it("CASEFLOW_AUTO_CLOSE_DAYS '0'", () => {
      expect(configErrorOf({ CASEFLOW_AUTO_CLOSE_DAYS: '0' })).toMatch(/CASEFLOW_AUTO_CLOSE_DAYS/);
    });

    it("CASEFLOW_SLA 'not json'", () => {
      expect(configErrorOf({ CASEFLOW_SLA: 'not json' })).toMatch(/CASEFLOW_SLA/);
    });

    it('CASEFLOW_SLA with a negative target', () => {
      expect(configErrorOf({ CASEFLOW_SLA: '{"B":{"resolutionMinutes":-5}}' })).toMatch(/CASEFLOW_SLA/);
    });

    it('CASEFLOW_SLA with an unknown field of a known severity', () => {
      expect(configErrorOf({ CASEFLOW_SLA: '{"B":{"resolutionHours":16}}' })).toMatch(/CASEFLOW_SLA/);
    });

    it('CASEFLOW_SLA \'{"D":{}}\' (no Sev D)', () => {
      expect(configErrorOf({ CASEFLOW_SLA: '{"D":{}}' })).toMatch(/CASEFLOW_SLA/);
    });

    it('CASEFLOW_NOTIFY_URLS set without CASEFLOW_NOTIFY_SECRET', () => {
      expect(configErrorOf({ CASEFLOW_NOTIFY_URLS: 'https://hooks.example.org/caseflow' })).toMatch(
        /CASEFLOW_NOTIFY_SECRET: required when CASEFLOW_NOTIFY_URLS is set/,
      );
    });

    it("CASEFLOW_BUSINESS_HOURS '17:00-09:00' (the day ends before it starts)", () => {
      expect(configErrorOf({ CASEFLOW_BUSINESS_HOURS: '17:00-09:00' })).toMatch(/CASEFLOW_BUSINESS_HOURS/);
    });

    it('CASEFLOW_UNRESPONSIVE_CLOSE_HOURS not longer than the 24 h reminder', () => {
      expect(configErrorOf({ CASEFLOW_UNRESPONSIVE_CLOSE_HOURS: '12' })).toMatch(
        /CASEFLOW_UNRESPONSIVE_CLOSE_HOURS|CASEFLOW_INFO_REMINDER_BEFORE_CLOSE_HOURS/,
      );
    });
  });

  it('accepts CASEFLOW_NOTIFY_URLS together with a secret of at least 16 characters', () => {
    expect(() =>
      policyFromEnv({
        CASEFLOW_NOTIFY_URLS: 'https://hooks.example.org/caseflow',
        CASEFLOW_NOTIFY_SECRET: 's'.repeat(16),
      }),
    ).not.toThrow();
  });
});

describe('policy defaults without zod', () => {
  // Workflow code reads the written-out defaults; the schema fills in the same ones at the edges.
  it('the written-out case policy is what the schema makes of an empty policy', () => {
    expect(DEFAULT_CASE_POLICY).toEqual(casePolicySchema.parse({}));
  });
  it('the written-out elevation policy is what its schema makes of an empty policy', () => {
    expect(DEFAULT_ELEVATION_POLICY).toEqual(elevationPolicySchema.parse({}));
  });
});
