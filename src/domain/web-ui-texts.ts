/*
 * What the Temporal Web UI shows of each workflow: a one-line static summary and static details
 * set at start, and current details kept up to date while it runs. Operators read these beside
 * the search-attribute columns, so they carry only what the case page already shows its readers:
 * ids, title, severity, category, status, assignee (a principal), device serial, deadlines. Never
 * the description, the requester's name or contact, reasons, or anything secret.
 */

/** The UI renders Temporal markdown: a title is shown as typed, on one line, and bounded. */
export function plainText(text: string, max = 80): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  const cut = oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
  return cut.replace(/([\\`*_[\]()<>#|~!])/g, '\\$1');
}

export interface CaseSummaryFields {
  id: string;
  title: string;
  severity: string;
  category: string;
}

export const caseStaticSummary = (c: CaseSummaryFields): string =>
  `Case: ${plainText(c.title)} · Sev ${c.severity} · ${c.category}`;

export const caseStaticDetails = (c: CaseSummaryFields & { supportModel: string }): string =>
  [
    `**Case** ${c.id}`,
    `Opened as Sev ${c.severity}, ${c.category} (${c.supportModel}).`,
    'Live status, assignee and SLA in "Current details"; the full record at `GET /v1/cases/{id}`.',
  ].join('\n\n');

export const elevationStaticSummary = (e: { deviceSerial: string; requestedBy: string; caseId: string }) =>
  `Elevation: device ${plainText(e.deviceSerial, 64)} · for ${plainText(e.requestedBy, 64)} · case ${e.caseId}`;

export const deviceAccountStaticSummary = (serial: string): string =>
  `Device owner: JIT admin account of ${plainText(serial, 64)}`;

export const escalationStaticSummary = (e: { target: string; severity: string; ownerId: string }) =>
  `Escalation: to ${e.target} · Sev ${e.severity} · ${e.ownerId.startsWith('inc-') ? 'incident' : 'case'} ${e.ownerId}`;

export const incidentStaticSummary = (i: { title: string; severity: string; cases: number }) =>
  `Incident: ${plainText(i.title)} · Sev ${i.severity} · ${i.cases} case${i.cases === 1 ? '' : 's'}`;

export const archiverStaticSummary = (caseId: string): string => `Archive: audit bundle of case ${caseId}`;

/** "2 h 5 min", "45 min", "overdue 10 min": how far a deadline is from now. */
export function timeLeft(dueMs: number, nowMs: number): string {
  const minutes = Math.round(Math.abs(dueMs - nowMs) / 60_000);
  const h = Math.floor(minutes / 60);
  const text = h > 0 ? `${h} h${minutes % 60 ? ` ${minutes % 60} min` : ''}` : `${minutes} min`;
  return dueMs >= nowMs ? `${text} left` : `overdue ${text}`;
}

export interface CaseDetailsFields {
  status: string;
  severity: string;
  category: string;
  tier: string;
  assignee: string | null;
  /** The SLA targets still running, as ISO instants (null when not running). */
  sla: {
    firstResponseDue: string | null;
    nextUpdateDue: string | null;
    resolutionDue: string | null;
    paused: string | null;
    breaches: readonly { target: string }[];
  };
  openChildren: readonly string[];
}

const SLA_NAMES = {
  firstResponseDue: 'first response',
  nextUpdateDue: 'next update',
  resolutionDue: 'resolution',
} as const;

/**
 * The case as it stands, for the UI's "Current details". Deadlines are absolute (the text is set
 * when the case changes or a timer fires, not when it is read), with the time left at that moment.
 */
export function caseCurrentDetails(c: CaseDetailsFields, nowMs: number): string {
  const deadlines = (Object.keys(SLA_NAMES) as (keyof typeof SLA_NAMES)[])
    .flatMap((k) => {
      const at = c.sla[k];
      return at === null ? [] : [{ name: SLA_NAMES[k], at }];
    })
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const next = deadlines[0];
  const sla = c.sla.paused
    ? `paused (${c.sla.paused})`
    : next
      ? `${next.name} due ${next.at} (${timeLeft(Date.parse(next.at), nowMs)} at ${new Date(nowMs).toISOString()})`
      : 'no clock running';
  return [
    `**Status** ${c.status} · Sev ${c.severity} · ${c.category} · ${c.tier}`,
    `**Assignee** ${c.assignee ?? 'unassigned'}`,
    `**SLA** ${sla}${c.sla.breaches.length > 0 ? ` · breached: ${c.sla.breaches.map((b) => b.target).join(', ')}` : ''}`,
    `**Open children** ${c.openChildren.length > 0 ? c.openChildren.join(', ') : 'none'}`,
  ].join('\n\n');
}

export const elevationCurrentDetails = (e: {
  status: string;
  deviceSerial: string;
  approvedBy?: string | null;
}) =>
  `**Status** ${e.status} · device ${plainText(e.deviceSerial, 64)}${e.approvedBy ? ` · approved by ${plainText(e.approvedBy, 64)}` : ''}`;

export const escalationCurrentDetails = (e: {
  status: string;
  target: string;
  externalReference: string | null;
}) =>
  `**Status** ${e.status} · ${e.target}${e.externalReference ? ` · their reference ${plainText(e.externalReference, 64)}` : ''}`;

export const deviceAccountCurrentDetails = (d: {
  leases: number;
  passwordVersion: number;
  rotatesAt: string | null;
}) =>
  `**Leases** ${d.leases} open · password v${d.passwordVersion}${d.rotatesAt ? ` · rotates by ${d.rotatesAt}` : ''}`;
