import type { Client } from '@temporalio/client';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ElevationActivityDeps } from './activities/elevation';
import type { Config } from './config';
import { type CredentialVault, createFileVault } from './vault/credential-vault';
import { createRecordingDeviceAdapter, createWebhookDeviceAdapter } from './vault/device-adapters';
import { generateVaultKey, parseVaultKeys } from './vault/keyring';
import { createPostgresVault } from './vault/postgres-vault';

export const vaultFileOf = (config: Config): string =>
  config.vaultFile ?? join(config.dataDir, 'vault', 'vault.json');

/**
 * The credential vault, or undefined where no key is configured (elevation then refuses to grant).
 * The worker writes (the device owners run there); the API only reads it for checkouts.
 */
export function openVault(config: Config, access: 'writer' | 'reader'): CredentialVault | undefined {
  if (!config.vaultKeys) return undefined;
  const keyring = parseVaultKeys(config.vaultKeys);
  // PostgreSQL lets every worker and API process write; the file allows one writer process.
  if (config.vaultUrl) return createPostgresVault({ url: config.vaultUrl, keyring, access });
  return createFileVault({ path: vaultFileOf(config), keyring, access });
}

/** The vault and the device side of grants and rotations, for the worker's activities. */
export function elevationActivityDeps(config: Config, client: Client): ElevationActivityDeps | undefined {
  const vault = openVault(config, 'writer');
  if (!vault) return undefined;
  const device =
    config.deviceWebhookUrl && config.deviceWebhookSecret
      ? createWebhookDeviceAdapter({ url: config.deviceWebhookUrl, secret: config.deviceWebhookSecret })
      : createRecordingDeviceAdapter({ logPath: join(config.dataDir, 'device-rotations.jsonl') });
  return { vault, device, account: config.jitAccount, client };
}

/**
 * For the embedded default only: a vault key kept under the data directory (0600), created once,
 * so `npm start` works out of the box. Deployments set CASEFLOW_VAULT_KEYS from their secret store.
 */
export function ensureDevVaultKeys(dataDir: string): string {
  return ensureDevKeyring(dataDir, 'vault.dev.keys', 'dev1');
}

/** A development `keyId:base64key` setting kept in `<dataDir>/<file>` (0600), made on first use. */
export function ensureDevKeyring(dataDir: string, file: string, keyId: string): string {
  const path = join(dataDir, file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const keys = generateVaultKey(keyId);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${keys}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  return keys;
}
