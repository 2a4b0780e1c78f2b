import {
  allHandlersFinished,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  condition,
  makeContinueAsNewFunc,
  patched,
  proxySinks,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  proxyLocalActivities,
  startChild,
  setCurrentDetails,
  setHandler,
  TerminatedFailure,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { CaseActivities } from '../activities';
import type { CaseUpdateView, CaseView } from '../domain/case';
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
  caseEscalationIsOver,
  type CaseEscalationStatus,
  caseUpdateView,
  caseView,
  type ChildEnding,
  decide,
  decideBreakGlassReview,
  decideElevationRequest,
  decideEscalationFiling,
  escalationEnded,
  escalationRequested,
  escalationStatusChanged,
  escalationsToWithdraw,
  elevationIsOpen,
  handOverSummary,
  logPage,
  incidentLinked,
  incidentResolved,
  type Decision,
  elevationFinished,
  elevationForKey,
  elevationStarted,
  isFinished,
  nextElevationId,
  nextWakeAt,
  nextWakeLabel,
  openClassifiedCase,
  type Outcome,
  recordDelivery,
  SYSTEM_ACTOR,
} from '../domain/case-lifecycle';
import { DEFAULT_CASE_POLICY, escalationPolicyOf } from '../domain/case-policy';
import { openElevation } from '../domain/elevation';
import {
  archiverStaticSummary,
  caseCurrentDetails,
  elevationStaticSummary,
  escalationStaticSummary,
} from '../domain/web-ui-texts';
import { CaseAssignee, caseSearchAttributes, elevationSearchAttributes } from '../temporal/search-attributes';
import { elevation } from './elevation';
import { elevationLease } from './elevation-lease';
import { caseEnded, elevationWorkflowId } from './elevation.messages';
import { escalation } from './escalation';
import {
  escalationApiId,
  escalationChanged,
  escalationWorkflowId,
  withdrawEscalation,
} from './escalation.messages';
import { archiverWorkflowId, caseArchiver } from './archive';
import type { CaseAuditSinks } from './audit-sinks';
import * as m from './supportCase.messages';

const { classifyCase } = proxyActivities<CaseActivities>({
  summary: 'classify',
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

// Receivers may be down for a while: keep retrying for a day, then record the failure.
const { notify } = proxyActivities<CaseActivities>({
  summary: 'notify',
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

// A notice first goes out from the workflow task that raised it, once and briefly: a receiver that
// is slow or down must not hold the case's task (and the messages waiting for it) for long, and the
// `notify` activity above retries what fails here.
const { notifyNow } = proxyLocalActivities<CaseActivities>({
  summary: 'notify',
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 1 },
});

// Reads how handed-over children ended; a failed look is simply tried again at the next one.
const { childStates } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3 },
});

/** How often a case looks at escalations an earlier run handed over, which cannot be awaited. */
export const HANDED_OVER_CHECK_MS = 60 * 60_000;

const { caseAudit } = proxySinks<CaseAuditSinks>();

