/**
 * Reading workflow histories in the JSON form Temporal's tools write (`temporal workflow show
 * --output json`, `historyToJSON`): events keyed by their `…EventAttributes`, payloads as base64.
 */

export interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

export interface JsonEvent {
  eventId: string;
  eventTime: string;
  eventType?: string;
  [attributes: string]: unknown;
}

export interface JsonHistory {
  events: JsonEvent[];
}

/** The event's kind from its attributes key, e.g. `workflowExecutionUpdateAccepted`. */
export function eventKind(event: JsonEvent): { kind: string; attributes: Record<string, unknown> } {
  const key = Object.keys(event).find((k) => k.endsWith('EventAttributes')) ?? '';
  return {
    kind: key.replace(/EventAttributes$/, ''),
    attributes: (event[key] as Record<string, unknown> | undefined) ?? {},
  };
}

const fromBase64 = (s: string | undefined) =>
  s === undefined ? '' : Buffer.from(s, 'base64').toString('utf8');

/** A JSON-encoded payload's value; undefined for a null payload or one in another encoding. */
export function decodePayload(payload: JsonPayload | undefined): unknown {
  if (!payload) return undefined;
  const encoding = fromBase64(payload.metadata?.encoding);
  if (encoding !== 'json/plain') return undefined;
  try {
    return JSON.parse(fromBase64(payload.data)) as unknown;
  } catch {
    return undefined;
  }
}

export function decodePayloads(payloads: { payloads?: JsonPayload[] } | undefined): unknown[] {
  return (payloads?.payloads ?? []).map(decodePayload);
}

export function parseHistory(json: unknown): JsonHistory {
  const value = typeof json === 'string' ? (JSON.parse(json) as unknown) : json;
  if (!value || typeof value !== 'object' || !Array.isArray((value as { events?: unknown }).events)) {
    throw new TypeError('not a workflow history: expected an object with an events array');
  }
  return value as JsonHistory;
}
