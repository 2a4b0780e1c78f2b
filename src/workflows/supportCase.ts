import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  proxySinks,
  getExternalWorkflowHandle,
  proxyActivities,
  startChild,
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
  activeElevations,
  breakGlassReviewed,
  type CaseNotice,
  type CaseRecord,
  caseView,
  decide,
  decideBreakGlassReview,
  decideElevationRequest,
  decideEscalationFiling,
  escalationRequested,
  escalationStatusChanged,
  incidentLinked,
  incidentResolved,
  openEscalationOf,
  type Decision,
  elevationFinished,
  elevationStarted,
  isFinished,
  nextElevationId,
  nextWakeAt,
  openCase,
  type Outcome,
  recordDelivery,
  continuedAsNew,
} from '../domain/case-lifecycle';
import { escalationPolicyOf } from '../domain/case-policy';
import { openElevation } from '../domain/elevation';
import { caseSearchAttributes, elevationSearchAttributes } from '../temporal/search-attributes';
import { elevation } from './elevation';
import { caseEnded, elevationWorkflowId } from './elevation.messages';
import { escalation } from './escalation';
import { escalationApiId, escalationChanged, escalationWorkflowId } from './escalation.messages';
import { archiverWorkflowId, caseArchiver } from './archive';
import type { CaseAuditSinks } from './audit-sinks';
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

