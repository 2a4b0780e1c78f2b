import type { UpdateDefinition } from '@temporalio/common';
import {
  ActivityFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setHandler,
  type SignalDefinition,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import { devicePolicyOf, type DevicePolicy } from '../domain/device-account';
import * as e from '../domain/elevation';
import type { Notice } from '../domain/notifications';
import { elevationSearchAttributes } from '../temporal/search-attributes';
import { deviceWorkflowIdOf, leaseEnd, leaseExtend } from './device-account.messages';
import {
  describeElevation,
  handleElevationUpdate,
  noticeSender,
  publishElevation,
} from './elevation-handlers';
import * as m from './elevation.messages';

const MINUTE_MS = 60_000;
/** An approval answers with the final state when the grant settles this fast, else with `granting`. */
const APPROVAL_ANSWER_WAIT_MS = 5_000;
/** How long an ended elevation waits for the owner to confirm the vault closed its lease. */
const CLOSE_CONFIRM_WAIT_MS = 10 * MINUTE_MS;

const { requestDeviceLease } = proxyActivities<CaseActivities>({
  summary: 'request device lease',
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: ['DeviceOwnerMissing', 'VaultMissing', 'InvalidInput'],
  },
});
const { notify } = proxyActivities<CaseActivities>({
  summary: 'notify',
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/**
 * One just-in-time elevation, a child of its case: request, approval (never by the requester),
 * then a lease on the device's account, whose owner workflow (`device:<serial>`) alone sets the
 * password. Holders on one device share the password; the owner rotates it at its maximum age and
 * when the last lease ends. Every wait on a side effect is bounded and ends in a recorded state.
 */
export async function elevationLease(input: m.ElevationInput): Promise<m.ElevationResult> {
  const { policy } = input;
  const devicePolicy: DevicePolicy = devicePolicyOf({
    passwordMaxAgeMinutes: policy.passwordMaxAgeMinutes,
    rotationFailingAfterMinutes: policy.rotationFailingAfterMinutes,
    grantTimeoutMinutes: policy.grantTimeoutMinutes,
    idleMinutes: policy.deviceIdleMinutes,
  });
  let r = e.openElevation(input, Date.now());
  let changes = 0;
  let published = '';
  let approvedAtMs = 0;
  let closeConfirmed: boolean | null = null;
  // The owner may hold a lease for us when it was asked and did not refuse: ending waits for its word.
  let leaseAsked = false;
  let ownerRefused = false;
  const serial = r.request.deviceSerial;
  const self = workflowInfo().workflowId;

  const update = (next: e.ElevationRecord) => {
    r = next;
    changes++;
    published = publishElevation(r, published);
  };
  const notices = noticeSender(notify);
  const send = notices.send;
  const notice = (type: Notice['type'], key: string, summary: string, audience: Notice['audience']) =>
    send(e.elevationNotice(r, type, key, summary, Date.now(), audience));
  /** Signals the device's owner; a finished owner holds nothing of ours any more. */
  const tellDevice = async <A>(signal: SignalDefinition<[A]>, arg: A) => {
    try {
      await getExternalWorkflowHandle(deviceWorkflowIdOf(serial)).signal(signal, arg);
    } catch {
      // Not running: it holds no lease of ours.
    }
  };

  // All state the handlers touch exists before the first handler is registered.
  setHandler(m.getElevation, () => e.elevationView(r));
  const handleUpdate = <I>(
    def: UpdateDefinition<e.ElevationView, [I]>,
    validate: (i: I) => e.Decision,
    run: (i: I) => Promise<void> | void,
  ) => handleElevationUpdate(def, () => e.elevationView(r), validate, run);

  handleUpdate(
    m.approveElevation,
    (i) => e.decideApproval(r, i),
    async (i) => {
      approvedAtMs = Date.now();
      update(e.approvedForGrant(r, i, approvedAtMs));
      // The answer is the final state when the grant is quick; otherwise `granting` (the API says 202).
      await condition(() => r.status !== 'granting', APPROVAL_ANSWER_WAIT_MS);
    },
  );
  handleUpdate(
    m.denyElevation,
    (i) => e.decideDenial(r, i.actor),
    (i) => update(e.deny(r, i.actor, i.reason, Date.now())),
  );
  handleUpdate(
    m.requestExtension,
    (i) => e.decideExtensionRequest(r, i, policy, Date.now()),
    (i) => {
      update(e.extensionRequested(r, i, Date.now()));
      notice(
        'elevation-extension-requested',
        `extension@${Date.now()}`,
        `Extension of ${i.minutes} min requested: ${i.reason}`,
        'it-admins',
      );
    },
  );
  handleUpdate(
    m.approveExtension,
    (i) => e.decideExtensionDecision(r, i.actor, Date.now()),
    (i) => {
      // Applied to the state as it is now, in one step: nothing can end the access in between.
      update(e.extensionApproved(r, i.actor, i.reason, Date.now()));
      void tellDevice(leaseExtend, { leaseId: r.id, endsAtMs: r.endsAtMs ?? 0 });
    },
  );
  handleUpdate(
    m.denyExtension,
    (i) => e.decideExtensionDecision(r, i.actor, Date.now()),
    (i) => update(e.extensionDenied(r, i.actor, i.reason, Date.now())),
  );
  handleUpdate(
    m.releaseElevation,
    (i) => e.decideRelease(r, i.actor, i.actorIsAdmin),
    (i) => {
      const type = i.actor === r.requestedBy ? 'released' : 'revoked';
      endAccess({ type, actor: i.actor, reason: i.reason });
    },
  );
  setHandler(m.passwordCheckedOut, (i) => update(e.checkedOut(r, i.actor, i.atMs, Date.now())));
  setHandler(m.caseEnded, (i) => endForCase(i.reason));
  setHandler(m.leaseGranted, ({ leaseId, rotatesAtMs }) => {
    if (leaseId !== r.id || r.status !== 'granting') return;
    update(e.leaseGranted(r, approvedAtMs, rotatesAtMs, Date.now()));
    // An end that came while granting applies now; the main loop carries it out.
    if (r.pendingEnd)
      update(e.ending(r, r.pendingEnd.type, r.pendingEnd.actor, r.pendingEnd.reason, Date.now()));
  });
  setHandler(m.leaseRefused, ({ leaseId, reason }) => {
    if (leaseId !== r.id) return;
    ownerRefused = true;
    if (r.status === 'granting') failGrant(reason);
  });
  setHandler(m.passwordRotated, ({ leaseId, rotatesAtMs }) => {
    if (leaseId !== r.id || r.status !== 'active') return;
    update(e.passwordRotatedOnDevice(r, rotatesAtMs, Date.now()));
  });
  setHandler(m.leaseClosed, ({ leaseId, lastHolder }) => {
    if (leaseId !== r.id || closeConfirmed !== null) return;
    closeConfirmed = lastHolder;
    update(e.accessClosed(r, lastHolder, Date.now()));
  });

  function endAccess(end: { type: 'released' | 'revoked'; actor: string; reason: string }) {
    if (r.status === 'granting') update(e.endRequested(r, end, Date.now()));
    else if (r.status === 'active') update(e.ending(r, end.type, end.actor, end.reason, Date.now()));
  }
  function endForCase(reason: string) {
    if (r.status === 'pending-approval') update(e.deny(r, e.SYSTEM, reason, Date.now()));
    else endAccess({ type: 'revoked', actor: e.SYSTEM, reason });
  }
  function failGrant(cause: string) {
    update(e.grantFailed(r, cause, Date.now()));
    const summary = `Access to ${serial} could not be granted: ${cause}`;
    notice('elevation-grant-failed', 'grant-failed', summary, 'case-team');
    notice('elevation-grant-failed', 'grant-failed:approver', summary, 'it-admins');
  }

  upsertSearchAttributes(elevationSearchAttributes(r));
  published = JSON.stringify(elevationSearchAttributes(r));
  describeElevation(r);
  try {
    if (r.breakGlass) {
      approvedAtMs = Date.now();
      update(e.breakGlassForGrant(r, approvedAtMs));
      notice(
        'elevation-break-glass',
        'break-glass',
        `Break-glass elevation by ${r.requestedBy}: ${r.request.breakGlass?.reason ?? ''}`,
        'it-admins',
      );
    } else {
      notice(
        'elevation-requested',
        'requested',
        `Elevation requested by ${r.requestedBy}: ${r.request.title}`,
        'it-admins',
      );
    }
    await lifecycle();
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled with its case: access must still end, and the device's owner must be told.
    await CancellationScope.nonCancellable(async () => {
      endForCase('the case ended');
      await finishAccess();
    });
  }
  await CancellationScope.nonCancellable(() =>
    condition(() => allHandlersFinished() && notices.inFlight() === 0),
  );
  return { id: r.id, status: r.status };

  /** Hands the lease back and waits (bounded) for the owner to confirm the vault closed it. */
  async function finishAccess() {
    if (r.status === 'granting')
      update(e.grantFailed(r, 'the elevation ended before the grant settled', Date.now()));
    if (r.status !== 'ended' && r.status !== 'grant-failed') return;
    if (!leaseAsked || ownerRefused) return;
    await tellDevice(leaseEnd, { leaseId: r.id, reason: r.endedReason ?? r.status });
    const confirmed = await condition(() => closeConfirmed !== null, CLOSE_CONFIRM_WAIT_MS);
    if (r.status === 'ended') {
      notice(
        'elevation-ended',
        'ended',
        confirmed
          ? `Elevation ended (${r.endedReason ?? ''}); the password no longer checks out${closeConfirmed ? ' and the device password is rotated' : ''}.`
          : `Elevation ended (${r.endedReason ?? ''}); the device owner has not confirmed yet, checkout stays refused.`,
        'case-team',
      );
    }
  }

  async function requestGrant(): Promise<void> {
    try {
      await requestDeviceLease({
        serial,
        policy: devicePolicy,
        lease: {
          leaseId: r.id,
          holderWorkflowId: self,
          holder: r.requestedBy,
          caseId: r.caseId,
          endsAtMs: e.windowEndFor(r, approvedAtMs),
          requestedAtMs: Date.now(),
        },
      });
      leaseAsked = true;
    } catch (err) {
      const inner = err instanceof ActivityFailure && err.cause ? err.cause : err;
      if (r.status === 'granting') failGrant(inner instanceof Error ? inner.message : String(inner));
    }
  }

  async function lifecycle() {
    let askedOnce = false;
    for (;;) {
      const now = Date.now();
      const seen = changes;
      if (r.status === 'granting') {
        if (!askedOnce) {
          askedOnce = true;
          await requestGrant();
          continue;
        }
        const deadline = approvedAtMs + devicePolicy.grantTimeoutMinutes * MINUTE_MS;
        if (now >= deadline) {
          failGrant(`no grant within ${devicePolicy.grantTimeoutMinutes} minutes`);
          continue;
        }
        await condition(() => changes !== seen, Math.max(1, deadline - now));
      } else if (r.status === 'pending-approval' || r.status === 'active') {
        const due = e.elevationDue(r, policy, now);
        if (due.type === 'wait') {
          await condition(() => changes !== seen, Math.max(1, due.untilMs - now));
          continue;
        }
        const outcome = e.applyDue(r, due, policy, now);
        update(outcome.record);
        if (outcome.notice) send(outcome.notice);
      } else {
        await finishAccess();
        return;
      }
    }
  }
}
