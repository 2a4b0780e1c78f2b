import type { Severity } from './categories';

/** Everything caseflow tells the outside world about, as webhook event types. */
export const NOTIFICATION_TYPES = [
  'sla-at-risk',
  'sla-breach',
  'info-request-reminder',
  'case-resolved',
  'severity-downgraded',
  'case-closed',
  'elevation-requested',
  'elevation-approval-reminder',
  'elevation-expiring',
  'elevation-extension-requested',
  'elevation-break-glass',
  'elevation-ended',
  'elevation-grant-failed',
  'elevation-rotation-failing',
  'escalation-approval-reminder',
  'escalation-overdue',
  'escalation-closed',
  'escalation-resolved',
  'escalation-needs-info',
  'escalation-withdrawn',
  'vendor-follow-up',
  'incident-resolved',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/**
 * A notification the rules decided on. `id` is derived from the case and the event, so it is the
 * same on every retry and replay and receivers can dedupe by it.
 */
export interface Notice {
  id: string;
  type: NotificationType;
  caseId: string;
  occurredAt: string;
  severity: Severity;
  summary: string;
  /** Who should act on it, e.g. 'it-admins'; receivers route on it. */
  audience?: 'it-admins' | 'requester' | 'case-team';
  details?: Record<string, unknown>;
}

/** What a notice is about: the record that raises it (case, elevation, escalation) and its case. */
export interface NoticeSource {
  id: string;
  caseId: string;
  severity: Severity;
}

/** A notice whose id is the source's id and the event key, so retries and replays dedupe. */
export function noticeFrom(
  source: NoticeSource,
  type: NotificationType,
  key: string,
  summary: string,
  nowMs: number,
  extra: Pick<Notice, 'audience' | 'details'> = {},
): Notice {
  return {
    id: `${source.id}:${key}`,
    type,
    caseId: source.caseId,
    occurredAt: new Date(nowMs).toISOString(),
    severity: source.severity,
    summary,
    ...(extra.audience ? { audience: extra.audience } : {}),
    ...(extra.details ? { details: extra.details } : {}),
  };
}
