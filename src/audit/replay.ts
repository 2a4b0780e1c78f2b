import { historyFromJSON } from '../temporal/proto';
import { type ReplayWorkerOptions, Worker } from '@temporalio/worker';
import { LIVE_SINKS } from '../temporal/workflow-bundle';

export interface ReplayInput {
  workflowId: string;
  /** A history as Temporal's tools write it (`temporal workflow show --output json`). */
  json: string;
  /** Where it came from, for the report (a case id, a bundle, a file). */
  source: string;
}

export interface ReplayOutcome {
  workflowId: string;
  source: string;
  ok: boolean;
  /** The first history event the current code did not reproduce, when the error names one. */
  eventId: number | null;
  detail: string | null;
}

/** The event id a determinism error points at ("…HistoryEvent(id: 7, …)" and similar wordings). */
export function divergentEventId(message: string): number | null {
  const match =
    /(?:event[ _]?id|HistoryEvent\(id|\bid)[:= ]+(\d+)/i.exec(message) ?? /event (\d+)/i.exec(message);
  return match?.[1] ? Number(match[1]) : null;
}

/**
 * Replays histories against the workflow code (bundled once), reporting each as replaying
 * cleanly or with its first divergence. `onProgress` is called after each history.
 */
export async function replayAll(
  inputs: ReplayInput[],
  /** dataConverter: the deployment's codec, so sealed histories (bundles, exports) replay too. */
  options: Pick<ReplayWorkerOptions, 'workflowsPath' | 'workflowBundle' | 'dataConverter'>,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<ReplayOutcome[]> {
  const sources = new Map(inputs.map((i) => [i.workflowId, i.source]));
  const histories = inputs.map((i) => ({
    workflowId: i.workflowId,
    history: historyFromJSON(JSON.parse(i.json)),
  }));
  const outcomes: ReplayOutcome[] = [];
  for await (const result of Worker.runReplayHistories({ ...options, sinks: LIVE_SINKS }, histories)) {
    const message = result.error ? `${result.error.name}: ${result.error.message}` : null;
    outcomes.push({
      workflowId: result.workflowId,
      source: sources.get(result.workflowId) ?? '',
      ok: !result.error,
      eventId: message ? divergentEventId(message) : null,
      detail: message,
    });
    onProgress(outcomes.length, inputs.length);
  }
  return outcomes;
}
