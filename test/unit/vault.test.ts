import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { inspect, promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalPostgres, startLocalPostgres } from '../../scripts/lib/postgres';
import {
  type CredentialVault,
  createFileVault,
  generatePassword,
  VaultError,
} from '../../src/vault/credential-vault';
import {
  decrypt,
  encrypt,
  generateVaultKey,
  parseVaultKeys,
  type SealedSecret,
} from '../../src/vault/keyring';
import { createPostgresVault, type PostgresVault } from '../../src/vault/postgres-vault';
import { freePort } from '../support/ports';

const runCommand = promisify(execFile);
const T0 = Date.UTC(2026, 10, 23, 9, 0);
const HOUR = 60 * 60 * 1000;
const PASSWORD = 'Xq7!correct-horse-battery-staple#42';

const k1 = generateVaultKey('k1');
const k2 = generateVaultKey('k2');
const keyMaterial = (entry: string): string => entry.slice(entry.indexOf(':') + 1);

let dir: string;
let vaultPath: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'caseflow-vault-'));
  // A directory the vault has to create itself, so its mode is the vault's doing.
  vaultPath = path.join(dir, 'vault', 'vault.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// A private PostgreSQL for the whole file; every test gets a database of its own.
let postgres: LocalPostgres;
let database = '';
let databases = 0;
const openedPostgresVaults: PostgresVault[] = [];

beforeAll(async () => {
  postgres = await startLocalPostgres({ port: await freePort() });
}, 120_000);

afterAll(async () => {
  await postgres?.stop();
}, 60_000);

async function freshDatabase(): Promise<void> {
  database = `vault_${process.pid}_${++databases}`;
  await postgres.createDatabase(database);
}

afterEach(async () => {
  await Promise.all(openedPostgresVaults.splice(0).map((vault) => vault.close()));
});

function openPostgresVault(keys = k1, access: 'writer' | 'reader' = 'writer'): PostgresVault {
  const vault = createPostgresVault({ url: postgres.url(database), keyring: parseVaultKeys(keys), access });
  openedPostgresVaults.push(vault);
  return vault;
}

/** The two stores behind CredentialVault; the behaviour tests run against each. */
const STORES: {
  name: string;
  prepare: () => Promise<void>;
  open: (keys?: string) => CredentialVault;
  raw: () => Promise<string>;
}[] = [
  {
    name: 'file',
    prepare: () => Promise.resolve(),
    open: (keys = k1) => createFileVault({ path: vaultPath, keyring: parseVaultKeys(keys) }),
    raw: () => readFile(vaultPath, 'utf8'),
  },
  {
    name: 'PostgreSQL',
    prepare: freshDatabase,
    open: (keys) => openPostgresVault(keys),
    raw: () => postgres.dump(database),
  },
];

function openVault(keys = k1): CredentialVault {
  return createFileVault({ path: vaultPath, keyring: parseVaultKeys(keys) });
}

function grantInput(elevationId = 'elev-1', password = PASSWORD) {
  return { elevationId, deviceSerial: 'PF3XK9Z', account: 'jit-admin', endsAtMs: T0 + 2 * HOUR, password };
}

async function vaultError(promise: Promise<unknown>): Promise<VaultError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VaultError);
  return error as VaultError;
}

