import pg from 'pg';
import type { CredentialVault } from './credential-vault';
import { decrypt, encrypt, type Keyring, type SealedSecret, VaultError } from './keyring';
import {
  checkTime,
  deviceAad,
  type DeviceState,
  deviceConfirmation,
  devicePasswordToSeal,
  deviceRetirement,
  grantCheckout,
  grantExtension,
  grantRecord,
  grantRevocation,
  type GrantState,
  grantToStore,
  type LeaseRecord,
  leaseCheckout,
  leaseDescription,
  leaseExtension,
  leaseToOpen,
  requireGrant,
  sealedVersion,
  vaultStatsOf,
} from './vault-rules';

/**
 * The credential vault on PostgreSQL, for several worker and API processes at once. Every change
 * is one transaction that first takes a transaction-scoped lock on the grant, device or lease it
 * touches (pg_advisory_xact_lock), then reads, decides and writes: two processes changing the same
 * device serialise, different devices do not wait for each other, and nothing is lost. Reads are
 * single statements, so a checkout sees a lease and its device password from one snapshot.
 *
 * The rules are the file vault's, line for line (the same tests run against both); secrets are
 * sealed with the same keyring and associated data, so a row moved to another key opens nowhere.
 */

export interface PostgresVaultOptions {
  /** `postgres://user:password@host:port/database` (CASEFLOW_VAULT_URL). */
  url: string;
  keyring: Keyring;
  /** 'reader' refuses every change, like the file vault opened by the API. */
  access?: 'writer' | 'reader';
  /** Connections this process keeps; the default suits one worker or API process. */
  maxConnections?: number;
}

export type PostgresVault = CredentialVault & {
  /** Creates or upgrades the tables; runs by itself before the first operation. */
  migrate(): Promise<void>;
  close(): Promise<void>;
};

/** Arbitrary but fixed: the first key of every advisory lock this vault takes. */
const LOCK_CLASS = 0x43_46_56; // "CFV"

