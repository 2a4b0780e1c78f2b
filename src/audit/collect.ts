import type { Client } from '@temporalio/client';
import { historyToJSON } from '../temporal/proto';
import { decodeJsonPayloads } from '../temporal/codec';
import { eventKind, type JsonEvent, type JsonHistory, parseHistory } from './history-json';
import { childWorkflowIds } from './timeline';

export interface CollectedHistory {
  workflowId: string;
  runId: string;
  /**
   * As `temporal workflow show --output json` writes it, with sealed payloads opened by the
   * client's codec (as the CLI prints it given the codec endpoint): what bundles keep, so a bundle
   * reads, verifies and replays without the codec keys, for as long as it is kept. Exactly the
   * CLI's text when no codec is configured.
   */
  json: string;
  /** The same history, parsed: what timelines read. */
  history: JsonHistory;
}

async function fetchRun(client: Client, workflowId: string, runId?: string): Promise<CollectedHistory> {
  const handle = client.workflow.getHandle(workflowId, runId);
  const raw = historyToJSON(await handle.fetchHistory());
  const codecs = client.options.loadedDataConverter.payloadCodecs;
  const opened = await decodeJsonPayloads(JSON.parse(raw) as unknown, codecs);
  const json = codecs.length === 0 ? raw : JSON.stringify(opened, null, 2);
  const history = parseHistory(opened);
  const started = history.events[0] ? eventKind(history.events[0]).attributes : {};
  const original = started.originalExecutionRunId;
  const actualRunId = runId ?? (typeof original === 'string' ? original : (await handle.describe()).runId);
  return { workflowId, runId: actualRunId, json, history };
}

/**
 * Every history that makes up a case: all its runs (following continue-as-new back to the first)
 * and the children each run started. Oldest run first.
 */
export async function collectCaseHistories(
  client: Client,
  caseWorkflowId: string,
): Promise<CollectedHistory[]> {
  const runs: CollectedHistory[] = [];
  let run: CollectedHistory | undefined = await fetchRun(client, caseWorkflowId);
  for (let guard = 0; run && guard < 1000; guard++) {
    runs.unshift(run);
    const first: JsonEvent | undefined = run.history.events[0];
    const previous: unknown = first ? eventKind(first).attributes.continuedExecutionRunId : undefined;
    run =
      typeof previous === 'string' && previous ? await fetchRun(client, caseWorkflowId, previous) : undefined;
  }
  const children: CollectedHistory[] = [];
  for (const r of runs) {
    for (const childId of childWorkflowIds(r.history)) {
      // The archiver only copies the record after the case has ended; it is not part of it.
      if (childId.endsWith(':archive')) continue;
      children.push(await fetchRun(client, childId));
    }
  }
  return [...runs, ...children];
}
