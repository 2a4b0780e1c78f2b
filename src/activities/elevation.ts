import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { type CredentialVault, generatePassword, VaultError } from '../vault/credential-vault';
import type { DeviceAccountAdapter } from '../vault/device-adapters';

export interface ElevationActivityDeps {
  vault: CredentialVault;
  device: DeviceAccountAdapter;
  /** The device's JIT admin account whose password is granted and rotated. */
  account: string;
  /** Starts and signals device account owners (signal-with-start from an activity). */
  client?: Client;
  now?: () => number;
}

/**
 * Side effects of JIT elevation. Passwords are generated here and go only to the device and the
 * vault: nothing returned from these activities (and so nothing in workflow history) carries one.
 */
/** The vault and device, or a final failure: retrying cannot configure a vault. */
export function requireElevationDeps(deps: ElevationActivityDeps | undefined): ElevationActivityDeps {
  if (!deps) {
    throw ApplicationFailure.nonRetryable(
      'The credential vault is not configured (CASEFLOW_VAULT_KEYS).',
      'VaultMissing',
    );
  }
  return deps;
}

export function createElevationActivities(deps: ElevationActivityDeps | undefined) {
  const need = () => requireElevationDeps(deps);
  const now = () => (deps?.now ?? Date.now)();

  return {
    /**
     * Seals a fresh password in the vault, then sets that same password on the device. The vault
     * keeps the first password of a grant, so a retry after a failure half-way sends the device the
     * password people will check out, under the same idempotency key.
     */
    async grantAccess(input: { elevationId: string; deviceSerial: string; endsAtMs: number }) {
      const { vault, device, account } = need();
      const existing = await vault.describe(input.elevationId);
      if (existing && existing.revokedAtMs !== null) {
        throw ApplicationFailure.nonRetryable(
          `Elevation ${input.elevationId} was already revoked.`,
          'GrantRevoked',
        );
      }
      const record = await vault.grant({ ...input, account, password: generatePassword() });
      const { password } = await vault.checkout(input.elevationId, now());
      const { reference } = await device.setPassword({
        deviceSerial: input.deviceSerial,
        account,
        password,
        reason: 'grant',
        changeId: input.elevationId,
      });
      return { version: record.version, reference };
    },

    async extendAccess(input: { elevationId: string; endsAtMs: number }) {
      const record = await need().vault.extend(input.elevationId, input.endsAtMs);
      return { endsAtMs: record.endsAtMs };
    },

    /**
     * Ends access: first the vault stops handing out the password, then the device gets a new one
     * nobody knows, so the checked-out password stops working. Safe to repeat.
     */
    async revokeAccess(input: { elevationId: string; deviceSerial: string }) {
      const { vault, device, account } = need();
      try {
        await vault.revoke(input.elevationId, now());
      } catch (err) {
        // Nothing was ever granted (e.g. the grant failed): there is still a device to rotate.
        if (!(err instanceof VaultError && err.code === 'not-found')) throw err;
      }
      const { reference } = await device.setPassword({
        deviceSerial: input.deviceSerial,
        account,
        password: generatePassword(),
        reason: 'rotate',
        changeId: input.elevationId,
      });
      return { rotatedAtMs: now(), reference };
    },
  };
}