/** Each entry upgrades the schema by one version; never edit one that has shipped. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE caseflow_vault_grants (
     elevation_id  text PRIMARY KEY,
     device_serial text   NOT NULL,
     account       text   NOT NULL,
     ends_at_ms    bigint NOT NULL,
     version       integer NOT NULL CHECK (version >= 1),
     revoked_at_ms bigint,
     sealed        jsonb,
     -- A revoked grant has forgotten its secret; an open one holds it.
     CHECK ((revoked_at_ms IS NULL) = (sealed IS NOT NULL))
   );
   CREATE TABLE caseflow_vault_devices (
     device_serial text PRIMARY KEY,
     account       text    NOT NULL,
     version       integer NOT NULL,
     rotates_at_ms bigint  NOT NULL,
     set_at_ms     bigint,
     sealed        jsonb
   );
   CREATE TABLE caseflow_vault_leases (
     lease_id      text PRIMARY KEY,
     device_serial text   NOT NULL,
     holder        text   NOT NULL,
     ends_at_ms    bigint NOT NULL,
     opened_at_ms  bigint NOT NULL,
     closed_at_ms  bigint
   );
   CREATE INDEX caseflow_vault_leases_device ON caseflow_vault_leases (device_serial);`,
];

type Query = (text: string, values?: unknown[]) => Promise<pg.QueryResult<Record<string, unknown>>>;

export function createPostgresVault(options: PostgresVaultOptions): PostgresVault {
  const { keyring } = options;
  const access = options.access ?? 'writer';
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 5,
    // A vault that cannot be reached should fail the activity (which retries), not hang it.
    connectionTimeoutMillis: 10_000,
  });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);

  let migrated: Promise<void> | undefined;
  const migrate = (): Promise<void> => {
    migrated ??= runMigrations(pool).catch((error: unknown) => {
      migrated = undefined;
      throw error;
    });
    return migrated;
  };

  const read = async <T>(operation: (query: Query) => Promise<T>): Promise<T> => {
    await migrate();
    return operation((text, values) => pool.query<Record<string, unknown>>(text, values));
  };

  /** One transaction holding the lock on `lockKey` for its whole read-decide-write. */
  const change = async <T>(lockKey: string, operation: (query: Query) => Promise<T>): Promise<T> => {
    if (access !== 'writer') throw new VaultError('closed', 'this vault is opened read-only');
    await migrate();
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, lockKey]);
      const result = await operation((text, values) => client.query<Record<string, unknown>>(text, values));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError as Error;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  };

  const grantRow = async (query: Query, elevationId: string) =>
    toGrant(
      (await query('SELECT * FROM caseflow_vault_grants WHERE elevation_id = $1', [elevationId])).rows[0],
    );
  const deviceRow = async (query: Query, serial: string) =>
    toDevice(
      (await query('SELECT * FROM caseflow_vault_devices WHERE device_serial = $1', [serial])).rows[0],
    );
  const leaseRow = async (query: Query, leaseId: string) =>
    toLease((await query('SELECT * FROM caseflow_vault_leases WHERE lease_id = $1', [leaseId])).rows[0]);
  const saveDevice = (query: Query, serial: string, device: DeviceRow) =>
    query(
      `INSERT INTO caseflow_vault_devices (device_serial, account, version, rotates_at_ms, set_at_ms, sealed)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (device_serial) DO UPDATE SET account = $2, version = $3, rotates_at_ms = $4,
         set_at_ms = $5, sealed = $6`,
      [serial, device.account, device.version, device.rotatesAtMs, device.setAtMs, sealedJson(device.sealed)],
    );

  return {
    migrate,
    close: () => pool.end(),

    grant: (input) =>
      change(`grant:${input.elevationId}`, async (query) => {
        const { create, record } = grantToStore(input, await grantRow(query, input.elevationId), () =>
          encrypt(keyring, input.password, input.elevationId),
        );
        if (create) {
          await query(
            `INSERT INTO caseflow_vault_grants
               (elevation_id, device_serial, account, ends_at_ms, version, revoked_at_ms, sealed)
             VALUES ($1, $2, $3, $4, $5, NULL, $6)`,
            [
              input.elevationId,
              create.deviceSerial,
              create.account,
              create.endsAtMs,
              create.version,
              sealedJson(create.sealed),
            ],
          );
        }
        return record;
      }),

    extend: (elevationId, endsAtMs, nowMs = Date.now()) =>
      change(`grant:${elevationId}`, async (query) => {
        const stored = await grantRow(query, elevationId);
        const extended = grantExtension(elevationId, stored, endsAtMs, nowMs);
        if (extended) {
          await query(
            'UPDATE caseflow_vault_grants SET ends_at_ms = $2, version = $3 WHERE elevation_id = $1',
            [elevationId, extended.endsAtMs, extended.version],
          );
        }
        return grantRecord(elevationId, extended ?? requireGrant(elevationId, stored));
      }),

    checkout: (elevationId, nowMs) =>
      read(async (query) => {
        const { sealed, endsAtMs } = grantCheckout(elevationId, await grantRow(query, elevationId), nowMs);
        return { password: decrypt(keyring, sealed, elevationId), endsAtMs };
      }),

    revoke: (elevationId, nowMs) =>
      change(`grant:${elevationId}`, async (query) => {
        const { revoked, revokedAtMs, alreadyRevoked } = grantRevocation(
          elevationId,
          await grantRow(query, elevationId),
          nowMs,
        );
        if (revoked) {
          await query(
            `UPDATE caseflow_vault_grants SET revoked_at_ms = $2, sealed = NULL, version = $3
             WHERE elevation_id = $1`,
            [elevationId, revokedAtMs, revoked.version],
          );
        }
        return { revokedAtMs, alreadyRevoked };
      }),

    reencryptAll: async () => {
      const stale = (table: string, idColumn: string) =>
        read(async (query) =>
          (
            await query(
              `SELECT ${idColumn} AS id FROM ${table} WHERE sealed IS NOT NULL AND sealed->>'keyId' <> $1`,
              [keyring.currentKeyId],
            )
          ).rows.map((row) => String(row.id)),
        );
      let rewritten = 0;
      // Row by row, each under its own lock: rotation never stops grants and checkouts for long.
      for (const elevationId of await stale('caseflow_vault_grants', 'elevation_id')) {
        const done = await change(`grant:${elevationId}`, async (query) => {
          const grant = await grantRow(query, elevationId);
          if (!grant?.sealed || grant.sealed.keyId === keyring.currentKeyId) return false;
          const sealed = encrypt(keyring, decrypt(keyring, grant.sealed, elevationId), elevationId);
          await query('UPDATE caseflow_vault_grants SET sealed = $2 WHERE elevation_id = $1', [
            elevationId,
            sealedJson(sealed),
          ]);
          return true;
        });
        if (done) rewritten++;
      }
      for (const serial of await stale('caseflow_vault_devices', 'device_serial')) {
        const done = await change(`device:${serial}`, async (query) => {
          const device = await deviceRow(query, serial);
          if (!device?.sealed || device.sealed.keyId === keyring.currentKeyId) return false;
          const aad = deviceAad(serial, device.version);
          const sealed = encrypt(keyring, decrypt(keyring, device.sealed, aad), aad);
          await query('UPDATE caseflow_vault_devices SET sealed = $2 WHERE device_serial = $1', [
            serial,
            sealedJson(sealed),
          ]);
          return true;
        });
        if (done) rewritten++;
      }
      return rewritten;
    },

    describe: (elevationId) =>
      read(async (query) => {
        const grant = await grantRow(query, elevationId);
        return grant ? { ...grantRecord(elevationId, grant), revokedAtMs: grant.revokedAtMs } : null;
      }),

    sealDevicePassword: (input) =>
      change(`device:${input.deviceSerial}`, async (query) => {
        const sealed = devicePasswordToSeal(input, await deviceRow(query, input.deviceSerial), () =>
          encrypt(keyring, input.password, deviceAad(input.deviceSerial, input.version)),
        );
        if (sealed) await saveDevice(query, input.deviceSerial, sealed);
      }),

    revealDevicePassword: (deviceSerial, version) =>
      read(async (query) =>
        decrypt(
          keyring,
          sealedVersion(deviceSerial, version, await deviceRow(query, deviceSerial)),
          deviceAad(deviceSerial, version),
        ),
      ),

    confirmDevicePassword: (deviceSerial, version, setAtMs) =>
      change(`device:${deviceSerial}`, async (query) => {
        const confirmedAtMs = deviceConfirmation(
          deviceSerial,
          version,
          setAtMs,
          await deviceRow(query, deviceSerial),
        );
        if (confirmedAtMs !== null) {
          await query('UPDATE caseflow_vault_devices SET set_at_ms = $2 WHERE device_serial = $1', [
            deviceSerial,
            confirmedAtMs,
          ]);
        }
      }),

    retireDevicePassword: (deviceSerial, version) =>
      change(`device:${deviceSerial}`, async (query) => {
        const retired = deviceRetirement(deviceSerial, version, await deviceRow(query, deviceSerial));
        if (retired) await saveDevice(query, deviceSerial, retired);
      }),

    openLease: (input) =>
      change(`lease:${input.leaseId}`, async (query) => {
        const existing = await leaseRow(query, input.leaseId);
        const opened = leaseToOpen(input, existing);
        if (!opened) return existing as LeaseRecord;
        await query(
          `INSERT INTO caseflow_vault_leases (lease_id, device_serial, holder, ends_at_ms, opened_at_ms, closed_at_ms)
           VALUES ($1, $2, $3, $4, $5, NULL)`,
          [opened.leaseId, opened.deviceSerial, opened.holder, opened.endsAtMs, opened.openedAtMs],
        );
        return opened;
      }),

    extendLease: (leaseId, endsAtMs) =>
      change(`lease:${leaseId}`, async (query) => {
        const extended = leaseExtension(leaseId, await leaseRow(query, leaseId), endsAtMs);
        await query('UPDATE caseflow_vault_leases SET ends_at_ms = $2 WHERE lease_id = $1', [
          leaseId,
          extended.endsAtMs,
        ]);
        return extended;
      }),

    closeLease: (leaseId, nowMs) =>
      change(`lease:${leaseId}`, async (query) => {
        checkTime(nowMs, 'nowMs');
        // Only an open lease closes: a repeat keeps the first closing time.
        await query(
          'UPDATE caseflow_vault_leases SET closed_at_ms = $2 WHERE lease_id = $1 AND closed_at_ms IS NULL',
          [leaseId, nowMs],
        );
      }),

    stats: (nowMs) =>
      read(async (query) => {
        const leases = await query(
          'SELECT ends_at_ms, opened_at_ms, closed_at_ms FROM caseflow_vault_leases WHERE closed_at_ms IS NULL AND ends_at_ms > $1',
          [nowMs],
        );
        const devices = await query(
          'SELECT rotates_at_ms, set_at_ms, sealed IS NOT NULL AS sealed FROM caseflow_vault_devices WHERE rotates_at_ms <= $1',
          [nowMs],
        );
        return vaultStatsOf(
          leases.rows.map((r) => ({
            endsAtMs: Number(r.ends_at_ms),
            openedAtMs: Number(r.opened_at_ms),
            closedAtMs: null,
          })),
          devices.rows.map((r) => ({
            rotatesAtMs: Number(r.rotates_at_ms),
            setAtMs: r.set_at_ms === null ? null : Number(r.set_at_ms),
            sealed: r.sealed === true,
          })),
          nowMs,
        );
      }),

    describeLease: (leaseId) =>
      read(async (query) => {
        const row = (await query(LEASE_WITH_DEVICE, [leaseId])).rows[0];
        const lease = toLease(row);
        return lease ? leaseDescription(lease, toDeviceOf(row)) : null;
      }),

    checkoutLease: (leaseId, nowMs) =>
      read(async (query) => {
        const row = (await query(LEASE_WITH_DEVICE, [leaseId])).rows[0];
        const { sealed, aad, ...window } = leaseCheckout(leaseId, toLease(row), toDeviceOf(row), nowMs);
        return { password: decrypt(keyring, sealed, aad), ...window };
      }),
  };
}

