import type { UpdateDefinition } from '@temporalio/common';
import {
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import * as e from '../domain/elevation';
import { elevationSearchAttributes } from '../temporal/search-attributes';
import {
  describeElevation,
  handleElevationUpdate,
  noticeSender,
  publishElevation,
} from './elevation-handlers';
import * as m from './elevation.messages';

// Vault and device changes must land whatever happens to the workflow, so they retry until they do.
const { grantAccess, extendAccess, revokeAccess } = proxyActivities<CaseActivities>({
  summary: 'device access',
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const { notify } = proxyActivities<CaseActivities>({
  summary: 'notify',
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/**
 * Elevations started before device account owners existed (cases record which child they
 * started, under `patched('elevation-device-leases')`): kept so those histories replay and such
 * elevations finish as they began. New elevations run `elevationLease`.
 *
 * One just-in-time elevation, a child of its case: request, approval (never by the requester),
 * a time-boxed grant in the credential vault, and a guaranteed rotation when the access ends —
 * by its timer, on release or revoke, or when the case ends (the parent cancels or signals).
 */
export async function elevation(input: m.ElevationInput): Promise<m.ElevationResult> {
  const { policy } = input;
  let r = e.openElevation(input, Date.now());
  let changes = 0;
  let published = '';
  const update = (next: e.ElevationRecord) => {
    r = next;
    changes++;
    published = publishElevation(r, published);
  };
  const notices = noticeSender(notify);
  const send = notices.send;

  /** Puts the password in the vault; the window starts at approval. Never interrupted half-way. */
  const grant = async (approvedAtMs: number) => {
    const endsAtMs = e.windowEndFor(r, approvedAtMs);
    await CancellationScope.nonCancellable(() =>
      grantAccess({ elevationId: r.id, deviceSerial: r.request.deviceSerial, endsAtMs }),
    );
    update(e.granted(r, approvedAtMs, Date.now()));
  };

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
      const approvedAtMs = Date.now();
      update(e.approve(r, i, approvedAtMs));
      await grant(approvedAtMs);
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
      send(
        e.elevationNotice(
          r,
          'elevation-extension-requested',
          `extension@${Date.now()}`,
          `Extension of ${i.minutes} min requested: ${i.reason}`,
          Date.now(),
          'it-admins',
        ),
      );
    },
  );
  handleUpdate(
    m.approveExtension,
    (i) => e.decideExtensionDecision(r, i.actor, Date.now()),
    async (i) => {
      const next = e.extensionApproved(r, i.actor, i.reason, Date.now());
      await CancellationScope.nonCancellable(() =>
        extendAccess({ elevationId: r.id, endsAtMs: next.endsAtMs ?? 0 }),
      );
      update(next);
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
    async (i) => {
      const type = i.actor === r.requestedBy ? 'released' : 'revoked';
      update(e.ending(r, type, i.actor, i.reason, Date.now()));
      await condition(() => r.rotatedAtMs !== null);
    },
  );
  setHandler(m.passwordCheckedOut, (i) => update(e.checkedOut(r, i.actor, i.atMs, Date.now())));
  setHandler(m.caseEnded, (i) => endForCase(i.reason));

  function endForCase(reason: string) {
    if (r.status === 'pending-approval' && !r.granting) update(e.deny(r, e.SYSTEM, reason, Date.now()));
    else if (r.status === 'active') update(e.ending(r, 'revoked', e.SYSTEM, reason, Date.now()));
  }

  upsertSearchAttributes(elevationSearchAttributes(r));
  describeElevation(r);
  try {
    if (r.breakGlass) {
      update(e.breakGlass(r, Date.now()));
      send(
        e.elevationNotice(
          r,
          'elevation-break-glass',
          'break-glass',
          `Break-glass elevation by ${r.requestedBy}: ${r.request.breakGlass?.reason ?? ''}`,
          Date.now(),
          'it-admins',
        ),
      );
      await grant(Date.now());
    } else {
      send(
        e.elevationNotice(
          r,
          'elevation-requested',
          'requested',
          `Elevation requested by ${r.requestedBy}: ${r.request.title}`,
          Date.now(),
          'it-admins',
        ),
      );
    }
    await lifecycle();
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // The case was cancelled or ended without a signal: access must still end, and rotate.
    await CancellationScope.nonCancellable(async () => {
      await condition(() => !r.granting);
      endForCase('the case ended');
      await rotateIfNeeded();
    });
  }
  await CancellationScope.nonCancellable(() => condition(() => notices.inFlight() === 0));
  return { id: r.id, status: r.status };

  async function rotateIfNeeded() {
    if (r.status === 'ended' && r.rotatedAtMs === null) {
      const { rotatedAtMs } = await CancellationScope.nonCancellable(() =>
        revokeAccess({ elevationId: r.id, deviceSerial: r.request.deviceSerial }),
      );
      update(e.rotated(r, rotatedAtMs, Date.now()));
      send(
        e.elevationNotice(
          r,
          'elevation-ended',
          'ended',
          `Elevation ended (${r.endedReason ?? ''}); password rotated.`,
          Date.now(),
          'case-team',
        ),
      );
    }
  }

  async function lifecycle() {
    for (;;) {
      const now = Date.now();
      const seen = changes;
      if (r.status === 'pending-approval' && r.granting) {
        await condition(() => !r.granting);
        continue;
      }
      if (r.status !== 'pending-approval' && r.status !== 'active') {
        await rotateIfNeeded();
        return;
      }
      const due = e.elevationDue(r, policy, now);
      if (due.type === 'wait') {
        await condition(() => changes !== seen, Math.max(1, due.untilMs - now));
        continue;
      }
      const outcome = e.applyDue(r, due, policy, now);
      update(outcome.record);
      if (outcome.notice) send(outcome.notice);
    }
  }
}