/** One support case, from first contact to closure; its history is the case's record. */
export async function supportCase(input: m.SupportCaseInput): Promise<m.SupportCaseResult> {
  // Everything a handler touches is declared before the first setHandler: a message that arrives
  // with the run's first workflow task (a fresh case, or right after continue-as-new) is handled
  // as soon as its handler is set, before the rest of this function has run.
  const { policy } = input;
  /**
   * Whether this run takes the change a patch brought in. Cases opened with local notifications
   * came after every such change, and record no patch marker at all: a marker costs an event, and
   * one recorded in the same workflow task as a local activity's marker once failed a query's
   * replay (not reproduced since). Every other run asks patched(), as its history recorded.
   */
  const since = (patchId: string): boolean => input.localNotifications === true || patched(patchId);
  let record: CaseRecord = input.resume ?? openClassifiedCase(input, input.classification, Date.now());
  let changes = 0;
  let notificationsInFlight = 0;
  let published = '';
  /** Messages handled in this run, and the bytes their inputs and results add to its history. */
  let actions = 0;
  let messageBytes = 0;
  const counted = <T>(input: unknown, result?: T): T | undefined => {
    actions++;
    messageBytes +=
      JSON.stringify(input ?? null).length + (result === undefined ? 0 : JSON.stringify(result).length);
    return result;
  };
  /** Set while handing over to a new run: no new children start then. */
  let draining = false;
  const endSignalled = new Set<string>();
  const withdrawSignalled = new Set<string>();
  /** Escalations this run started and awaits; other open ones were handed over by an earlier run. */
  const awaited = new Set<string>();
  /** When to look again at the handed-over ones (null: at once). */
  let handedOverCheckAt: number | null = null;
  let watchesHandedOver: boolean | undefined;

  /** The Web UI's "Current details": status, assignee, SLA and open children (no commands). */
  const describeNow = (now = Date.now(), v = caseView(record, policy, now)) => {
    setCurrentDetails(
      caseCurrentDetails(
        {
          ...v,
          openChildren: [
            ...activeElevations(record).map((e) => e.workflowId),
            ...record.escalations.filter((e) => !caseEscalationIsOver(e.status)).map((e) => e.workflowId),
          ],
        },
        now,
      ),
    );
  };

  /**
   * What the case indexes for its requester and device: what its start gave; for cases opened
   * before starters gave it, the values themselves on replay and nothing (removed) from then on.
   */
  const personalIndex = () =>
    input.personalIndex ?? (since('personal-search-attributes-removed') ? null : undefined);

  const publish = () => {
    // Runs from before cases indexed their participants replay the upserts they made then; cases
    // whose input says they index them skip the patch marker (checked first: no marker is made).
    const participants = input.indexesParticipants === true || since('case-participants');
    const attributes = caseSearchAttributes(record, { participants, personal: personalIndex() });
    const fingerprint = JSON.stringify(attributes);
    if (fingerprint === published) return;
    const first = published === '';
    published = fingerprint;
    // The run's first publish usually finds what its start set (the API's, or the last run's):
    // sending it again would cost a history event and a visibility write for nothing. Cases opened
    // before the input said so sent it, and replay only if they still do (a patch would not do:
    // patched() upserts a search attribute of its own).
    if (first && input.indexedAtStart === true && startedWith(attributes)) return;
    upsertSearchAttributes(attributes);
  };

  /** The notice delivered, with the attempts it took; a failure once `notify` gives up. */
  const deliver = (notice: CaseNotice): Promise<{ deliveredTo: string[]; attempt: number }> => {
    const summary = { summary: `notify: ${notice.type}` };
    if (input.localNotifications !== true) return notify.executeWithOptions(summary, [notice]);
    return notifyNow.executeWithOptions(summary, [notice]).then(
      ({ deliveredTo, attempt }) => ({ deliveredTo, attempt }),
      () =>
        notify
          .executeWithOptions(summary, [notice])
          .then(({ deliveredTo, attempt }) => ({ deliveredTo, attempt: attempt + 1 })),
    );
  };

  const send = (notice: CaseNotice) => {
    notificationsInFlight++;
    // The delivery is written into the record as it is when the result arrives, in one step: a
    // record computed here and assigned a microtask later would drop whatever else landed in
    // between (a child's end arriving in the same workflow task was lost that way).
    deliver(notice)
      .then(
        (delivery) => {
          record = recordDelivery(
            record,
            notice,
            delivery.deliveredTo,
            null,
            Date.now(),
            // Cases from before the record showed retries keep their old delivery entries.
            since('delivery-attempts') ? delivery.attempt : undefined,
          );
        },
        (err: unknown) => {
          record = recordDelivery(
            record,
            notice,
            [],
            err instanceof Error ? err.message : String(err),
            Date.now(),
          );
        },
      )
      .then(() => {
        notificationsInFlight--;
        // The waits on notificationsInFlight look again at every activation; only the loop's wait
        // needs `changes`, and a delivery gives it nothing to do.
        if (input.quietDeliveries !== true) changes++;
      })
      .catch(() => undefined);
  };

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

  /** Escalations the case withdrew, or that are still open when it ends, are told to withdraw. */
  const withdrawEscalations = () => {
    for (const e of escalationsToWithdraw(record)) {
      if (withdrawSignalled.has(e.id)) continue;
      // Cases closed before this rule left an open escalation to the parent-close policy.
      if (e.withdrawalRequested !== true && !since('withdraw-on-close')) continue;
      withdrawSignalled.add(e.id);
      void getExternalWorkflowHandle(e.workflowId)
        .signal(withdrawEscalation, {
          actor: SYSTEM_ACTOR,
          reason: e.withdrawalRequested === true ? 'withdrawn by the case' : `the case was ${record.status}`,
        })
        .catch(() => undefined);
    }
  };

  const apply = (outcome: Outcome) => {
    record = outcome.record;
    changes++;
    const now = Date.now();
    const current = caseView(record, policy, now);
    caseAudit.state(current);
    describeNow(now, current);
    outcome.notices.forEach(send);
    publish();
    endElevationsIfDone();
    withdrawEscalations();
  };
  /** For facts that may change nothing (a child's end already known): no change, no wake-up. */
  const applyIfChanged = (next: CaseRecord) => {
    if (next !== record) apply({ record: next, notices: [] });
  };

  const view = (): CaseView => caseView(record, policy, Date.now());
  const updateView = (): CaseUpdateView => caseUpdateView(record, policy, Date.now());
  const reject = (decision: Decision) => {
    if (!decision.ok) {
      throw ApplicationFailure.create({
        type: m.INVALID_COMMAND,
        message: decision.reason,
        nonRetryable: true,
      });
    }
  };
  /** New children wait while the case hands over to its next run (a moment). */
  const refuseWhileDraining = () =>
    reject(
      draining
        ? { ok: false, reason: 'The case is handing over to a new workflow run; try again in a moment.' }
        : { ok: true },
    );

  /** How a child's workflow ended when it did not return: failed, terminated, cancelled, timed out. */
  const endingOf = (err: unknown): { ending: ChildEnding; detail: string } => {
    const cause = err instanceof ChildWorkflowFailure ? err.cause : err;
    const detail = cause instanceof Error ? cause.message : String(cause);
    if (cause instanceof TerminatedFailure) return { ending: 'terminated', detail };
    if (cause instanceof CancelledFailure) return { ending: 'cancelled', detail };
    if (cause instanceof TimeoutFailure) return { ending: 'timed-out', detail };
    return { ending: 'failed', detail };
  };
  const elevationEnded = (elevationId: string, outcome: string) => {
    if (elevationIsOpen(record, elevationId))
      apply({ record: elevationFinished(record, elevationId, outcome, Date.now()), notices: [] });
  };
  const escalationOver = (escalationId: string, status: CaseEscalationStatus, detail: string | null) =>
    applyIfChanged(escalationEnded(record, escalationId, status, detail, Date.now()));

  const handleCommand = <I>(
    update: UpdateDefinition<CaseUpdateView, [I]>,
    toCommand: (i: I) => CaseCommand,
  ) =>
    setHandler(
      update,
      (i: I) => {
        apply(applyCommand(record, toCommand(i), Date.now()));
        return counted(i, updateView()) as CaseUpdateView;
      },
      { validator: (i: I) => reject(decide(record, toCommand(i))) },
    );

  setHandler(m.getCase, view);
  setHandler(m.getLog, ({ cursor, limit }) => logPage(record, cursor, limit));
  handleCommand(m.assign, (i) => ({ type: 'assign', ...i }));
  handleCommand(m.changeSeverity, (i) => ({ type: 'change-severity', ...i }));
  handleCommand(m.overrideCategory, (i) => ({ type: 'override-category', ...i }));
  handleCommand(m.requestInfo, (i) => ({ type: 'request-info', ...i }));
  handleCommand(m.addNote, (i) => ({ type: 'add-note', ...i }));
  handleCommand(m.resolve, (i) => ({ type: 'resolve', ...i }));
  handleCommand(m.reopen, (i) => ({ type: 'reopen', ...i }));

  // JIT elevations: child workflows, so none outlives the case. The case awaits each one's result;
  // it does not continue as new while one is open (they last hours at most).
  setHandler(
    m.requestElevation,
    async ({ actor, request, requestKey }) => {
      counted(request);
      const earlier = elevationForKey(record, requestKey);
      if (earlier && 'same' in earlier)
        return { elevationId: earlier.same.id, workflowId: earlier.same.workflowId };
      const elevationId = nextElevationId(record);
      const n = record.elevations.length + 1;
      const workflowId = elevationWorkflowId(record.id, n);
      const personal = personalIndex();
      const elevationInput = {
        id: elevationId,
        caseId: record.id,
        caseSeverity: record.severity,
        request,
        requestedBy: actor,
        policy: policy.elevation,
        // Elevations are on the case's device: indexed as the case indexes it.
        ...(personal !== undefined ? { deviceIndex: personal?.deviceSerial ?? null } : {}),
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
            ...(requestKey ? { requestKey } : {}),
          },
          Date.now(),
        ),
        notices: [],
      });
      const childOptions = {
        workflowId,
        args: [elevationInput] as [typeof elevationInput],
        parentClosePolicy: 'REQUEST_CANCEL' as const,
        staticSummary: elevationStaticSummary({
          deviceSerial: request.deviceSerial,
          requestedBy: actor,
          caseId: record.id,
        }),
        typedSearchAttributes: elevationSearchAttributes(openElevation(elevationInput, Date.now())),
        // Lists show the serial from the (sealed) memo once the attribute no longer holds it.
        ...(personal !== undefined ? { memo: { [m.ELEVATION_DEVICE_MEMO]: request.deviceSerial } } : {}),
      };
      let child;
      try {
        // Elevations became leases on the device's account owner; cases from before keep the old child.
        child = since('elevation-device-leases')
          ? await startChild(elevationLease, childOptions)
          : await startChild(elevation, childOptions);
      } catch (err) {
        elevationEnded(elevationId, `failed to start: ${endingOf(err).detail}`);
        throw ApplicationFailure.create({
          type: m.INVALID_COMMAND,
          message: `The elevation could not start.`,
          nonRetryable: true,
        });
      }
      void child.result().then(
        (result) => elevationEnded(elevationId, result.status),
        (err: unknown) => {
          const { ending, detail } = endingOf(err);
          elevationEnded(elevationId, ending === 'failed' ? `failed: ${detail}` : ending);
        },
      );
      return { elevationId, workflowId };
    },
    {
      validator: ({ request, requestKey }: m.RequestElevationInput) => {
        const earlier = elevationForKey(record, requestKey);
        if (earlier && 'conflict' in earlier) {
          throw ApplicationFailure.create({
            type: m.IDEMPOTENCY_KEY_REUSED,
            message: 'This Idempotency-Key was already used with a different request.',
            nonRetryable: true,
          });
        }
        // A retry of a request that was accepted gets its elevation back, whatever the case is now.
        if (earlier) return;
        refuseWhileDraining();
        reject(decideElevationRequest(record, request, policy.elevation));
      },
    },
  );
  setHandler(
    m.reviewBreakGlass,
    ({ actor, elevationId, findings }) => {
      counted(findings);
      apply({ record: breakGlassReviewed(record, elevationId, actor, findings, Date.now()), notices: [] });
      return view();
    },
    {
      validator: ({ actor, elevationId }: { actor: string; elevationId: string }) =>
        reject(decideBreakGlassReview(record, elevationId, actor)),
    },
  );

  // Escalations: child workflows too. Each reports its status with a signal; the case also awaits
  // its result, so a failed, terminated or cancelled one ends on the record too.
  setHandler(
    m.fileEscalation,
    async ({ actor, actorIsAdmin, request }: m.FileEscalationInput) => {
      counted(request);
      const n = record.escalations.length + 1;
      const escalationId = escalationApiId(record.id, n);
      // Before it is on the record, so the hand-over watch never takes it for an earlier run's.
      awaited.add(escalationId);
      const owner = { kind: 'case' as const, id: record.id, workflowId: workflowInfo().workflowId };
      const workflowId = escalationWorkflowId(owner, n);
      const target = request.target ?? record.route.target ?? 'service-ops';
      // Escalations last weeks: they survive continue-as-new and are handed to the next run (the
      // case withdraws them explicitly when it ends). Those started earlier were tied to the run.
      const handOver = since('durable-children');
      const requested = escalationRequested(
        record,
        { id: escalationId, workflowId, target, actor, reason: request.reason ?? null },
        Date.now(),
      );
      apply({
        record: handOver
          ? {
              ...requested,
              escalations: requested.escalations.map((e) =>
                e.id === escalationId ? { ...e, survivesHandOver: true } : e,
              ),
            }
          : requested,
        notices: [],
      });
      let child;
      try {
        child = await startChild(escalation, {
          workflowId,
          staticSummary: escalationStaticSummary({
            target,
            severity: request.severity ?? record.severity,
            ownerId: record.id,
          }),
          parentClosePolicy: handOver ? 'ABANDON' : 'REQUEST_CANCEL',
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
      } catch (err) {
        escalationOver(escalationId, 'failed', `failed to start: ${endingOf(err).detail}`);
        throw ApplicationFailure.create({
          type: m.INVALID_COMMAND,
          message: `The escalation could not start.`,
          nonRetryable: true,
        });
      }
      void child.result().then(
        (result) => escalationOver(escalationId, result.status, null),
        (err: unknown) => {
          const { ending, detail } = endingOf(err);
          escalationOver(escalationId, ending, detail);
        },
      );
      return { escalationId, workflowId };
    },
    {
      validator: ({ request, actorIsAdmin }: m.FileEscalationInput) => {
        refuseWhileDraining();
        reject(
          decideEscalationFiling(
            record,
            request,
            escalationPolicyOf(policy),
            actorIsAdmin ? 'it-admin' : 'escalation-team',
          ),
        );
      },
    },
  );
  setHandler(escalationChanged, (change) => {
    counted(change);
    // Always applied, even when nothing changed: cases have woken on every such signal since the
    // start, and their histories replay only if they still do.
    apply({ record: escalationStatusChanged(record, change, Date.now()), notices: [] });
  });
  // Children handed over from an earlier run cannot be awaited: they say when they end.
  setHandler(m.childEnded, ({ kind, id, status, detail }) => {
    counted(detail);
    if (kind === 'elevation') elevationEnded(id, detail ? `${status}: ${detail}` : status);
    else escalationOver(id, status as CaseEscalationStatus, detail ?? null);
  });
  setHandler(m.linkIncident, ({ incidentId, actor }) => {
    counted(incidentId);
    apply({ record: incidentLinked(record, incidentId, actor, Date.now()), notices: [] });
  });
  setHandler(m.incidentResolved, ({ incidentId, message }) => {
    counted(message);
    apply(incidentResolved(record, incidentId, message, Date.now()));
  });
  setHandler(m.requesterReplied, (i) => {
    counted(i);
    apply(applyFact(record, { type: 'requester-replied', ...i }, Date.now()));
  });
  setHandler(m.requesterConfirmed, (i) => {
    counted(i);
    apply(applyFact(record, { type: 'requester-confirmed', ...i }, Date.now()));
  });

  /**
   * Open escalations an earlier run handed over. This run cannot await them, and one that is
   * terminated, cancelled or times out tells nobody, so the case looks at them when the run
   * starts and then every HANDED_OVER_CHECK_MS, and maps an ended one to its terminal status.
   * Runs from before the watch replay without it.
   */
  const handedOver = () =>
    record.escalations.filter(
      (e) => !caseEscalationIsOver(e.status) && e.survivesHandOver === true && !awaited.has(e.id),
    );
  const watchHandedOver = async (): Promise<boolean> => {
    const watching = handedOver();
    if (watching.length === 0) return false;
    watchesHandedOver ??= since('watch-handed-over-children');
    if (!watchesHandedOver) return false;
    if (handedOverCheckAt !== null && Date.now() < handedOverCheckAt) return false;
    handedOverCheckAt = Date.now() + HANDED_OVER_CHECK_MS;
    const states = await childStates({ workflowIds: watching.map((e) => e.workflowId) }).catch(() => []);
    for (const child of states) {
      const e = watching.find((x) => x.workflowId === child.workflowId);
      if (!e || child.state === 'running') continue;
      if (child.state === 'completed') {
        const status = child.status as CaseEscalationStatus | null;
        if (status !== null && caseEscalationIsOver(status)) escalationOver(e.id, status, null);
        else escalationOver(e.id, 'failed', 'the workflow completed without a final status');
      } else {
        escalationOver(e.id, child.state, child.detail);
      }
    }
    return true;
  };

  /** Every open escalation may be handed to the next run (none is tied to this one). */
  const escalationsMayHandOver = () =>
    record.escalations.every((e) => caseEscalationIsOver(e.status) || e.survivesHandOver === true);
  const mayHandOver = () =>
    !isFinished(record.status) && activeElevations(record).length === 0 && escalationsMayHandOver();

  publish();
  caseAudit.state(view());
  describeNow();
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
    if (historyIsLong(policy, actions, messageBytes, since) && mayHandOver()) {
      // Drain: no new children, every handler and notification done; then look again, since a
      // child may have been asked for just before the drain began.
      draining = true;
      await condition(() => allHandlersFinished() && notificationsInFlight === 0);
      if (mayHandOver()) {
        // The memo (the case's creation time) goes along, so lists keep showing it.
        return makeContinueAsNewFunc<typeof supportCase>({ memo: workflowInfo().memo })({
          ...input,
          resume: handOverSummary(record, policy, Date.now()),
        });
      }
      draining = false;
      continue;
    }
    if (await watchHandedOver()) continue;
    const seen = changes;
    const timerAt = nextWakeAt(record, policy, Date.now());
    const watchAt = watchesHandedOver && handedOver().length > 0 ? handedOverCheckAt : null;
    const wakeAt = timerAt === null ? watchAt : watchAt === null ? timerAt : Math.min(timerAt, watchAt);
    if (wakeAt === null) await condition(() => changes !== seen);
    else
      await condition(() => changes !== seen, Math.max(1, wakeAt - Date.now()), {
        summary: nextWakeLabel(record, policy, Date.now()) ?? 'next timer',
      });
  }

  // Let elevations end and rotate, closing notices go out and in-flight updates answer first.
  await condition(
    () => activeElevations(record).length === 0 && allHandlersFinished() && notificationsInFlight === 0,
  );
  // Added after cases had already closed without it: the patch keeps their histories replayable.
  // `!== false`: a policy from before the setting existed still archives.
  if (policy.archiveOnClose !== false && since('archive-on-close')) {
    await startChild(caseArchiver, {
      workflowId: archiverWorkflowId(record.id),
      staticSummary: archiverStaticSummary(record.id),
      args: [{ caseId: record.id }],
      parentClosePolicy: 'ABANDON',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
  }
  // Through the default sinks to the worker's logger (not during replay), with the workflow's ids.
  log.info('case ended', { caseId: record.id, status: record.status });
  return { id: record.id, status: record.status };
}

/** Whether the run already carries exactly these search attributes (and no assignee they lack). */
function startedWith(attributes: ReturnType<typeof caseSearchAttributes>): boolean {
  const current = workflowInfo().typedSearchAttributes;
  // Lists (CaseParticipants) compare by their members, the rest by value.
  const same = attributes.every(
    ({ key, value }) => JSON.stringify(current.get(key) ?? null) === JSON.stringify(value),
  );
  return (
    same && attributes.some(({ key }) => key === CaseAssignee) === (current.get(CaseAssignee) !== undefined)
  );
}

/**
 * Whether this run's history is long enough to hand over. The event count bounds its length; the
 * actions and the history size bound its size (update results are stored in it). Runs from
 * before the size bounds continued only on the event count.
 */
function historyIsLong(
  policy: m.SupportCaseInput['policy'],
  actions: number,
  messageBytes: number,
  since: (patchId: string) => boolean,
): boolean {
  const info = workflowInfo();
  if (info.continueAsNewSuggested || info.historyLength >= policy.continueAsNewAfterEvents) return true;
  const maxActions = policy.continueAsNewAfterActions ?? DEFAULT_CASE_POLICY.continueAsNewAfterActions;
  const maxBytes = policy.continueAsNewAfterBytes ?? DEFAULT_CASE_POLICY.continueAsNewAfterBytes;
  // The server's own count of the history size, or ours of what messages added (a server that
  // does not report it, such as the time-skipping test server).
  const bytes = Math.max(info.historySize, messageBytes);
  return (actions >= maxActions || bytes >= maxBytes) && since('bounded-history');
}