function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('parseVaultKeys', () => {
  it('makes the first key current and keeps the others for decryption', () => {
    const keyring = parseVaultKeys(` ${k2} , ${k1},`);
    expect(keyring.currentKeyId).toBe('k2');
    expect(keyring.keyIds).toEqual(['k2', 'k1']);
  });

  it('refuses a missing or empty setting', () => {
    expect(() => parseVaultKeys(undefined)).toThrow(/CASEFLOW_VAULT_KEYS is not set/);
    expect(() => parseVaultKeys('  ')).toThrow(/CASEFLOW_VAULT_KEYS/);
    expect(() => parseVaultKeys(',,')).toThrow(/CASEFLOW_VAULT_KEYS holds no keys/);
  });

  it('names the setting and the position of a bad entry', () => {
    const badBase64 = `k9:${keyMaterial(k2).slice(0, 20)}$$${keyMaterial(k2).slice(22)}`;
    expect(() => parseVaultKeys(`${k1},${badBase64}`)).toThrow(
      /^CASEFLOW_VAULT_KEYS: entry 2 \(key k9\) is not valid base64$/,
    );
    const short = `k3:${Buffer.alloc(16, 7).toString('base64')}`;
    expect(() => parseVaultKeys(short)).toThrow(/entry 1 \(key k3\) must decode to exactly 32 bytes/);
    const long = `k3:${Buffer.alloc(33, 7).toString('base64')}`;
    expect(() => parseVaultKeys(long)).toThrow(/entry 1 .*exactly 32 bytes/);
    expect(() => parseVaultKeys(`${k1},k1:${keyMaterial(k2)}`)).toThrow(/entry 2 repeats key id k1/);
    expect(() => parseVaultKeys(keyMaterial(k1))).toThrow(/entry 1 is not in the form keyId:base64key/);
    expect(() => parseVaultKeys(`bad id:${keyMaterial(k1)}`)).toThrow(/entry 1 has a key id that is not/);
    expect(() => parseVaultKeys(`${'k'.repeat(33)}:${keyMaterial(k1)}`)).toThrow(/entry 1 has a key id/);
  });

  it('never puts key material into an error message', () => {
    const material = keyMaterial(k1);
    const attempts = [
      `${k1},k1:${keyMaterial(k2)}`,
      `k3:${material.slice(0, -4)}`,
      `k3:${material}AAAA`,
      `k3:${material.replace(/.$/, '!')}`,
      `bad id:${material}`,
      material,
    ];
    for (const value of attempts) {
      const { message } = thrownBy(() => parseVaultKeys(value));
      expect(message).toMatch(/^CASEFLOW_VAULT_KEYS/);
      expect(message).not.toContain(material.slice(0, 12));
      expect(message).not.toContain(keyMaterial(k2).slice(0, 12));
    }
  });

  it('keeps keys out of JSON and inspect output', () => {
    const keyring = parseVaultKeys(`${k1},${k2}`);
    for (const shown of [JSON.stringify(keyring), inspect(keyring, { showHidden: true, depth: 5 })]) {
      expect(shown).not.toContain(keyMaterial(k1).slice(0, 12));
      expect(shown).not.toContain(keyMaterial(k2).slice(0, 12));
    }
  });

  it('generates fresh 32-byte keys under a valid id only', () => {
    expect(generateVaultKey('k1')).not.toBe(k1);
    expect(Buffer.from(keyMaterial(k1), 'base64')).toHaveLength(32);
    expect(() => generateVaultKey('no spaces')).toThrow(TypeError);
  });
});

