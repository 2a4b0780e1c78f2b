import { z } from 'zod';
import { DEFAULT_BUSINESS_CALENDAR } from '../domain/calendar';
import { businessCalendarSchema } from './calendar-schema';
import { DEFAULT_ELEVATION_POLICY } from '../domain/elevation';
import { elevationPolicySchema } from './elevation-schema';
import {
  DEFAULT_MICROSOFT_CHANNEL_RESPONSE,
  DEFAULT_VENDOR_RESPONSE,
  ESCALATION_AREAS,
} from '../domain/escalation';
import { DEFAULT_SLA_POLICY } from '../domain/sla';
import { slaPolicySchema } from './sla-schema';

/**
 * Every duration and target a case workflow applies. It travels in the workflow input, so a case
 * keeps the policy it was opened under (and replays identically) even after the deployment's
 * configuration changes; `version` says which one it was.
 */
export const casePolicySchema = z
  .object({
    version: z.string().min(1).default('1'),
    sla: slaPolicySchema.default(DEFAULT_SLA_POLICY),
    calendar: businessCalendarSchema.default(DEFAULT_BUSINESS_CALENDAR),
    /** An unanswered request for information closes the case this long after it was asked. */
    unresponsiveCloseHours: z
      .number()
      .positive()
      .max(24 * 90)
      .default(48),
    /** The requester is reminded this long before that close. */
    infoReminderBeforeCloseHours: z
      .number()
      .positive()
      .max(24 * 90)
      .default(24),
    /** A Sev A requester who leaves a request unanswered this long is not keeping up 24x7 engagement. */
    sevAEngagementMinutes: z
      .int()
      .positive()
      .max(24 * 60 * 7)
      .default(120),
    /** A resolution the requester neither confirms nor rejects closes the case after this long. */
    autoCloseAfterResolutionHours: z
      .number()
      .positive()
      .max(24 * 365)
      .default(5 * 24),
    /** History length past which the case continues as a new run, carrying its state. */
    continueAsNewAfterEvents: z.int().min(100).max(50_000).default(10_000),
    /**
     * Also continue as new after this many actions (commands and facts) in one run, or once the
     * run's history passes continueAsNewAfterBytes: update results are stored in the history, so
     * the event count alone does not bound its size (budget: 500 actions under 1 MB per run).
     */
    continueAsNewAfterActions: z.int().min(10).max(10_000).default(200),
    continueAsNewAfterBytes: z
      .int()
      .min(64 * 1024)
      .max(16 * 1024 * 1024)
      .default(256 * 1024),
    /** Write the case's audit bundle to the archive when it closes. */
    archiveOnClose: z.boolean().default(true),
    elevation: elevationPolicySchema.default(DEFAULT_ELEVATION_POLICY),
    escalation: z
      .object({
        /** Admin contact per area (app-packaging, devices, security, other); required to file there. */
        adminContacts: z
          .partialRecord(z.enum(ESCALATION_AREAS), z.string().trim().min(3).max(320))
          .default({}),
        approvalReminderMinutes: z.int().positive().default(30),
        vendorFollowUpHours: z.number().positive().default(24),
        /** The vendor's own response expectations for hardware hand-offs (not the service's table). */
        vendorResponse: slaPolicySchema.default(DEFAULT_VENDOR_RESPONSE),
        /** The organisation's Unified/Premier contract, for the Microsoft channel. */
        microsoftChannelResponse: slaPolicySchema.default(DEFAULT_MICROSOFT_CHANNEL_RESPONSE),
      })
      .default({
        adminContacts: {},
        approvalReminderMinutes: 30,
        vendorFollowUpHours: 24,
        vendorResponse: DEFAULT_VENDOR_RESPONSE,
        microsoftChannelResponse: DEFAULT_MICROSOFT_CHANNEL_RESPONSE,
      }),
  })
  .refine((p) => p.infoReminderBeforeCloseHours < p.unresponsiveCloseHours, {
    message: 'infoReminderBeforeCloseHours must be shorter than unresponsiveCloseHours',
    path: ['infoReminderBeforeCloseHours'],
  });
