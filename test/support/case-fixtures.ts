import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { type CaseIntake, type CaseView } from '../../src/domain/case';
import { caseIntakeSchema } from '../../src/schemas/case-schema';
import type { CaseNotice } from '../../src/domain/case-lifecycle';
import { type CasePolicy, DEFAULT_CASE_POLICY } from '../../src/domain/case-policy';
import type { ElevationRequest } from '../../src/domain/elevation';
import type { EscalationRequest } from '../../src/domain/escalation';
import type { supportCase } from '../../src/workflows';
import { getCase, type SupportCaseInput } from '../../src/workflows/supportCase.messages';

export const HOUR = 3_600_000;
export const MINUTE = 60_000;

/** Polls the case's query until the predicate holds (the worker applies events asynchronously). */
export async function untilCase(
  handle: WorkflowHandle<typeof supportCase>,
  predicate: (c: CaseView) => boolean,
): Promise<CaseView> {
  for (let i = 0; i < 150; i++) {
    const current = await handle.query(getCase);
    if (predicate(current)) return current;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not reached; case is ${JSON.stringify(await handle.query(getCase))}`);
}

/** A history event's type by its name (`EVENT_TYPE_TIMER_STARTED`). */
export const eventTypeName = (t: temporal.api.enums.v1.EventType | null | undefined): string =>
  temporal.api.enums.v1.EventType[t ?? 0] ?? String(t);

/** The input the API would give the workflow, for a realistic case. */
export function caseInput(
  intake: Partial<Record<keyof CaseIntake, unknown>> = {},
  policy: Partial<CasePolicy> = {},
): SupportCaseInput {
  return {
    id: randomUUID(),
    intake: caseIntakeSchema.parse({
      title: 'Outlook kraschar när jag öppnar bilagor',
      description: 'Outlook stängs ner varje gång jag försöker öppna en PDF-bilaga.',
      requester: { id: 'u-1001', name: 'Erik Lund', contact: 'erik.lund@example.org' },
      device: { serial: 'PF3XK9Z', group: 'broad' },
      channel: 'email',
      ...intake,
    }),
    createdBy: 'agent-1',
    supportModel: 'customer-led',
    providerName: 'Service desk',
    requestFingerprint: 'f'.repeat(64),
    // The archive child outlives its case (abandoned); the Java test server's time skipping does
    // not cope with that, and archiving has its own tests against the real dev server.
    policy: { ...DEFAULT_CASE_POLICY, archiveOnClose: false, ...policy },
  };
}

/** A notifier activity that records what it was asked to send. */
export function recordingNotifier() {
  const sent: CaseNotice[] = [];
  return {
    sent,
    activities: {
      // eslint-disable-next-line @typescript-eslint/require-await
      notify: async (notice: CaseNotice) => {
        sent.push(notice);
        return { deliveredTo: ['http://receiver.test/hook'], attempt: 1 };
      },
      // eslint-disable-next-line @typescript-eslint/require-await
      notifyNow: async (notice: CaseNotice) => {
        sent.push(notice);
        const { id, type, summary, audience } = notice;
        return {
          deliveredTo: ['http://receiver.test/hook'],
          attempt: 1,
          notice: { id, type, summary, audience },
        };
      },
    },
  };
}

/**
 * The first instant at or after `fromMs` that is the given ISO weekday and local wall time in the
 * zone (steps of one minute from a whole minute; at most a week of them).
 */
export function nextLocalTime(timeZone: string, isoWeekday: number, hhmm: string, fromMs: number): number {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const start = Math.ceil(fromMs / MINUTE) * MINUTE;
  for (let t = start; t < start + 8 * 24 * HOUR; t += MINUTE) {
    const parts = Object.fromEntries(format.formatToParts(t).map((p) => [p.type, p.value]));
    if (parts.weekday === days[isoWeekday - 1] && `${parts.hour}:${parts.minute}` === hhmm) return t;
  }
  throw new Error(`no ${hhmm} on weekday ${isoWeekday} in ${timeZone}`);
}

/** A realistic JIT elevation request for the case's device. */
export const elevationRequest = (
  serial: string,
  overrides: Partial<ElevationRequest> = {},
): ElevationRequest => ({
  ticketId: 'HD-4711',
  deviceSerial: serial,
  category: 'device',
  title: 'Repair the print spooler',
  planOfAction: 'Restart the spooler service and clear the queue from an elevated shell.',
  actions: ['elevate-shell', 'device-manager'],
  ...overrides,
});

/** A realistic escalation to service operations, about a policy the service applies. */
export const escalationRequest = (overrides: Partial<EscalationRequest> = {}): EscalationRequest => ({
  requestType: 'incident',
  category: 'devices',
  subCategory: 'vpn profile',
  title: 'Service policy removes the VPN profile',
  description: 'Every night the compliance policy removes the VPN profile from the device.',
  contact: 'kim@provider.example',
  twentyFourSeven: false,
  target: 'service-ops',
  reason: 'A setting the managed-desktop service applies',
  ...overrides,
});
