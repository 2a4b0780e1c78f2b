import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { DevicePolicy, LeaseRequest } from '../domain/device-account';
import { generatePassword, VaultError } from '../vault/credential-vault';
import { deviceAccount } from '../workflows/device-account';
import { deviceWorkflowIdOf, leaseRequested } from '../workflows/device-account.messages';
import { type ElevationActivityDeps, requireElevationDeps } from './elevation';
import { deviceAccountStaticSummary } from '../domain/web-ui-texts';

/** The failure types a workflow treats as final: retrying cannot help until someone changes the setup. */
export const PERMANENT_FAILURES = ['VaultMissing', 'DeviceOwnerMissing', 'InvalidInput', 'VaultLocked'];

/**
 * Side effects of a device's JIT admin account. Only the device's owner workflow calls the
 * password and lease activities, one at a time, so nothing races on one account. Passwords go to
 * the vault and the device only: nothing returned here carries one.
 */
export function createDeviceAccountActivities(deps: ElevationActivityDeps | undefined) {
  const need = () => requireElevationDeps(deps);
  /** Bad input and configuration are final; everything else (I/O, the device) is retried. */
  const classify = async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation();
    } catch (err) {
      if (err instanceof TypeError || err instanceof RangeError) {
        throw ApplicationFailure.nonRetryable(err.message, 'InvalidInput');
      }
      if (err instanceof VaultError && err.code === 'locked') {
        throw ApplicationFailure.nonRetryable(err.message, 'VaultLocked');
      }
      if (err instanceof VaultError && (err.code === 'corrupt' || err.code === 'key')) {
        throw ApplicationFailure.nonRetryable(err.message, 'VaultUnreadable');
      }
      throw err;
    }
  };

  return {
    /** Asks the device's owner for a lease, starting the owner if it is not running. */
    async requestDeviceLease(input: { serial: string; policy: DevicePolicy; lease: LeaseRequest }) {
      const client: Client | undefined = deps?.client;
      if (!client) {
        throw ApplicationFailure.nonRetryable(
          'No Temporal client is configured for device account owners.',
          'DeviceOwnerMissing',
        );
      }
      const handle = await client.workflow.signalWithStart(deviceAccount, {
        workflowId: deviceWorkflowIdOf(input.serial),
        taskQueue: Context.current().info.taskQueue,
        staticSummary: deviceAccountStaticSummary(input.serial),
        args: [{ serial: input.serial, policy: input.policy }],
        signal: leaseRequested,
        signalArgs: [input.lease],
      });
      return { workflowId: handle.workflowId };
    },

    /**
     * Sets password `version` on the device. Kept: sealed in the vault first (a retry resends the
     * same password), then set on the device, then confirmed so holders may check it out. Not kept
     * (post-use rotation): the vault forgets the old one first, and nobody ever learns the new one.
     */
    async setDevicePassword(input: {
      serial: string;
      version: number;
      keep: boolean;
      reason: 'grant' | 'max-age' | 'post-use';
      setAtMs: number;
      rotatesAtMs: number;
    }) {
      const { vault, device, account } = need();
      return classify(async () => {
        const changeId = `device:${input.serial}:v${input.version}`;
        if (!input.keep) {
          await vault.retireDevicePassword(input.serial, input.version);
          const { reference } = await device.setPassword({
            deviceSerial: input.serial,
            account,
            password: generatePassword(),
            reason: 'rotate',
            changeId,
          });
          return { version: input.version, reference };
        }
        await vault.sealDevicePassword({
          deviceSerial: input.serial,
          account,
          version: input.version,
          rotatesAtMs: input.rotatesAtMs,
          password: generatePassword(),
        });
        const password = await vault.revealDevicePassword(input.serial, input.version);
        const { reference } = await device.setPassword({
          deviceSerial: input.serial,
          account,
          password,
          reason: input.reason === 'grant' ? 'grant' : 'rotate',
          changeId,
        });
        await vault.confirmDevicePassword(input.serial, input.version, input.setAtMs);
        return { version: input.version, reference };
      });
    },

    async openVaultLeases(input: {
      serial: string;
      leases: { leaseId: string; holder: string; endsAtMs: number }[];
      nowMs: number;
    }) {
      const { vault } = need();
      return classify(async () => {
        for (const lease of input.leases) {
          await vault.openLease({ ...lease, deviceSerial: input.serial, nowMs: input.nowMs });
        }
        return { opened: input.leases.map((l) => l.leaseId) };
      });
    },

    async extendVaultLeases(input: { leases: { leaseId: string; endsAtMs: number }[] }) {
      const { vault } = need();
      return classify(async () => {
        for (const lease of input.leases) {
          await vault.extendLease(lease.leaseId, lease.endsAtMs).catch((err: unknown) => {
            // A lease closed meanwhile stays closed; nothing to extend.
            if (!(err instanceof VaultError && err.code === 'closed')) throw err;
          });
        }
      });
    },

    async closeVaultLeases(input: { leaseIds: string[]; nowMs: number }) {
      const { vault } = need();
      return classify(async () => {
        for (const leaseId of input.leaseIds) await vault.closeLease(leaseId, input.nowMs);
      });
    },
  };
}