describe('encrypt and decrypt', () => {
  const keyring = parseVaultKeys(k1);
  const flip = (b64: string): string => {
    const bytes = Buffer.from(b64, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    return bytes.toString('base64');
  };

  it('round-trips under the current key with a fresh 12-byte iv each time', () => {
    const sealed = encrypt(keyring, PASSWORD, 'elev-1');
    expect(sealed.keyId).toBe('k1');
    expect(Buffer.from(sealed.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(sealed.tag, 'base64')).toHaveLength(16);
    expect(JSON.stringify(sealed)).not.toContain(PASSWORD);
    expect(decrypt(keyring, sealed, 'elev-1')).toBe(PASSWORD);
    expect(encrypt(keyring, PASSWORD, 'elev-1').iv).not.toBe(sealed.iv);
  });

  it.each<[string, (s: SealedSecret) => SealedSecret]>([
    ['ciphertext', (s) => ({ ...s, ciphertext: flip(s.ciphertext) })],
    ['tag', (s) => ({ ...s, tag: flip(s.tag) })],
    ['iv', (s) => ({ ...s, iv: flip(s.iv) })],
    [
      'truncated tag',
      (s) => ({ ...s, tag: Buffer.from(s.tag, 'base64').subarray(0, 12).toString('base64') }),
    ],
  ])('fails authentication with a tampered %s', (_field, tamper) => {
    const sealed = tamper(encrypt(keyring, PASSWORD, 'elev-1'));
    const error = thrownBy(() => decrypt(keyring, sealed, 'elev-1'));
    expect(error).toBeInstanceOf(VaultError);
    expect((error as VaultError).code).toBe('corrupt');
    expect(error.message).not.toContain(PASSWORD);
  });

  it('fails when moved to another entry (different aad)', () => {
    const sealed = encrypt(keyring, PASSWORD, 'elev-1');
    const error = thrownBy(() => decrypt(keyring, sealed, 'elev-2'));
    expect((error as VaultError).code).toBe('corrupt');
  });

  it('reports an unknown key id as a key error', () => {
    const sealed = encrypt(parseVaultKeys(k2), PASSWORD, 'elev-1');
    const error = thrownBy(() => decrypt(keyring, sealed, 'elev-1'));
    expect((error as VaultError).code).toBe('key');
    expect(error.message).toMatch(/no key with id k2/);
  });
});

describe('file vault', () => {
  it('grants, then checks out the password while the window is open', async () => {
    const vault = openVault();
    const record = await vault.grant(grantInput());
    expect(record).toEqual({
      elevationId: 'elev-1',
      deviceSerial: 'PF3XK9Z',
      account: 'jit-admin',
      endsAtMs: T0 + 2 * HOUR,
      version: 1,
    });
    await expect(vault.checkout('elev-1', T0)).resolves.toEqual({
      password: PASSWORD,
      endsAtMs: T0 + 2 * HOUR,
    });
    await expect(vault.describe('elev-1')).resolves.toEqual({ ...record, revokedAtMs: null });
    await expect(vault.describe('elev-unknown')).resolves.toBeNull();
  });

  it('never writes the password to disk, in any encoding', async () => {
    const vault = openVault();
    await vault.grant(grantInput());
    const raw = await readFile(vaultPath);
    for (const needle of [
      PASSWORD,
      Buffer.from(PASSWORD).toString('base64'),
      Buffer.from(PASSWORD).toString('hex'),
    ]) {
      expect(raw.includes(Buffer.from(needle))).toBe(false);
    }
    expect(raw.includes(Buffer.from(keyMaterial(k1)))).toBe(false);
    const entry = JSON.parse(raw.toString('utf8')).entries['elev-1'];
    expect(entry).toMatchObject({ deviceSerial: 'PF3XK9Z', revokedAtMs: null, sealed: { keyId: 'k1' } });
  });

  it('creates the file 0600 in a 0700 directory', async () => {
    await openVault().grant(grantInput());
    expect((await stat(vaultPath)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(vaultPath))).mode & 0o777).toBe(0o700);
  });

  it('treats a missing file as an empty vault', async () => {
    const vault = openVault();
    await expect(vault.describe('elev-1')).resolves.toBeNull();
    expect((await vaultError(vault.checkout('elev-1', T0))).code).toBe('not-found');
    expect((await vaultError(vault.revoke('elev-1', T0))).code).toBe('not-found');
    expect((await vaultError(vault.extend('elev-1', T0 + HOUR, T0))).code).toBe('not-found');
  });

  it('refuses a checkout at or after endsAtMs even though nothing revoked the grant', async () => {
    const vault = openVault();
    await vault.grant(grantInput());
    await expect(vault.checkout('elev-1', T0 + 2 * HOUR - 1)).resolves.toMatchObject({ password: PASSWORD });
    const error = await vaultError(vault.checkout('elev-1', T0 + 2 * HOUR));
    expect(error.code).toBe('expired');
    expect(error.message).not.toContain(PASSWORD);
    // A clock that is not a number never opens the window.
    await expect(vault.checkout('elev-1', Number.NaN)).rejects.toThrow(RangeError);
  });

  it('revokes: the checkout is refused and the password is gone from disk', async () => {
    const vault = openVault();
    await vault.grant(grantInput());
    const sealedBefore = JSON.parse(await readFile(vaultPath, 'utf8')).entries['elev-1'].sealed;

    await expect(vault.revoke('elev-1', T0 + HOUR)).resolves.toEqual({
      revokedAtMs: T0 + HOUR,
      alreadyRevoked: false,
    });

    expect((await vaultError(vault.checkout('elev-1', T0 + HOUR + 1))).code).toBe('revoked');
    const raw = await readFile(vaultPath, 'utf8');
    expect(raw).not.toContain(sealedBefore.ciphertext);
    expect(raw).not.toContain(PASSWORD);
    expect(JSON.parse(raw).entries['elev-1']).toMatchObject({
      sealed: null,
      revokedAtMs: T0 + HOUR,
      version: 2,
    });
  });

  it('is idempotent on revoke: a repeat reports the first revocation', async () => {
    const vault = openVault();
    await vault.grant(grantInput());
    await vault.revoke('elev-1', T0 + HOUR);
    await expect(vault.revoke('elev-1', T0 + 90 * 60_000)).resolves.toEqual({
      revokedAtMs: T0 + HOUR,
      alreadyRevoked: true,
    });
    await expect(vault.describe('elev-1')).resolves.toMatchObject({ revokedAtMs: T0 + HOUR, version: 2 });
  });

  it('is idempotent on grant per elevation id: the first password stays', async () => {
    const vault = openVault();
    const first = await vault.grant(grantInput());
    const again = await vault.grant({
      ...grantInput('elev-1', 'another-password-1!A'),
      endsAtMs: T0 + 9 * HOUR,
    });
    expect(again).toEqual(first);
    await expect(vault.checkout('elev-1', T0)).resolves.toEqual({
      password: PASSWORD,
      endsAtMs: T0 + 2 * HOUR,
    });
    await expect(vault.grant({ ...grantInput(), deviceSerial: 'OTHER' })).rejects.toThrow(/another device/);
  });

  it('extends an open window and refuses once revoked or ended', async () => {
    const vault = openVault();
    await vault.grant(grantInput());
    const extended = await vault.extend('elev-1', T0 + 3 * HOUR, T0 + HOUR);
    expect(extended).toMatchObject({ endsAtMs: T0 + 3 * HOUR, version: 2 });
    // A retried extension changes nothing.
    await expect(vault.extend('elev-1', T0 + 3 * HOUR, T0 + HOUR)).resolves.toEqual(extended);
    await expect(vault.checkout('elev-1', T0 + 150 * 60_000)).resolves.toMatchObject({
      endsAtMs: T0 + 3 * HOUR,
    });

    expect((await vaultError(vault.extend('elev-1', T0 + 5 * HOUR, T0 + 3 * HOUR))).code).toBe('closed');

    await vault.grant(grantInput('elev-2'));
    await vault.revoke('elev-2', T0 + HOUR);
    expect((await vaultError(vault.extend('elev-2', T0 + 3 * HOUR, T0 + HOUR))).code).toBe('closed');
    expect((await vaultError(vault.checkout('elev-2', T0 + HOUR))).code).toBe('revoked');
  });

  it('rotates keys: old entries still open, reencryptAll moves them to the new key', async () => {
    await openVault(k1).grant(grantInput());

    const rotating = openVault(`${k2},${k1}`);
    await expect(rotating.checkout('elev-1', T0)).resolves.toMatchObject({ password: PASSWORD });
    await rotating.grant(grantInput('elev-2'));
    await rotating.grant(grantInput('elev-3'));
    await rotating.revoke('elev-3', T0);
    expect(await rotating.reencryptAll()).toBe(1);
    expect(await rotating.reencryptAll()).toBe(0);

    const { entries } = JSON.parse(await readFile(vaultPath, 'utf8'));
    expect(entries['elev-1'].sealed.keyId).toBe('k2');
    expect(entries['elev-2'].sealed.keyId).toBe('k2');

    const k2Only = openVault(k2);
    await expect(k2Only.checkout('elev-1', T0)).resolves.toMatchObject({ password: PASSWORD });
    await expect(k2Only.checkout('elev-2', T0)).resolves.toMatchObject({ password: PASSWORD });
  });

  it('reports a key error when the keyring lacks the key an entry was sealed with', async () => {
    await openVault(k1).grant(grantInput());
    const error = await vaultError(openVault(k2).checkout('elev-1', T0));
    expect(error.code).toBe('key');
    expect((await vaultError(openVault(k2).reencryptAll())).code).toBe('key');
  });

  it('detects a sealed secret moved to another entry', async () => {
    const vault = openVault();
    await vault.grant(grantInput('elev-1', 'first-password-A1!'));
    await vault.grant(grantInput('elev-2', 'second-password-B2?'));
    const document = JSON.parse(await readFile(vaultPath, 'utf8'));
    document.entries['elev-2'].sealed = document.entries['elev-1'].sealed;
    await writeFile(vaultPath, JSON.stringify(document));
    expect((await vaultError(vault.checkout('elev-2', T0))).code).toBe('corrupt');
  });

  it.each([
    ['not JSON', '{"format": "caseflow-vault", '],
    ['empty', ''],
    ['another document', '{"hello": "world"}'],
    ['a malformed entry', '{"format":"caseflow-vault","version":1,"entries":{"e":{"deviceSerial":1}}}'],
  ])('refuses a corrupt file (%s) and never writes over it', async (_kind, content) => {
    await openVault().grant(grantInput());
    await writeFile(vaultPath, content);
    const vault = openVault();
    expect((await vaultError(vault.describe('elev-1'))).code).toBe('corrupt');
    expect((await vaultError(vault.grant(grantInput('elev-9')))).code).toBe('corrupt');
    expect((await vaultError(vault.revoke('elev-1', T0))).code).toBe('corrupt');
    await expect(readFile(vaultPath, 'utf8')).resolves.toBe(content);
  });

  it('loses no update when 20 grants run at once', async () => {
    const vault = openVault();
    const ids = Array.from({ length: 20 }, (_, i) => `elev-${i}`);
    await Promise.all(ids.map((id) => vault.grant(grantInput(id, `password-${id}-Aa1!`))));
    const fresh = openVault();
    for (const id of ids) {
      await expect(fresh.checkout(id, T0)).resolves.toMatchObject({ password: `password-${id}-Aa1!` });
    }
    const { entries } = JSON.parse(await readFile(vaultPath, 'utf8')) as { entries: object };
    expect(Object.keys(entries)).toHaveLength(20);
  });

  it('lets a second instance on the same file see the first one’s writes', async () => {
    const writer = openVault();
    const reader = openVault();
    await expect(reader.describe('elev-1')).resolves.toBeNull();
    await writer.grant(grantInput());
    await expect(reader.checkout('elev-1', T0)).resolves.toMatchObject({ password: PASSWORD });
    await writer.revoke('elev-1', T0 + HOUR);
    expect((await vaultError(reader.checkout('elev-1', T0 + HOUR))).code).toBe('revoked');
  });

  it('leaves no temp files behind', async () => {
    const vault = openVault();
    await Promise.all([vault.grant(grantInput('a')), vault.grant(grantInput('b')), vault.revoke('a', T0)]);
    // The writer's lock file stays while the process lives.
    expect((await readdir(path.dirname(vaultPath))).sort()).toEqual(['vault.json', 'vault.json.lock']);
  });
});

describe('generatePassword', () => {
  it('is 24 characters with upper, lower, digit and symbol every time', () => {
    for (let i = 0; i < 200; i++) {
      const password = generatePassword();
      expect(password).toHaveLength(24);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[0-9]/);
      expect(password).toMatch(/[^A-Za-z0-9]/);
      expect(password).not.toMatch(/[\s'"`\\$%^!&|<>]/);
    }
  });

  it('does not repeat across 1000 draws', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => generatePassword()));
    expect(seen.size).toBe(1000);
  });
});

