import type { z } from 'zod';
import type {
  breachSchema,
  caseIntakeSchema,
  caseLogEntrySchema,
  caseLogPageSchema,
  caseSchema,
  caseStatusSchema,
  caseUpdateSchema,
  classificationSchema,
  slaViewSchema,
  tierSchema,
} from '../schemas/case-schema';

export const CASE_STATUSES = [
  'new',
  'triaged',
  'in-progress',
  'waiting-on-requester',
  'waiting-on-vendor',
  'waiting-on-escalation',
  /** The receiving party of an escalation asked for something: the case must answer it. */
  'escalation-needs-info',
  'resolved',
  'closed',
  'closed-unresponsive',
] as const;
export type CaseStatus = z.infer<typeof caseStatusSchema>;

export const CLOSED_STATUSES: readonly CaseStatus[] = ['closed', 'closed-unresponsive'];

export const isClosed = (status: CaseStatus): boolean => CLOSED_STATUSES.includes(status);

export const SUPPORT_MODELS = ['customer-led', 'partner-led'] as const;

export type SupportModel = (typeof SUPPORT_MODELS)[number];

export const CHANNELS = ['phone', 'email', 'chat', 'portal', 'walk-in', 'other'] as const;

/** Devices in the service's Test group may not be elevated or escalated (DOMAIN.md). */
export const TEST_DEVICE_GROUP = 'test';

export const TIERS = ['tier-1', 'tier-2', 'escalation-team'] as const;
export type Tier = z.infer<typeof tierSchema>;

export const LOG_TYPES = [
  'opened',
  'classified',
  'category-overridden',
  'assigned',
  'severity-changed',
  'severity-downgraded',
  'info-requested',
  'info-reminder',
  'requester-replied',
  'note-added',
  'resolved',
  'confirmed',
  'rejected',
  'reopened',
  'closed',
  'sla-paused',
  'sla-resumed',
  'sla-at-risk',
  'sla-breach',
  'notification-delivered',
  'notification-failed',
  'continued-as-new',
  'elevation-requested',
  'elevation-finished',
  'break-glass-reviewed',
  'escalation-requested',
  'escalation-changed',
  'escalation-needs-info',
  'escalation-withdrawn',
  'incident-linked',
  'incident-resolved',
] as const;

export interface NewCase {
  id: string;
  intake: CaseIntake;
  createdBy: string;
  supportModel: SupportModel;
  providerName: string;
  requestFingerprint: string;
}

export type CaseIntake = z.infer<typeof caseIntakeSchema>;
export type ClassificationRecord = z.infer<typeof classificationSchema>;
export type CaseLogEntry = z.infer<typeof caseLogEntrySchema>;
export type Breach = z.infer<typeof breachSchema>;
export type SlaView = z.infer<typeof slaViewSchema>;
export type CaseView = z.infer<typeof caseSchema>;
export type CaseUpdateView = z.infer<typeof caseUpdateSchema>;
export type CaseLogPage = z.infer<typeof caseLogPageSchema>;
