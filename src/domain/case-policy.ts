import type { z } from 'zod';
import { DEFAULT_BUSINESS_CALENDAR } from './calendar';
import type { casePolicySchema } from '../schemas/case-policy-schema';
import { DEFAULT_ELEVATION_POLICY } from './elevation';
import {
  DEFAULT_MICROSOFT_CHANNEL_RESPONSE,
  DEFAULT_VENDOR_RESPONSE,
  type EscalationPolicy,
} from './escalation';
import { DEFAULT_SLA_POLICY } from './sla';

export type CasePolicy = z.output<typeof casePolicySchema>;

/**
 * What `casePolicySchema` fills in for an empty policy, written out so workflow code needs no
 * zod (a unit test holds the two equal).
 */
export const DEFAULT_CASE_POLICY: CasePolicy = {
  version: '1',
  sla: DEFAULT_SLA_POLICY,
  calendar: DEFAULT_BUSINESS_CALENDAR,
  unresponsiveCloseHours: 48,
  infoReminderBeforeCloseHours: 24,
  sevAEngagementMinutes: 120,
  autoCloseAfterResolutionHours: 5 * 24,
  continueAsNewAfterEvents: 10_000,
  continueAsNewAfterActions: 200,
  continueAsNewAfterBytes: 256 * 1024,
  archiveOnClose: true,
  elevation: DEFAULT_ELEVATION_POLICY,
  escalation: {
    adminContacts: {},
    approvalReminderMinutes: 30,
    vendorFollowUpHours: 24,
    vendorResponse: DEFAULT_VENDOR_RESPONSE,
    microsoftChannelResponse: DEFAULT_MICROSOFT_CHANNEL_RESPONSE,
  },
};

/** The escalation rules a case (or incident) applies, from the policy it was opened under. */
export function escalationPolicyOf(policy: CasePolicy): EscalationPolicy {
  // Cases opened before the response tables existed carry a policy without them.
  const tables: Partial<CasePolicy['escalation']> = policy.escalation;
  return {
    adminContacts: policy.escalation.adminContacts,
    sla: policy.sla,
    calendar: policy.calendar,
    approvalReminderMinutes: policy.escalation.approvalReminderMinutes,
    unresponsiveCloseHours: policy.unresponsiveCloseHours,
    sevAEngagementMinutes: policy.sevAEngagementMinutes,
    vendorFollowUpHours: policy.escalation.vendorFollowUpHours,
    responseTables: {
      vendor: tables.vendorResponse ?? DEFAULT_VENDOR_RESPONSE,
      'microsoft-channel': tables.microsoftChannelResponse ?? DEFAULT_MICROSOFT_CHANNEL_RESPONSE,
    },
  };
}
