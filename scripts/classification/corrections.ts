import { decodePayloads, eventKind, type JsonHistory } from '../../src/audit/history-json';
import { categorySchema } from '../../src/schemas/categories-schema';
import { guessLanguage, tokenise } from '../../src/domain/classification/text-features';
import type { CorpusEntry } from './corpus';

/*
 * The desk's corrections, read from case histories (the history is the record): each category
 * override an agent made, with the ticket's original text, the agent's reason, and what the
 * classifier had said. They become candidate corpus entries for a person to review; nothing is
 * added to the corpus by itself.
 */

export interface CandidateEntry extends CorpusEntry {
  readonly review: {
    readonly caseId: string;
    readonly workflowId: string;
    readonly eventId: number;
    readonly at: string;
    readonly actor: string;
    readonly reason: string | null;
    /** What the classifier recorded before the override; null when the case was never classified. */
    readonly classifiedAs: {
      readonly category: unknown;
      readonly subCategory: unknown;
      readonly confidence: unknown;
      readonly needsTriage: unknown;
      readonly rulesVersion: unknown;
      readonly modelVersion: unknown;
      readonly rules: unknown;
      readonly evidence: unknown;
    } | null;
  };
}

type Args = Record<string, unknown>;
const obj = (value: unknown): Args => (value && typeof value === 'object' ? (value as Args) : {});
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

interface Override {
  readonly workflowId: string;
  readonly eventId: number;
  readonly at: string;
  readonly args: Args;
}

/**
 * One candidate per case that an agent re-categorised, from its last override that took effect
 * (an update the workflow accepted and completed without failure). `histories` are the runs of
 * one or more cases, in any order; children and other workflows are skipped.
 */
export function candidatesFromHistories(
  histories: readonly { workflowId: string; history: JsonHistory }[],
): CandidateEntry[] {
  const cases = new Map<
    string,
    { intake: Args | null; classification: Args | null; overrides: Override[] }
  >();
  for (const { workflowId, history } of histories) {
    const caseId = /^case:([^:]+)$/.exec(workflowId)?.[1];
    if (caseId === undefined) continue;
    const found = cases.get(caseId) ?? { intake: null, classification: null, overrides: [] };
    cases.set(caseId, found);
    readRun(workflowId, history, found);
  }
  const candidates: CandidateEntry[] = [];
  for (const [caseId, { intake, classification, overrides }] of [...cases].sort(([a], [b]) =>
    a < b ? -1 : 1,
  )) {
    const last = overrides
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.eventId - b.eventId)
      .at(-1);
    const category = categorySchema.safeParse(last?.args.category);
    if (last === undefined || intake === null || !category.success) continue;
    const title = text(intake.title);
    const description = text(intake.description);
    candidates.push({
      id: `candidate-${caseId}-${last.eventId}`,
      language: guessLanguage(tokenise(`${title}\n${description}`)),
      title,
      description,
      category: category.data,
      subCategory: text(last.args.subCategory) || null,
      review: {
        caseId,
        workflowId: last.workflowId,
        eventId: last.eventId,
        at: last.at,
        actor: text(last.args.actor),
        reason: text(last.args.reason) || null,
        classifiedAs: classification && {
          category: classification.category,
          subCategory: classification.subCategory,
          confidence: classification.confidence,
          needsTriage: classification.needsTriage,
          rulesVersion: classification.rulesVersion,
          modelVersion: classification.modelVersion ?? null,
          rules: classification.rules,
          evidence: classification.evidence ?? null,
        },
      },
    });
  }
  return candidates;
}

function readRun(
  workflowId: string,
  history: JsonHistory,
  found: { intake: Args | null; classification: Args | null; overrides: Override[] },
): void {
  const classifyScheduled = new Set<string>();
  const accepted = new Map<string, Override>();
  const succeeded = new Set<string>();
  for (const event of history.events) {
    const { kind, attributes } = eventKind(event);
    if (kind === 'workflowExecutionStarted') {
      const input = obj(decodePayloads(attributes.input as never)[0]);
      if (input.intake) found.intake = obj(input.intake);
      // Cases the API classified at intake carry the classification in their start.
      if (input.classification) found.classification = obj(input.classification);
    } else if (
      kind === 'activityTaskScheduled' &&
      text(obj(attributes.activityType).name) === 'classifyCase'
    ) {
      classifyScheduled.add(event.eventId);
    } else if (kind === 'activityTaskCompleted' && classifyScheduled.has(text(attributes.scheduledEventId))) {
      found.classification = obj(decodePayloads(attributes.result as never)[0]);
    } else if (kind === 'workflowExecutionUpdateAccepted') {
      const request = obj(attributes.acceptedRequest);
      const input = obj(request.input);
      if (text(input.name) !== 'overrideCategory') continue;
      accepted.set(text(obj(request.meta).updateId), {
        workflowId,
        eventId: Number(event.eventId),
        at: event.eventTime,
        args: obj(decodePayloads(input.args as never)[0]),
      });
    } else if (kind === 'workflowExecutionUpdateCompleted') {
      if (obj(attributes.outcome).success !== undefined) succeeded.add(text(obj(attributes.meta).updateId));
    }
  }
  for (const [updateId, override] of accepted) if (succeeded.has(updateId)) found.overrides.push(override);
}