/** A lease and its device's password in one statement, so both come from the same snapshot. */
const LEASE_WITH_DEVICE = `
  SELECT l.*, d.account AS d_account, d.version AS d_version, d.rotates_at_ms AS d_rotates_at_ms,
         d.set_at_ms AS d_set_at_ms, d.sealed AS d_sealed, d.device_serial AS d_serial
  FROM caseflow_vault_leases l
  LEFT JOIN caseflow_vault_devices d ON d.device_serial = l.device_serial
  WHERE l.lease_id = $1`;

async function runMigrations(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    // Two processes starting together: one migrates, the other waits and then finds it done.
    await client.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_CLASS]);
    await client.query('CREATE TABLE IF NOT EXISTS caseflow_vault_schema (version integer NOT NULL)');
    const current = Number(
      (
        await client.query<{ version: number | null }>(
          'SELECT max(version) AS version FROM caseflow_vault_schema',
        )
      ).rows[0]?.version ?? 0,
    );
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      await client.query(MIGRATIONS[version - 1] as string);
      await client.query('INSERT INTO caseflow_vault_schema (version) VALUES ($1)', [version]);
    }
    if (current > MIGRATIONS.length) {
      throw new VaultError(
        'corrupt',
        `the vault database has schema version ${current}, newer than this build knows`,
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError as Error;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

// ---- rows ---------------------------------------------------------------------------------------

type GrantRow = GrantState & { elevationId: string };
type DeviceRow = DeviceState;

type Row = Record<string, unknown> | undefined;

/** bigint columns arrive as strings; every one of ours holds epoch milliseconds or a version. */
const num = (value: unknown): number => Number(value);
const numOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

function toGrant(row: Row): GrantRow | undefined {
  if (!row) return undefined;
  return {
    elevationId: String(row.elevation_id),
    deviceSerial: String(row.device_serial),
    account: String(row.account),
    endsAtMs: num(row.ends_at_ms),
    version: num(row.version),
    revokedAtMs: numOrNull(row.revoked_at_ms),
    sealed: toSealed(row.sealed),
  };
}

function toDevice(row: Row): DeviceRow | undefined {
  if (!row) return undefined;
  return {
    account: String(row.account),
    version: num(row.version),
    rotatesAtMs: num(row.rotates_at_ms),
    setAtMs: numOrNull(row.set_at_ms),
    sealed: toSealed(row.sealed),
  };
}

function toDeviceOf(row: Row): DeviceRow | undefined {
  if (!row || row.d_serial === null || row.d_serial === undefined) return undefined;
  return {
    account: String(row.d_account),
    version: num(row.d_version),
    rotatesAtMs: num(row.d_rotates_at_ms),
    setAtMs: numOrNull(row.d_set_at_ms),
    sealed: toSealed(row.d_sealed),
  };
}

function toLease(row: Row): LeaseRecord | undefined {
  if (!row) return undefined;
  return {
    leaseId: String(row.lease_id),
    deviceSerial: String(row.device_serial),
    holder: String(row.holder),
    endsAtMs: num(row.ends_at_ms),
    openedAtMs: num(row.opened_at_ms),
    closedAtMs: numOrNull(row.closed_at_ms),
  };
}

function toSealed(value: unknown): SealedSecret | null {
  if (value === null || value === undefined) return null;
  const { keyId, iv, tag, ciphertext } = value as Record<string, unknown>;
  if (
    typeof keyId !== 'string' ||
    typeof iv !== 'string' ||
    typeof tag !== 'string' ||
    typeof ciphertext !== 'string'
  ) {
    throw new VaultError('corrupt', 'a sealed secret in the vault database is malformed');
  }
  return { keyId, iv, tag, ciphertext };
}

const sealedJson = (sealed: SealedSecret | null): string | null => (sealed ? JSON.stringify(sealed) : null);
