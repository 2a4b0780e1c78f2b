import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  type SignalDefinition,
  workflowInfo,
} from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import * as d from '../domain/device-account';
import { noticeFrom } from '../domain/notifications';
import * as em from './elevation.messages';
import * as m from './device-account.messages';
import { deviceAccountCurrentDetails } from '../domain/web-ui-texts';

// The vault is local: retry until it answers (the elevation's own timeout bounds a grant).
const { openVaultLeases, extendVaultLeases, closeVaultLeases } = proxyActivities<CaseActivities>({
  summary: 'vault leases',
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
// One attempt series per step; the loop keeps trying a rotation and says so when it goes on too long.
const { setDevicePassword } = proxyActivities<CaseActivities>({
  summary: 'set device password',
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['VaultMissing', 'InvalidInput', 'VaultLocked', 'VaultUnreadable'],
  },
});
const { notify } = proxyActivities<CaseActivities>({
  summary: 'notify',
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

const MINUTE_MS = 60_000;
/** A failed password change is tried again after this pause (the activity already retried inside). */
const RETRY_PAUSE_MS = MINUTE_MS;
const CONTINUE_AS_NEW_AFTER_EVENTS = 2_000;

/**
 * The owner of one device's JIT admin account (`device:<serial>`): the only code that ever sets
 * its password. Elevations hold leases on it; it grants, shares, rotates at the maximum age,
 * rotates at once when the last lease ends, and finishes when idle.
 */
export async function deviceAccount(input: m.DeviceAccountInput): Promise<{ serial: string }> {
  const policy = d.devicePolicyOf(input.policy);
  let record: d.DeviceRecord = input.resume ?? d.openDevice(input.serial, Date.now());
  let changes = 0;
  let noticesInFlight = 0;
  const apply = (next: d.DeviceRecord) => {
    record = next;
    changes++;
    const view = d.deviceView(record);
    setCurrentDetails(
      deviceAccountCurrentDetails({
        leases: view.leases.length,
        passwordVersion: view.passwordVersion,
        rotatesAt: view.rotatesAt,
      }),
    );
  };

  setHandler(m.getDevice, () => d.deviceView(record));
  setHandler(m.leaseRequested, (request) => apply(d.leaseRequested(record, request, Date.now())));
  setHandler(m.leaseEnd, ({ leaseId, reason }) =>
    apply(d.leaseEndRequested(record, leaseId, reason, Date.now())),
  );
  setHandler(m.leaseExtend, ({ leaseId, endsAtMs }) =>
    apply(d.leaseExtended(record, leaseId, endsAtMs, Date.now())),
  );

  /** Tells a holder something; it may have finished meanwhile, which is fine. */
  const tell = async <A>(workflowId: string, signal: SignalDefinition<[A]>, arg: A) => {
    try {
      await getExternalWorkflowHandle(workflowId).signal(signal, arg);
    } catch {
      // The holder is gone: nothing to tell.
    }
  };

  const send = (type: 'elevation-rotation-failing', key: string, summary: string, nowMs: number) => {
    noticesInFlight++;
    const caseId = record.leases[0]?.caseId ?? record.pending[0]?.caseId ?? '';
    void notify(
      noticeFrom({ id: `device:${record.serial}`, caseId, severity: 'B' }, type, key, summary, nowMs, {
        audience: 'it-admins',
        details: { deviceSerial: record.serial, since: record.rotationFailingSinceMs },
      }),
    )
      .catch(() => undefined)
      .finally(() => noticesInFlight--);
  };

  /** Runs a password change; on failure records it, says so when it lasts, and pauses before the next try. */
  const changePassword = async (step: Extract<d.DeviceStep, { type: 'set-password' }>): Promise<boolean> => {
    const startedAtMs = Date.now();
    try {
      await setDevicePassword.executeWithOptions(
        { summary: `${step.reason === 'grant' ? 'set' : 'rotate'} password on ${record.serial}` },
        [
          {
            serial: record.serial,
            version: step.version,
            keep: step.keep,
            reason: step.reason,
            setAtMs: startedAtMs,
            rotatesAtMs: startedAtMs + policy.passwordMaxAgeMinutes * MINUTE_MS,
          },
        ],
      );
      apply(d.passwordSet(record, step, policy, startedAtMs));
      return true;
    } catch (err) {
      apply(d.rotationFailing(record, causeOf(err), Date.now()));
      if (step.reason === 'grant' && isPermanent(err)) {
        refuse(record.pending, causeOf(err));
        return false;
      }
      if (d.rotationFailingIsDue(record, policy, Date.now())) {
        send(
          'elevation-rotation-failing',
          `rotation-failing@${record.rotationFailingSinceMs ?? 0}`,
          `The JIT admin password on ${record.serial} could not be changed since ${new Date(record.rotationFailingSinceMs ?? 0).toISOString()}: ${causeOf(err)}. Checkout stays refused; retrying.`,
          Date.now(),
        );
        apply(d.rotationFailingNotified(record));
      }
      const seen = changes;
      await condition(() => changes !== seen && record.ending.length > 0, RETRY_PAUSE_MS);
      return false;
    }
  };

  const refuse = (leases: d.LeaseRequest[], reason: string) => {
    apply(
      d.leasesRefused(
        record,
        leases.map((l) => l.leaseId),
        reason,
        Date.now(),
      ),
    );
    for (const l of leases) void tell(l.holderWorkflowId, em.leaseRefused, { leaseId: l.leaseId, reason });
  };

  for (;;) {
    if (
      workflowInfo().continueAsNewSuggested ||
      workflowInfo().historyLength > CONTINUE_AS_NEW_AFTER_EVENTS
    ) {
      await condition(() => allHandlersFinished() && noticesInFlight === 0);
      return continueAsNew<typeof deviceAccount>({ ...input, policy, resume: d.deviceSummary(record) });
    }
    const now = Date.now();
    const step = d.nextStep(record, policy, now);
    if (step.type === 'close-leases') {
      await closeVaultLeases({ leaseIds: step.leases.map((l) => l.leaseId), nowMs: now });
      apply(
        d.leasesClosed(
          record,
          step.leases.map((l) => l.leaseId),
          Date.now(),
        ),
      );
      const lastHolder = record.leases.length === 0;
      for (const l of step.leases)
        void tell(l.holderWorkflowId, em.leaseClosed, { leaseId: l.leaseId, lastHolder });
    } else if (step.type === 'expire-leases') {
      apply(d.leasesExpired(record, step.leaseIds, now));
    } else if (step.type === 'refuse-leases') {
      refuse(step.leases, step.reason);
    } else if (step.type === 'sync-lease-ends') {
      await extendVaultLeases({ leases: step.leases });
      apply(d.leaseEndsSynced(record, step.leases));
    } else if (step.type === 'set-password') {
      const holders = record.leases.map((l) => ({ leaseId: l.leaseId, workflowId: l.holderWorkflowId }));
      if ((await changePassword(step)) && step.reason === 'max-age' && record.current) {
        const { version, rotateAtMs } = record.current;
        for (const h of holders) {
          void tell(h.workflowId, em.passwordRotated, {
            leaseId: h.leaseId,
            version,
            rotatesAtMs: rotateAtMs,
          });
        }
      }
    } else if (step.type === 'open-leases') {
      const requests = step.leases;
      const { opened } = await openVaultLeases({
        serial: record.serial,
        leases: requests.map((l) => ({ leaseId: l.leaseId, holder: l.holder, endsAtMs: l.endsAtMs })),
        nowMs: now,
      });
      // An end that arrived while the vault opened the lease: close it again at once.
      apply(d.openedButGone(record, opened, requests));
      const stillPending = opened.filter((id) => record.pending.some((p) => p.leaseId === id));
      apply(d.leasesOpened(record, stillPending, Date.now()));
      const current = record.current;
      for (const l of requests.filter((r) => stillPending.includes(r.leaseId))) {
        void tell(l.holderWorkflowId, em.leaseGranted, {
          leaseId: l.leaseId,
          version: current?.version ?? record.version,
          rotatesAtMs: current?.rotateAtMs ?? now,
        });
      }
    } else {
      const seen = changes;
      if (step.type === 'idle') {
        const idle = !(await condition(() => changes !== seen, policy.idleMinutes * MINUTE_MS));
        if (idle) break;
      } else if (step.untilMs === null) {
        await condition(() => changes !== seen);
      } else {
        await condition(() => changes !== seen, Math.max(1, step.untilMs - Date.now()));
      }
    }
  }
  await condition(() => allHandlersFinished() && noticesInFlight === 0);
  return { serial: record.serial };
}

function causeOf(err: unknown): string {
  const inner = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return inner instanceof Error ? inner.message : String(inner);
}

function isPermanent(err: unknown): boolean {
  const inner = err instanceof ActivityFailure ? err.cause : err;
  return inner instanceof ApplicationFailure && inner.nonRetryable === true;
}
