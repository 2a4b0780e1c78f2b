import {
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  condition,
  getExternalWorkflowHandle,
  setHandler,
  startChild,
  TerminatedFailure,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import { escalationPolicyOf } from '../domain/case-policy';
import { escalationIsOver } from '../domain/escalation';
import { escalation } from './escalation';
import { escalationApiId, escalationChanged, escalationWorkflowId } from './escalation.messages';
import * as m from './incident.messages';
import { caseWorkflowId, incidentResolved, linkIncident } from './supportCase.messages';
import { escalationStaticSummary } from '../domain/web-ui-texts';

/**
 * A device problem affecting several users: the IT admin escalates it once, through the
 * service's admin support process, for every linked case; the cases hear when it is resolved.
 */
export async function incident(
  input: m.IncidentInput,
): Promise<{ id: string; status: m.IncidentView['status'] }> {
  const iso = () => new Date(Date.now()).toISOString();
  const state: m.IncidentView = {
    id: input.id,
    title: input.title,
    description: input.description,
    severity: input.severity,
    status: 'open',
    caseIds: [],
    openedBy: input.openedBy,
    escalationId: null,
    escalationStatus: null,
    resolution: null,
    requestFingerprint: input.requestFingerprint ?? null,
    log: [
      {
        at: iso(),
        type: 'opened',
        actor: input.openedBy,
        reason: null,
        text: `Incident opened: ${input.title}`,
      },
    ],
  };
  let signalsInFlight = 0;
  const toCase = (caseId: string, send: () => Promise<void>) => {
    signalsInFlight++;
    // A case that has meanwhile closed cannot be told; the incident's record still shows it.
    void send()
      .catch(() => undefined)
      .finally(() => signalsInFlight--);
    return caseId;
  };
  const link = (caseIds: string[], actor: string) => {
    for (const caseId of caseIds.filter((id) => !state.caseIds.includes(id))) {
      state.caseIds.push(caseId);
      toCase(caseId, () =>
        getExternalWorkflowHandle(caseWorkflowId(caseId)).signal(linkIncident, {
          incidentId: state.id,
          actor,
        }),
      );
      state.log.push({ at: iso(), type: 'case-linked', actor, reason: null, text: `Case ${caseId} linked.` });
    }
  };

  setHandler(m.getIncident, () => state);
  setHandler(
    m.linkCases,
    ({ actor, caseIds }) => {
      link(caseIds, actor);
      return state;
    },
    {
      validator: (_input: { actor: string; caseIds: string[] }) => {
        if (state.status !== 'open') {
          throw ApplicationFailure.create({
            type: m.INCIDENT_REFUSED,
            message: `The incident is ${state.status}; cases can no longer be linked.`,
            nonRetryable: true,
          });
        }
      },
    },
  );
  /** The escalation is over (by its rules, or its workflow failed, was terminated or cancelled). */
  const escalationOver = (status: string, message: string | null) => {
    if (state.status !== 'open') return;
    state.status = status === 'resolved' ? 'resolved' : 'closed';
    state.resolution = message ?? `escalation ${status}`;
    for (const caseId of state.caseIds) {
      toCase(caseId, () =>
        getExternalWorkflowHandle(caseWorkflowId(caseId)).signal(incidentResolved, {
          incidentId: state.id,
          message: state.resolution ?? '',
        }),
      );
    }
  };
  setHandler(escalationChanged, (change) => {
    state.escalationStatus = change.status;
    state.log.push({
      at: iso(),
      type: 'escalation-changed',
      actor: change.target,
      reason: null,
      text: `Escalation ${change.escalationId} is ${change.status}.`,
    });
    if (escalationIsOver(change.status)) escalationOver(change.status, change.message);
  });

  link(input.caseIds, input.openedBy);
  const owner = { kind: 'incident' as const, id: input.id, workflowId: workflowInfo().workflowId };
  state.escalationId = escalationApiId(input.id, 1);
  // One escalation for the whole incident, filed by the IT admin who opened it (no further gate).
  const child = await startChild(escalation, {
    workflowId: escalationWorkflowId(owner, 1),
    staticSummary: escalationStaticSummary({
      target: 'service-ops',
      severity: input.severity,
      ownerId: input.id,
    }),
    parentClosePolicy: 'REQUEST_CANCEL',
    args: [
      {
        id: state.escalationId,
        owner,
        target: 'service-ops',
        severity: input.severity,
        caseSeverity: input.severity,
        request: {
          requestType: 'incident',
          category: 'devices',
          subCategory: 'multi-user device issue',
          title: input.title,
          description: `${input.description}\n\nLinked cases: ${state.caseIds.join(', ')}`,
          contact: input.contact,
          twentyFourSeven: false,
        },
        adminContact: input.policy.escalation.adminContacts.devices ?? '',
        filedBy: input.openedBy,
        filerIsAdmin: true,
        policy: escalationPolicyOf(input.policy),
      },
    ],
  });
  // Its escalation may also end without telling (failed, terminated, cancelled): await its result.
  void child.result().then(
    (result) => escalationOver(result.status, null),
    (err: unknown) => {
      const cause = err instanceof ChildWorkflowFailure ? err.cause : err;
      const how =
        cause instanceof TerminatedFailure
          ? 'terminated'
          : cause instanceof CancelledFailure
            ? 'cancelled'
            : cause instanceof TimeoutFailure
              ? 'timed-out'
              : 'failed';
      state.escalationStatus = how;
      state.log.push({
        at: iso(),
        type: 'escalation-changed',
        actor: 'caseflow',
        reason: cause instanceof Error ? cause.message : null,
        text: `Escalation ${state.escalationId ?? ''} ended: ${how}.`,
      });
      escalationOver(how, `the escalation ${how}`);
    },
  );
  await condition(() => state.status !== 'open');
  await condition(() => signalsInFlight === 0);
  return { id: state.id, status: state.status };
}
