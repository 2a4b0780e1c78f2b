import { ActivityFailure, type UpdateDefinition } from '@temporalio/common';
import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
} from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import * as x from '../domain/escalation';
import type { Notice } from '../domain/notifications';
import * as m from './escalation.messages';
import { childEnded } from './supportCase.messages';
import { escalationCurrentDetails } from '../domain/web-ui-texts';

// The receiving party may be down for hours: delivery retries until it lands (idempotency key = id).
const { deliverEscalation } = proxyActivities<CaseActivities>({
  summary: 'deliver escalation',
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
// Telling a party its escalation was withdrawn: retried for a day, then recorded as not delivered.
const { deliverEscalation: deliverWithdrawal } = proxyActivities<CaseActivities>({
  summary: 'deliver withdrawal',
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});
const { notify } = proxyActivities<CaseActivities>({
  summary: 'notify',
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/**
 * One escalation out of the support provider, a child of its case or incident: the severity
 * gate, signed delivery to the target, callbacks from it, and its response clocks.
 */
export async function escalation(
  input: m.EscalationInput,
): Promise<{ id: string; status: x.EscalationStatus }> {
  try {
    return await runEscalation(input);
  } catch (err) {
    // Its case stops waiting on it even when it fails (a case may have handed it over by
    // continue-as-new and cannot await its result).
    // A cancelled escalation cannot send anything more; its case maps the cancellation itself.
    if (input.owner.kind === 'case' && !isCancellation(err)) {
      await getExternalWorkflowHandle(input.owner.workflowId)
        .signal(childEnded, {
          kind: 'escalation',
          id: input.id,
          status: 'failed',
          detail: err instanceof Error ? err.message : String(err),
        })
        .catch(() => undefined);
    }
    throw err;
  }
}

async function runEscalation(input: m.EscalationInput): Promise<{ id: string; status: x.EscalationStatus }> {
  const { policy } = input;
  // Escalations filed before the gate followed the case keep the gate they were filed under.
  let r = x.openEscalation(input, Date.now(), patched('gate-follows-case') ? 2 : 1);
  let changes = 0;
  let told: string | null = null;
  let inFlight = 0;

  const send = (notice: Notice) => {
    inFlight++;
    void notify(notice)
      .catch(() => undefined)
      .finally(() => inFlight--);
  };
  // Escalations from before the case showed asks never told it about them.
  let asksVisible: boolean | null = null;
  const showAsks = () => (asksVisible ??= patched('needs-info-visible'));
  /** The owner (case or incident) follows the escalation's status, and sees what is asked of it. */
  const tellOwner = () => {
    const ask = r.needsInfo !== null && showAsks() ? r.needsInfo : null;
    const fingerprint = `${r.status}|${r.delivery?.externalReference ?? ''}|${r.resolution?.message ?? ''}${ask ? `|ask@${ask.atMs}` : asksVisible ? '|no-ask' : ''}`;
    if (fingerprint === told) return;
    told = fingerprint;
    const change: m.EscalationChange = {
      escalationId: r.id,
      target: r.target,
      status: r.status,
      message: r.resolution?.message ?? null,
      externalReference: r.delivery?.externalReference ?? null,
      ...(asksVisible
        ? {
            needsInfo: ask
              ? {
                  message: ask.message,
                  atMs: ask.atMs,
                  closesAtMs: x.needsInfoClosesAt(r, policy) ?? ask.atMs,
                }
              : null,
          }
        : {}),
    };
    inFlight++;
    void getExternalWorkflowHandle(r.owner.workflowId)
      .signal(m.escalationChanged, change)
      .catch(() => undefined)
      .finally(() => inFlight--);
  };
  /** The Web UI's "Current details": status, party and its reference (no command). */
  const describe = () =>
    setCurrentDetails(
      escalationCurrentDetails({
        status: r.status,
        target: r.target,
        externalReference: r.delivery?.externalReference ?? null,
      }),
    );
  const update = (next: x.EscalationRecord, notices: Notice[] = []) => {
    r = next;
    changes++;
    describe();
    notices.forEach(send);
    tellOwner();
  };
  const refuse = (d: x.Decision) => {
    if (!d.ok)
      throw ApplicationFailure.create({ type: m.ESCALATION_REFUSED, message: d.reason, nonRetryable: true });
  };
  const view = () => x.escalationView(r, policy, Date.now());
  const handle = <I>(
    def: UpdateDefinition<x.EscalationView, [I]>,
    validate: (i: I) => x.Decision,
    run: (i: I) => void,
  ) =>
    setHandler(
      def,
      (i: I) => {
        run(i);
        return view();
      },
      { validator: (i: I) => refuse(validate(i)) },
    );

  setHandler(m.getEscalation, view);
  handle(
    m.approveEscalation,
    () => x.decideApproval(r),
    (i) => update(x.approve(r, i.actor, i.reason, Date.now())),
  );
  handle(
    m.declineEscalation,
    () => x.decideApproval(r),
    (i) => update(x.decline(r, i.actor, i.reason, Date.now())),
  );
  handle(
    m.receiveCallback,
    (i) => x.decideCallback(r, i.target, i.callback),
    (i) => {
      const next = x.applyCallback(r, i.callback, Date.now());
      const notices: Notice[] = [];
      if (next.status === 'resolved') {
        notices.push(
          x.escalationNotice(
            next,
            'escalation-resolved',
            'resolved',
            `${r.target} resolved escalation ${r.id}: ${i.callback.message}`,
            Date.now(),
            'case-team',
          ),
        );
      }
      if (i.callback.kind === 'needs-info' && showAsks()) {
        const closesAt = new Date(x.needsInfoClosesAt(next, policy) ?? Date.now()).toISOString();
        const summary = `${r.target} needs information on escalation ${r.id} (closed at ${closesAt} unless answered): ${i.callback.message}`;
        for (const audience of ['case-team', 'it-admins'] as const) {
          notices.push(
            x.escalationNotice(
              next,
              'escalation-needs-info',
              `needs-info@${Date.now()}:${audience}`,
              summary,
              Date.now(),
              audience,
            ),
          );
        }
      }
      update(next, notices);
    },
  );
  handle(
    m.answerNeedsInfo,
    () => x.decideAnswer(r),
    (i) => update(x.answered(r, i.actor, i.message, Date.now())),
  );

  setHandler(m.withdrawEscalation, ({ actor, reason }) => {
    if (x.escalationIsOver(r.status)) return;
    update(x.withdraw(r, actor, reason, Date.now()), [
      x.escalationNotice(
        r,
        'escalation-withdrawn',
        'withdrawn',
        `Escalation ${r.id} to ${r.target} withdrawn: ${reason}`,
        Date.now(),
        'case-team',
      ),
    ]);
  });

  tellOwner();
  describe();
  for (;;) {
    const due = x.advanceEscalation(r, policy, Date.now());
    if (due.record !== r) update(due.record, due.notices);
    if (x.escalationIsOver(r.status)) break;
    if (r.status !== 'awaiting-approval' && r.delivery === null) {
      const result = await deliverEscalation({
        escalationId: r.id,
        target: r.target,
        payload: {
          owner: r.owner.kind,
          ownerId: r.owner.id,
          severity: r.severity,
          twentyFourSeven: r.twentyFourSeven,
          requestType: r.request.requestType,
          category: r.request.category,
          subCategory: r.request.subCategory,
          title: r.request.title,
          description: r.request.description,
          contact: r.request.contact,
          adminContact: r.adminContact,
          filedBy: r.filedBy,
          approvedBy: r.approvedBy,
          gate: r.gate,
        },
      }).catch((err: unknown) => ({
        // Only failures Temporal will not retry get here (no endpoint for the target, a bad id).
        failure: err instanceof ActivityFailure && err.cause ? err.cause.message : String(err),
      }));
      if ('failure' in result) update(x.undeliverable(r, result.failure, Date.now()));
      else {
        // Escalations from before the record showed retries keep their old delivery entry.
        const attempt = patched('delivery-attempts') ? result.attempt : undefined;
        update(x.delivered(r, result.deliveredTo, result.externalReference, Date.now(), attempt));
      }
      continue;
    }
    const seen = changes;
    const wake = x.nextEscalationWake(r, policy, Date.now());
    if (wake === null) await condition(() => changes !== seen);
    else await condition(() => changes !== seen, Math.max(1, wake - Date.now()));
  }
  if (r.status === 'withdrawn' && r.delivery !== null) {
    // The party has it: tell it the escalation is withdrawn, signed like the escalation itself.
    const told = await deliverWithdrawal({
      escalationId: r.id,
      target: r.target,
      event: 'escalation-withdrawn',
      payload: { owner: r.owner.kind, ownerId: r.owner.id, reason: r.log.at(-1)?.reason ?? null },
    }).catch((err: unknown) => ({
      failure: err instanceof ActivityFailure && err.cause ? err.cause.message : String(err),
    }));
    if ('failure' in told) update(x.withdrawalUndelivered(r, told.failure, Date.now()));
    else update(x.withdrawalDelivered(r, told.deliveredTo, Date.now()));
  }
  await condition(() => inFlight === 0);
  return { id: r.id, status: r.status };
}