describe.each(STORES)('$name vault: device passwords and leases', (store) => {
  beforeEach(store.prepare);
  const openVault = (keys = k1) => store.open(keys);
  const seal = (vault: CredentialVault, version: number, password = PASSWORD) =>
    vault.sealDevicePassword({
      deviceSerial: 'PF3XK9Z',
      account: 'jit-admin',
      version,
      rotatesAtMs: T0 + 2 * HOUR,
      password,
    });
  const lease = (leaseId: string, holder = 'esc-1') => ({
    leaseId,
    deviceSerial: 'PF3XK9Z',
    holder,
    endsAtMs: T0 + HOUR,
    nowMs: T0,
  });

  it('hands the shared password to every open lease only after the device confirmed it', async () => {
    const vault = openVault();
    await seal(vault, 1);
    await vault.openLease(lease('a'));
    await vault.openLease(lease('b', 'esc-2'));
    // Sealed but not on the device yet: nothing to hand out.
    expect((await vaultError(vault.checkoutLease('a', T0))).code).toBe('closed');
    await vault.confirmDevicePassword('PF3XK9Z', 1, T0);
    expect(await vault.checkoutLease('a', T0 + 1)).toEqual({
      password: PASSWORD,
      version: 1,
      endsAtMs: T0 + HOUR,
      rotatesAtMs: T0 + 2 * HOUR,
    });
    expect((await vault.checkoutLease('b', T0 + 1)).password).toBe(PASSWORD);
    await vault.closeLease('a', T0 + 2);
    expect((await vaultError(vault.checkoutLease('a', T0 + 3))).code).toBe('revoked');
    expect((await vault.checkoutLease('b', T0 + 3)).password).toBe(PASSWORD);
    expect((await vaultError(vault.checkoutLease('b', T0 + HOUR))).code).toBe('expired');
  });

  it('keeps the first password of a version on a retry and refuses going back a version', async () => {
    const vault = openVault();
    await seal(vault, 1, 'first-password-1');
    await seal(vault, 1, 'second-password-2');
    expect(await vault.revealDevicePassword('PF3XK9Z', 1)).toBe('first-password-1');
    await seal(vault, 2, 'newer-password-3');
    expect((await vaultError(seal(vault, 1))).code).toBe('closed');
  });

  it('refuses checkout once the password passed its rotation time, and after a post-use rotation', async () => {
    const vault = openVault();
    await seal(vault, 1);
    await vault.confirmDevicePassword('PF3XK9Z', 1, T0);
    await vault.openLease({ ...lease('a'), endsAtMs: T0 + 3 * HOUR });
    expect((await vaultError(vault.checkoutLease('a', T0 + 2 * HOUR))).code).toBe('closed');
    await vault.retireDevicePassword('PF3XK9Z', 2);
    expect((await vaultError(vault.checkoutLease('a', T0 + 1))).code).toBe('closed');
    expect((await vault.describeLease('a'))?.password).toBeNull();
  });

  it('moves a lease end, and never reopens a closed lease', async () => {
    const vault = openVault();
    await vault.openLease(lease('a'));
    expect((await vault.extendLease('a', T0 + 3 * HOUR)).endsAtMs).toBe(T0 + 3 * HOUR);
    await vault.closeLease('a', T0 + 1);
    await vault.closeLease('a', T0 + 2);
    expect((await vault.describeLease('a'))?.lease.closedAtMs).toBe(T0 + 1);
    expect((await vaultError(vault.extendLease('a', T0 + 4 * HOUR))).code).toBe('closed');
    await expect(vault.openLease(lease('a', 'someone-else'))).rejects.toThrow(/another device or holder/);
  });

  it('re-encrypts device passwords under the newest key', async () => {
    await seal(openVault(k1), 1);
    const rotated = openVault(`${k2},${k1}`);
    expect(await rotated.reencryptAll()).toBe(1);
    expect(await openVault(k2).revealDevicePassword('PF3XK9Z', 1)).toBe(PASSWORD);
    expect(await store.raw()).not.toContain(PASSWORD);
  });
});

