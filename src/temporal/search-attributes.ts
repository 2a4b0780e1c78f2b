import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The custom search attributes caseflow keeps current on its workflows, so operators can filter
 * cases in the Temporal Web UI and CLI and the list endpoints can be served from visibility.
 * SQL visibility (the embedded SQLite default, PostgreSQL) allows at most 10 Keyword attributes
 * per namespace, so links between workflows use workflow IDs (`case:<id>:elevation:<n>`) instead.
 */
export const CaseStatus = defineSearchAttributeKey('CaseStatus', SearchAttributeType.KEYWORD);
export const CaseSeverity = defineSearchAttributeKey('CaseSeverity', SearchAttributeType.KEYWORD);
export const CaseCategory = defineSearchAttributeKey('CaseCategory', SearchAttributeType.KEYWORD);
export const CaseTier = defineSearchAttributeKey('CaseTier', SearchAttributeType.KEYWORD);
export const CaseAssignee = defineSearchAttributeKey('CaseAssignee', SearchAttributeType.KEYWORD);
export const RequesterId = defineSearchAttributeKey('RequesterId', SearchAttributeType.KEYWORD);
export const DeviceSerial = defineSearchAttributeKey('DeviceSerial', SearchAttributeType.KEYWORD);
export const SupportModel = defineSearchAttributeKey('SupportModel', SearchAttributeType.KEYWORD);
export const SlaBreached = defineSearchAttributeKey('SlaBreached', SearchAttributeType.BOOL);
/**
 * Who may find the case in lists besides overseers: its creator, assignee and everyone who acted
 * on it (a KeywordList, so `CaseParticipants = 'name'` matches any member). Principal names of
 * staff, never requester data.
 */
export const CaseParticipants = defineSearchAttributeKey(
  'CaseParticipants',
  SearchAttributeType.KEYWORD_LIST,
);
export const ElevationStatus = defineSearchAttributeKey('ElevationStatus', SearchAttributeType.KEYWORD);
export const ElevationRequestedBy = defineSearchAttributeKey(
  'ElevationRequestedBy',
  SearchAttributeType.KEYWORD,
);

export const SEARCH_ATTRIBUTES = [
  CaseStatus,
  CaseSeverity,
  CaseCategory,
  CaseTier,
  CaseAssignee,
  RequesterId,
  DeviceSerial,
  SupportModel,
  SlaBreached,
  ElevationStatus,
  ElevationRequestedBy,
  CaseParticipants,
] as const;

const CLI_TYPE_NAMES: Record<SearchAttributeType, string> = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** `--search-attribute Name=Type` arguments for `temporal server start-dev`. */
export function devServerSearchAttributeArgs(): string[] {
  return SEARCH_ATTRIBUTES.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${CLI_TYPE_NAMES[key.type]}`,
  ]);
}

/** The parts of a case its search attributes mirror. */
export interface CaseIndexFields {
  status: string;
  severity: string;
  category: string;
  tier: string;
  assignee: string | null;
  requester: { id: string };
  device: { serial: string };
  supportModel: string;
  breaches: readonly unknown[];
  createdBy: string;
  actors?: readonly string[];
}

/**
 * Bytes of names CaseParticipants holds at most: visibility refuses a value over 2 KB. Past it,
 * later actors are found through GET /v1/cases/{id} but not in lists.
 */
export const MAX_PARTICIPANT_BYTES = 1_800;

/**
 * Creator, assignee and actors, once each, within MAX_PARTICIPANT_BYTES; never the requester's
 * id (a requester's own replies are recorded under it, and it is personal data).
 */
export function caseParticipants(
  c: Pick<CaseIndexFields, 'createdBy' | 'assignee' | 'actors' | 'requester'>,
): string[] {
  const names: string[] = [];
  let bytes = 0;
  for (const name of [c.createdBy, c.assignee, ...(c.actors ?? [])]) {
    if (!name || names.includes(name) || name === c.requester.id) continue;
    bytes += name.length + 3;
    if (bytes > MAX_PARTICIPANT_BYTES) break;
    names.push(name);
  }
  return names;
}

/**
 * The attribute values that mirror a case's state; set at start and upserted on every change.
 * `participants` is off for runs that began before cases indexed them (their replay must upsert
 * what they upserted then).
 */
export function caseSearchAttributes(c: CaseIndexFields, options: { participants?: boolean } = {}) {
  const pairs = [
    { key: CaseStatus, value: c.status },
    { key: CaseSeverity, value: c.severity },
    { key: CaseCategory, value: c.category },
    { key: CaseTier, value: c.tier },
    { key: RequesterId, value: c.requester.id },
    { key: DeviceSerial, value: c.device.serial },
    { key: SupportModel, value: c.supportModel },
  ];
  return [
    ...pairs,
    ...(c.assignee ? [{ key: CaseAssignee, value: c.assignee }] : []),
    { key: SlaBreached, value: c.breaches.length > 0 },
    ...(options.participants === false ? [] : [{ key: CaseParticipants, value: caseParticipants(c) }]),
  ];
}

/** What an elevation's search attributes mirror, so GET /v1/elevations is served from visibility. */
export function elevationSearchAttributes(e: {
  status: string;
  requestedBy: string;
  request: { deviceSerial: string };
}) {
  return [
    { key: ElevationStatus, value: e.status },
    { key: ElevationRequestedBy, value: e.requestedBy },
    { key: DeviceSerial, value: e.request.deviceSerial },
  ];
}