const { caseAudit } = proxySinks<CaseAuditSinks>();

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

  // Everything a handler touches is declared before the first setHandler: a message that arrives
  // with the run's first workflow task is handled as soon as its handler is set.
  const endSignalled = new Set<string>();
  /** Once the case is resolved or over, every elevation still open must end (and rotate). */
  const endElevationsIfDone = () => {
    if (record.status !== 'resolved' && !isFinished(record.status)) return;
    for (const e of activeElevations(record)) {
      if (endSignalled.has(e.id)) continue;
      endSignalled.add(e.id);
      void getExternalWorkflowHandle(e.workflowId)
        .signal(caseEnded, { reason: `the case was ${record.status}` })
        .catch(() => undefined);
    }
  };

  const apply = (outcome: Outcome) => {
    record = outcome.record;
    changes++;
    caseAudit.state(caseView(record, policy, Date.now()));
    outcome.notices.forEach(send);
    publish();
    endElevationsIfDone();
  };

  const view = (): CaseView => caseView(record, policy, Date.now());
  const reject = (decision: Decision) => {
    if (!decision.ok) {
      throw ApplicationFailure.create({
        type: m.INVALID_COMMAND,
        message: decision.reason,
        nonRetryable: true,
      });
    }
  };
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
  // JIT elevations: child workflows, so none outlives the case.
  setHandler(
    m.requestElevation,
    async ({ actor, request }) => {
      const elevationId = nextElevationId(record);
      const n = record.elevations.length + 1;
      const workflowId = elevationWorkflowId(record.id, n);
      const elevationInput = {
        id: elevationId,
        caseId: record.id,
        caseSeverity: record.severity,
        request,
        requestedBy: actor,
        policy: policy.elevation,
      };
      apply({
        record: elevationStarted(
          record,
          {
            id: elevationId,
            workflowId,
            requestedBy: actor,
            breakGlass: request.breakGlass !== undefined,
            reason: request.planOfAction,
          },
          Date.now(),
        ),
        notices: [],
      });
      const child = await startChild(elevation, {
        workflowId,
        args: [elevationInput],
        parentClosePolicy: 'REQUEST_CANCEL',
        typedSearchAttributes: elevationSearchAttributes(openElevation(elevationInput, Date.now())),
      });
      void child.result().then(
        (result) =>
          apply({ record: elevationFinished(record, elevationId, result.status, Date.now()), notices: [] }),
        (err: unknown) =>
          apply({
            record: elevationFinished(
              record,
              elevationId,
              `failed: ${err instanceof Error ? err.message : String(err)}`,
              Date.now(),
            ),
            notices: [],
          }),
      );
      return { elevationId, workflowId };
    },
    {
      validator: ({ request }: m.RequestElevationInput) =>
        reject(decideElevationRequest(record, request, policy.elevation)),
    },
  );
  setHandler(
    m.reviewBreakGlass,
    ({ actor, elevationId, findings }) => {
      apply({ record: breakGlassReviewed(record, elevationId, actor, findings, Date.now()), notices: [] });
      return view();
    },
    {
      validator: ({ actor, elevationId }: { actor: string; elevationId: string }) =>
        reject(decideBreakGlassReview(record, elevationId, actor)),
    },
  );

  // Escalations: child workflows too; each reports its status back with a signal.
  setHandler(
    m.fileEscalation,
    async ({ actor, actorIsAdmin, request }: m.FileEscalationInput) => {
      const n = record.escalations.length + 1;
      const escalationId = escalationApiId(record.id, n);
      const owner = { kind: 'case' as const, id: record.id, workflowId: workflowInfo().workflowId };
      const workflowId = escalationWorkflowId(owner, n);
      const target = request.target ?? record.route.target ?? 'service-ops';
      apply({
        record: escalationRequested(
          record,
          { id: escalationId, workflowId, target, actor, reason: request.reason ?? null },
          Date.now(),
        ),
        notices: [],
      });
      await startChild(escalation, {
        workflowId,
        parentClosePolicy: 'REQUEST_CANCEL',
        args: [
          {
            id: escalationId,
            owner,
            target,
            severity: request.severity ?? record.severity,
            // The gate follows the case, whatever severity is typed on the escalation.
            caseSeverity: record.severity,
            request,
            adminContact: policy.escalation.adminContacts[request.category] ?? '',
            filedBy: actor,
            filerIsAdmin: actorIsAdmin,
            policy: escalationPolicyOf(policy),
          },
        ],
      });
      return { escalationId, workflowId };
    },
    {
      validator: ({ request, actorIsAdmin }: m.FileEscalationInput) =>
        reject(
          decideEscalationFiling(
            record,
            request,
            escalationPolicyOf(policy),
            actorIsAdmin ? 'it-admin' : 'escalation-team',
          ),
        ),
    },
  );
  setHandler(escalationChanged, (change) =>
    apply({ record: escalationStatusChanged(record, change, Date.now()), notices: [] }),
  );
  setHandler(m.linkIncident, ({ incidentId, actor }) =>
    apply({ record: incidentLinked(record, incidentId, actor, Date.now()), notices: [] }),
  );
  setHandler(m.incidentResolved, ({ incidentId, message }) =>
    apply(incidentResolved(record, incidentId, message, Date.now())),
  );

  setHandler(m.requesterReplied, (i) =>
    apply(applyFact(record, { type: 'requester-replied', ...i }, Date.now())),
  );
  setHandler(m.requesterConfirmed, (i) =>
    apply(applyFact(record, { type: 'requester-confirmed', ...i }, Date.now())),
  );

  publish();
  caseAudit.state(view());
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
    // Child elevations belong to this run: hand over only when none is open.
    if (
      historyIsLong(policy.continueAsNewAfterEvents) &&
      activeElevations(record).length === 0 &&
      !openEscalationOf(record)
    ) {
      await condition(() => allHandlersFinished() && notificationsInFlight === 0);
      return continueAsNew<typeof supportCase>({ ...input, resume: continuedAsNew(record, Date.now()) });
    }
    const seen = changes;
    const wakeAt = nextWakeAt(record, policy, Date.now());
    if (wakeAt === null) await condition(() => changes !== seen);
    else await condition(() => changes !== seen, Math.max(1, wakeAt - Date.now()));
  }

  // Let elevations end and rotate, closing notices go out and in-flight updates answer first.
  await condition(
    () => activeElevations(record).length === 0 && allHandlersFinished() && notificationsInFlight === 0,
  );
  // Added after cases had already closed without it: patched() keeps their histories replayable.
  // `!== false`: a policy from before the setting existed still archives.
  if (policy.archiveOnClose !== false && patched('archive-on-close')) {
    await startChild(caseArchiver, {
      workflowId: archiverWorkflowId(record.id),
      args: [{ caseId: record.id }],
      parentClosePolicy: 'ABANDON',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
  }
  return { id: record.id, status: record.status };
}

function historyIsLong(limit: number): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= limit;
}
