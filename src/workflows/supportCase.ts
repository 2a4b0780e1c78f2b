import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { CaseActivities } from '../activities';
import type { CaseView } from '../domain/case';
import {
  advance,
  applyClassification,
  applyCommand,
  applyFact,
  type CaseCommand,
  type CaseNotice,
  type CaseRecord,
  caseView,
  decide,
  isFinished,
  nextWakeAt,
  openCase,
  type Outcome,
  recordDelivery,
  continuedAsNew,
} from '../domain/case-lifecycle';
import { caseSearchAttributes } from '../temporal/search-attributes';
import * as m from './supportCase.messages';

const { classifyCase } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

// Receivers may be down for a while: keep retrying for a day, then record the failure.
const { notify } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/** One support case, from first contact to closure; its history is the case's record. */
export async function supportCase(input: m.SupportCaseInput): Promise<m.SupportCaseResult> {
  const { policy } = input;
  let record: CaseRecord = input.resume ?? openCase(input, Date.now());
  let changes = 0;
  let notificationsInFlight = 0;
  let published = '';

  const publish = () => {
    const attributes = caseSearchAttributes(record);
    const fingerprint = JSON.stringify(attributes);
    if (fingerprint === published) return;
    published = fingerprint;
    upsertSearchAttributes(attributes);
  };

  const send = (notice: CaseNotice) => {
    notificationsInFlight++;
    notify(notice)
      .then(
        (delivery) => recordDelivery(record, notice, delivery.deliveredTo, null, Date.now()),
        (err: unknown) =>
          recordDelivery(record, notice, [], err instanceof Error ? err.message : String(err), Date.now()),
      )
      .then((next) => {
        record = next;
        notificationsInFlight--;
        changes++;
      })
      .catch(() => undefined);
  };

  const apply = (outcome: Outcome) => {
    record = outcome.record;
    changes++;
    outcome.notices.forEach(send);
    publish();
  };

  const view = (): CaseView => caseView(record, policy, Date.now());
  setHandler(m.getCase, view);

  const handleCommand = <I>(update: UpdateDefinition<CaseView, [I]>, toCommand: (i: I) => CaseCommand) =>
    setHandler(
      update,
      (i: I) => {
        apply(applyCommand(record, toCommand(i), Date.now()));
        return view();
      },
      {
        validator: (i: I) => {
          const decision = decide(record, toCommand(i));
          if (!decision.ok) {
            throw ApplicationFailure.create({
              type: m.INVALID_COMMAND,
              message: decision.reason,
              nonRetryable: true,
            });
          }
        },
      },
    );
  handleCommand(m.assign, (i) => ({ type: 'assign', ...i }));
  handleCommand(m.changeSeverity, (i) => ({ type: 'change-severity', ...i }));
  handleCommand(m.overrideCategory, (i) => ({ type: 'override-category', ...i }));
  handleCommand(m.requestInfo, (i) => ({ type: 'request-info', ...i }));
  handleCommand(m.addNote, (i) => ({ type: 'add-note', ...i }));
  handleCommand(m.resolve, (i) => ({ type: 'resolve', ...i }));
  handleCommand(m.reopen, (i) => ({ type: 'reopen', ...i }));
  setHandler(m.requesterReplied, (i) =>
    apply(applyFact(record, { type: 'requester-replied', ...i }, Date.now())),
  );
  setHandler(m.requesterConfirmed, (i) =>
    apply(applyFact(record, { type: 'requester-confirmed', ...i }, Date.now())),
  );

  publish();
  if (record.classification === null) {
    const classification = await classifyCase({
      title: input.intake.title,
      description: input.intake.description,
      categoryHint: input.intake.categoryHint,
    });
    apply({ record: applyClassification(record, classification, Date.now()), notices: [] });
  }

  for (;;) {
    const due = advance(record, policy, Date.now());
    if (due.record !== record) apply(due);
    if (isFinished(record.status)) break;
    if (historyIsLong(policy.continueAsNewAfterEvents)) {
      await condition(() => allHandlersFinished() && notificationsInFlight === 0);
      return continueAsNew<typeof supportCase>({ ...input, resume: continuedAsNew(record, Date.now()) });
    }
    const seen = changes;
    const wakeAt = nextWakeAt(record, policy, Date.now());
    if (wakeAt === null) await condition(() => changes !== seen);
    else await condition(() => changes !== seen, Math.max(1, wakeAt - Date.now()));
  }

  // Let the closing notices go out and any in-flight update answer before the case ends.
  await condition(() => allHandlersFinished() && notificationsInFlight === 0);
  return { id: record.id, status: record.status };
}

function historyIsLong(limit: number): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= limit;
}
