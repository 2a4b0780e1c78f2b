import { ActivityFailure, type UpdateDefinition } from '@temporalio/common';
import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import * as x from '../domain/escalation';
import type { Notice } from '../domain/notifications';
import * as m from './escalation.messages';

// The receiving party may be down for hours: delivery retries until it lands (idempotency key = id).
const { deliverEscalation } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const { notify } = proxyActivities<CaseActivities>({
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
  /** The owner (case or incident) follows the escalation's status. */
  const tellOwner = () => {
    const fingerprint = `${r.status}|${r.delivery?.externalReference ?? ''}|${r.resolution?.message ?? ''}`;
    if (fingerprint === told) return;
    told = fingerprint;
    const change: m.EscalationChange = {
      escalationId: r.id,
      target: r.target,
      status: r.status,
      message: r.resolution?.message ?? null,
      externalReference: r.delivery?.externalReference ?? null,
    };
    inFlight++;
    void getExternalWorkflowHandle(r.owner.workflowId)
      .signal(m.escalationChanged, change)
      .catch(() => undefined)
      .finally(() => inFlight--);
  };
  const update = (next: x.EscalationRecord, notices: Notice[] = []) => {
    r = next;
    changes++;
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
      update(
        next,
        next.status === 'resolved'
          ? [
              x.escalationNotice(
                next,
                'escalation-resolved',
                'resolved',
                `${r.target} resolved escalation ${r.id}: ${i.callback.message}`,
                Date.now(),
                'case-team',
              ),
            ]
          : [],
      );
    },
  );
  handle(
    m.answerNeedsInfo,
    () => x.decideAnswer(r),
    (i) => update(x.answered(r, i.actor, i.message, Date.now())),
  );

  tellOwner();
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
      else update(x.delivered(r, result.deliveredTo, result.externalReference, Date.now()));
      continue;
    }
    const seen = changes;
    const wake = x.nextEscalationWake(r, policy, Date.now());
    if (wake === null) await condition(() => changes !== seen);
    else await condition(() => changes !== seen, Math.max(1, wake - Date.now()));
  }
  await condition(() => inFlight === 0);
  return { id: r.id, status: r.status };
}
