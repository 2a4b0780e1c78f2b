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
}

/** The attribute values that mirror a case's state; set at start and upserted on every change. */
export function caseSearchAttributes(c: CaseIndexFields) {
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
