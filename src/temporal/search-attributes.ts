import {
  defineSearchAttributeKey,
  type SearchAttributePair,
  SearchAttributeType,
  type SearchAttributeUpdatePair,
} from '@temporalio/common';

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
/**
 * Personal data, so never indexed in clear where keys are configured: the API puts a keyed hash of
 * the requester's directory id and of the device serial into the case's start input
 * (`personalIndex`, see personal-index.ts), and the workflows index what they were given.
 */
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
 * What a case indexes for its requester and device, as its starter computed it (keyed hashes
 * where keys are configured). `undefined`: a case opened before starters said, whose old
 * histories indexed the values themselves; `null`: such a case on newer code, which removes them.
 */
export type PersonalIndexValues = { requesterId: string; deviceSerial: string } | null | undefined;

/**
 * The attribute values that mirror a case's state; set at start and upserted on every change.
 * `participants` is off for runs that began before cases indexed them (their replay must upsert
 * what they upserted then).
 */
export function caseSearchAttributes(
  c: CaseIndexFields,
  options?: { participants?: boolean; personal?: Exclude<PersonalIndexValues, null> },
): SearchAttributePair[];
export function caseSearchAttributes(
  c: CaseIndexFields,
  options: { participants?: boolean; personal: PersonalIndexValues },
): SearchAttributeUpdatePair[];
export function caseSearchAttributes(
  c: CaseIndexFields,
  options: { participants?: boolean; personal?: PersonalIndexValues } = {},
): SearchAttributeUpdatePair[] {
  const { personal } = options;
  const pairs = [
    { key: CaseStatus, value: c.status },
    { key: CaseSeverity, value: c.severity },
    { key: CaseCategory, value: c.category },
    { key: CaseTier, value: c.tier },
    ...(personal === null
      ? // A null value removes the attribute (never an argument of a start).
        [
          { key: RequesterId, value: null },
          { key: DeviceSerial, value: null },
        ]
      : [
          { key: RequesterId, value: personal ? personal.requesterId : c.requester.id },
          { key: DeviceSerial, value: personal ? personal.deviceSerial : c.device.serial },
        ]),
    { key: SupportModel, value: c.supportModel },
  ];
  return [
    ...pairs,
    ...(c.assignee ? [{ key: CaseAssignee, value: c.assignee }] : []),
    { key: SlaBreached, value: c.breaches.length > 0 },
    ...(options.participants === false ? [] : [{ key: CaseParticipants, value: caseParticipants(c) }]),
  ];
}

/**
 * What an elevation's search attributes mirror, so GET /v1/elevations is served from visibility.
 * The device is indexed as its case indexes it (`deviceIndex`): absent on elevations from before
 * (the serial itself), null when the case indexes no device.
 */
export function elevationSearchAttributes(e: {
  status: string;
  requestedBy: string;
  request: { deviceSerial: string };
  deviceIndex?: string | null;
}) {
  const device = e.deviceIndex === undefined ? e.request.deviceSerial : e.deviceIndex;
  return [
    { key: ElevationStatus, value: e.status },
    { key: ElevationRequestedBy, value: e.requestedBy },
    ...(device === null ? [] : [{ key: DeviceSerial, value: device }]),
  ];
}