describe('file vault: format versions', () => {
  const lease = (leaseId: string) => ({
    leaseId,
    deviceSerial: 'PF3XK9Z',
    holder: 'esc-1',
    endsAtMs: T0 + HOUR,
    nowMs: T0,
  });

  it('reads a version 1 file (grants only) and writes version 2', async () => {
    await openVault().grant(grantInput('old'));
    const document = JSON.parse(await readFile(vaultPath, 'utf8')) as Record<string, unknown>;
    await writeFile(
      vaultPath,
      JSON.stringify({ format: 'caseflow-vault', version: 1, entries: document.entries }),
    );
    const vault = openVault();
    expect((await vault.checkout('old', T0)).password).toBe(PASSWORD);
    await vault.openLease(lease('a'));
    expect(JSON.parse(await readFile(vaultPath, 'utf8'))).toMatchObject({ version: 2 });
  });
});

describe('file vault: one writer process', () => {
  it('refuses every change while another live process holds the lock', async () => {
    const file = path.join(dir, 'held', 'vault.json');
    await mkdir(path.dirname(file), { recursive: true });
    // A live process other than this one: the parent of the test runner.
    await writeFile(`${file}.lock`, `${process.ppid}\n`);
    const vault = createFileVault({ path: file, keyring: parseVaultKeys(k1) });
    const error = await vaultError(vault.grant(grantInput('y')));
    expect(error.code).toBe('locked');
    expect(error.message).toMatch(/one writer/);
    // Reading still works: nothing was written.
    expect(await vault.describe('y')).toBeNull();
  });

  it('takes over a lock left by a process that died', async () => {
    const file = path.join(dir, 'stale', 'vault.json');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(`${file}.lock`, '2147483646\n');
    const vault = createFileVault({ path: file, keyring: parseVaultKeys(k1) });
    await vault.grant(grantInput('a'));
    expect((await readFile(`${file}.lock`, 'utf8')).trim()).toBe(String(process.pid));
  });

  it('opened read-only, refuses changes but reads', async () => {
    await openVault().grant(grantInput('a'));
    const reader = createFileVault({ path: vaultPath, keyring: parseVaultKeys(k1), access: 'reader' });
    expect((await reader.checkout('a', T0)).password).toBe(PASSWORD);
    expect((await vaultError(reader.revoke('a', T0))).code).toBe('closed');
  });
});

describe('PostgreSQL vault', () => {
  beforeEach(freshDatabase);

  it('grants, extends, checks out and revokes like the file vault', async () => {
    const vault = openPostgresVault();
    const record = await vault.grant(grantInput());
    expect(record).toEqual({
      elevationId: 'elev-1',
      deviceSerial: 'PF3XK9Z',
      account: 'jit-admin',
      endsAtMs: T0 + 2 * HOUR,
      version: 1,
    });
    expect(await vault.grant({ ...grantInput('elev-1', 'another-password-1!A') })).toEqual(record);
    await expect(vault.grant({ ...grantInput(), deviceSerial: 'OTHER' })).rejects.toThrow(/another device/);
    expect(await vault.extend('elev-1', T0 + 3 * HOUR, T0 + HOUR)).toMatchObject({ version: 2 });
    await expect(vault.checkout('elev-1', T0 + 150 * 60_000)).resolves.toEqual({
      password: PASSWORD,
      endsAtMs: T0 + 3 * HOUR,
    });
    expect((await vaultError(vault.checkout('elev-1', T0 + 3 * HOUR))).code).toBe('expired');
    expect((await vaultError(vault.extend('elev-1', T0 + 5 * HOUR, T0 + 3 * HOUR))).code).toBe('closed');
    await expect(vault.revoke('elev-1', T0 + HOUR)).resolves.toEqual({
      revokedAtMs: T0 + HOUR,
      alreadyRevoked: false,
    });
    await expect(vault.revoke('elev-1', T0 + 2 * HOUR)).resolves.toEqual({
      revokedAtMs: T0 + HOUR,
      alreadyRevoked: true,
    });
    expect((await vaultError(vault.checkout('elev-1', T0))).code).toBe('revoked');
    await expect(vault.describe('elev-1')).resolves.toMatchObject({ revokedAtMs: T0 + HOUR, version: 3 });
    expect((await vaultError(vault.checkout('elev-9', T0))).code).toBe('not-found');
    await expect(vault.checkout('elev-1', Number.NaN)).rejects.toThrow(RangeError);
  });

  it('keeps passwords and keys out of the database, and drops a revoked one for good', async () => {
    const vault = openPostgresVault();
    await vault.grant(grantInput());
    const sealedDump = await postgres.dump(database);
    for (const needle of [PASSWORD, Buffer.from(PASSWORD).toString('base64'), keyMaterial(k1)]) {
      expect(sealedDump).not.toContain(needle);
    }
    const ciphertext = /"ciphertext": "([^"]+)"/.exec(sealedDump)?.[1];
    expect(ciphertext).toBeTruthy();
    await vault.revoke('elev-1', T0);
    expect(await postgres.dump(database)).not.toContain(ciphertext as string);
  });

  it('rotates keys: reencryptAll moves grants and devices to the newest key', async () => {
    await openPostgresVault(k1).grant(grantInput());
    await openPostgresVault(k1).sealDevicePassword({
      deviceSerial: 'PF3XK9Z',
      account: 'jit-admin',
      version: 1,
      rotatesAtMs: T0 + HOUR,
      password: PASSWORD,
    });
    const rotating = openPostgresVault(`${k2},${k1}`);
    await rotating.grant(grantInput('elev-2'));
    expect(await rotating.reencryptAll()).toBe(2);
    expect(await rotating.reencryptAll()).toBe(0);
    const k2Only = openPostgresVault(k2);
    expect((await k2Only.checkout('elev-1', T0)).password).toBe(PASSWORD);
    expect(await k2Only.revealDevicePassword('PF3XK9Z', 1)).toBe(PASSWORD);
    expect((await vaultError(openPostgresVault(k1).checkout('elev-2', T0))).code).toBe('key');
  });

  it('re-encrypts through the keys command, with the vault chosen by CASEFLOW_VAULT_URL', async () => {
    await openPostgresVault(k1).grant(grantInput());
    const { stdout } = await runCommand(
      process.execPath,
      ['--import', 'tsx', 'src/cli/keys.ts', 'reencrypt-vault'],
      {
        env: {
          ...process.env,
          CASEFLOW_VAULT_URL: postgres.url(database),
          CASEFLOW_VAULT_KEYS: `${k2},${k1}`,
          CASEFLOW_DATA_DIR: dir,
        },
      },
    );
    expect(stdout).toMatch(/re-sealed 1 secret/);
    expect((await openPostgresVault(k2).checkout('elev-1', T0)).password).toBe(PASSWORD);
  });

  it('detects a sealed secret moved to another row', async () => {
    const vault = openPostgresVault();
    await vault.grant(grantInput('elev-1', 'first-password-A1!'));
    await vault.grant(grantInput('elev-2', 'second-password-B2?'));
    await postgres.psql(
      `UPDATE caseflow_vault_grants SET sealed = (SELECT sealed FROM caseflow_vault_grants WHERE elevation_id = 'elev-1') WHERE elevation_id = 'elev-2'`,
      database,
    );
    expect((await vaultError(vault.checkout('elev-2', T0))).code).toBe('corrupt');
  });

  it('migrates once when several processes start together, and again is a no-op', async () => {
    const vaults = [openPostgresVault(), openPostgresVault(), openPostgresVault()];
    await Promise.all(vaults.map((vault) => vault.migrate()));
    await openPostgresVault().migrate();
    expect((await postgres.psql('SELECT count(*) FROM caseflow_vault_schema', database)).trim()).toBe('1');
  });

  it('opened read-only, refuses changes but reads', async () => {
    await openPostgresVault().grant(grantInput('a'));
    const reader = openPostgresVault(k1, 'reader');
    expect((await reader.checkout('a', T0)).password).toBe(PASSWORD);
    expect((await vaultError(reader.revoke('a', T0))).code).toBe('closed');
  });

  it('loses nothing when four processes grant, lease, check out and revoke at once', async () => {
    // Four pools are four processes as far as PostgreSQL can tell: two workers and two APIs.
    const processes = [openPostgresVault(), openPostgresVault(), openPostgresVault(), openPostgresVault()];
    const devices = ['DEV-A', 'DEV-B', 'DEV-C'];
    const at = (i: number) => processes[i % processes.length] as PostgresVault;
    // Every device gets versions 1..6 sealed and confirmed from alternating processes, racing.
    await Promise.all(
      devices.map(async (serial, d) => {
        for (let version = 1; version <= 6; version++) {
          const password = `pw-${serial}-${version}-Aa1!`;
          const input = {
            deviceSerial: serial,
            account: 'jit-admin',
            version,
            rotatesAtMs: T0 + HOUR,
            password,
          };
          // The same version sealed twice at once by two processes: one password wins, both see it.
          await Promise.all([
            at(d + version).sealDevicePassword(input),
            at(d + version + 1).sealDevicePassword(input),
          ]);
          await Promise.all([
            at(d + version + 2).confirmDevicePassword(serial, version, T0),
            at(d + version + 3).confirmDevicePassword(serial, version, T0 + 1),
          ]);
        }
      }),
    );
    // 40 leases over the three devices, opened, checked out, extended and closed from all four.
    const leaseIds = Array.from({ length: 40 }, (_, i) => `lease-${i}`);
    await Promise.all(
      leaseIds.map(async (leaseId, i) => {
        const serial = devices[i % devices.length] as string;
        await at(i).openLease({
          leaseId,
          deviceSerial: serial,
          holder: `esc-${i}`,
          endsAtMs: T0 + HOUR,
          nowMs: T0,
        });
        const checkout = await at(i + 1).checkoutLease(leaseId, T0 + 10);
        expect(checkout).toMatchObject({ version: 6, password: `pw-${serial}-6-Aa1!` });
        await at(i + 2).extendLease(leaseId, T0 + 2 * HOUR);
        if (i % 2 === 0)
          await Promise.all([at(i + 3).closeLease(leaseId, T0 + 20), at(i).closeLease(leaseId, T0 + 30)]);
      }),
    );
    // And 30 legacy grants, half revoked, interleaved from every process.
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        await at(i).grant(grantInput(`elev-${i}`, `grant-pw-${i}-Aa1!`));
        if (i % 2 === 0) await at(i + 1).revoke(`elev-${i}`, T0 + 5);
      }),
    );
    const fresh = openPostgresVault();
    for (const [i, leaseId] of leaseIds.entries()) {
      const description = await fresh.describeLease(leaseId);
      expect(description?.lease.endsAtMs).toBe(T0 + 2 * HOUR);
      expect(description?.password).toEqual({ version: 6, rotatesAtMs: T0 + HOUR });
      if (i % 2 === 0) {
        expect([T0 + 20, T0 + 30]).toContain(description?.lease.closedAtMs);
        expect((await vaultError(fresh.checkoutLease(leaseId, T0 + 40))).code).toBe('revoked');
      } else {
        expect(description?.lease.closedAtMs).toBeNull();
      }
    }
    for (const serial of devices) {
      expect(await fresh.revealDevicePassword(serial, 6)).toBe(`pw-${serial}-6-Aa1!`);
    }
    for (let i = 0; i < 30; i++) {
      const grant = await fresh.describe(`elev-${i}`);
      expect(grant).toMatchObject({ version: i % 2 === 0 ? 2 : 1, revokedAtMs: i % 2 === 0 ? T0 + 5 : null });
      if (i % 2 === 1) expect((await fresh.checkout(`elev-${i}`, T0)).password).toBe(`grant-pw-${i}-Aa1!`);
    }
  });
});
