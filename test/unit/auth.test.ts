import { describe, expect, it } from 'vitest';
import { findPrincipal, generateKey, KeysFileError, parseKeys, sha256Hex } from '../../src/api/auth';
import { caseIdForKey } from '../../src/api/cases';
import { isAllowed } from '../../src/domain/roles';

describe('API keys', () => {
  const alice = generateKey('alice', ['agent', 'escalation-team']);
  const bob = generateKey('bob', ['it-admin']);
  const keys = [alice.entry, bob.entry];

  it('finds the principal a token belongs to, by hash', () => {
    expect(findPrincipal(keys, alice.token)).toEqual({
      principal: 'alice',
      roles: ['agent', 'escalation-team'],
    });
    expect(findPrincipal(keys, bob.token)?.principal).toBe('bob');
    expect(findPrincipal(keys, `${alice.token}x`)).toBeUndefined();
    expect(findPrincipal([], alice.token)).toBeUndefined();
  });

  it('stores only the hash of a generated token', () => {
    expect(alice.entry.keySha256).toBe(sha256Hex(alice.token));
    expect(JSON.stringify(alice.entry)).not.toContain(alice.token);
    expect(alice.token).not.toBe(generateKey('alice', ['agent']).token);
  });

  it('validates the keys file', () => {
    const ok = [{ principal: 'alice', roles: ['agent'], keySha256: 'A'.repeat(64) }];
    expect(parseKeys(ok, 'test')[0]?.keySha256).toBe('a'.repeat(64));
    expect(() =>
      parseKeys([{ principal: 'alice', roles: ['root'], keySha256: 'a'.repeat(64) }], 'f'),
    ).toThrow(KeysFileError);
    expect(() => parseKeys([{ principal: 'alice', roles: ['agent'], keySha256: 'abc' }], 'f')).toThrow(
      /64 hex/,
    );
    expect(() => parseKeys([{ principal: 'a', roles: [], keySha256: 'a'.repeat(64) }], 'f')).toThrow(
      KeysFileError,
    );
    expect(() => parseKeys({}, 'f')).toThrow(KeysFileError);
    expect(() => parseKeys([ok[0], { ...ok[0], principal: 'bob' }], 'f')).toThrow(/share one key/);
  });
});

describe('permissions', () => {
  it('lets escalation-team members do what agents do, and auditors only read', () => {
    expect(isAllowed({ principal: 'e', roles: ['escalation-team'] }, 'case:create')).toBe(true);
    expect(isAllowed({ principal: 'a', roles: ['auditor'] }, 'case:create')).toBe(false);
    expect(isAllowed({ principal: 'a', roles: ['auditor'] }, 'case:read')).toBe(true);
    expect(isAllowed({ principal: 's', roles: ['service-ops'] }, 'case:read')).toBe(false);
  });
});

describe('idempotency keys', () => {
  it('map to one stable UUID per principal and key', () => {
    const id = caseIdForKey('alice', 'key-0001');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(caseIdForKey('alice', 'key-0001')).toBe(id);
    expect(caseIdForKey('bob', 'key-0001')).not.toBe(id);
    expect(caseIdForKey('alice', 'key-0002')).not.toBe(id);
  });
});

describe('system actor names', () => {
  it.each(['caseflow', 'CaseFlow', 'service-ops', 'vendor', 'microsoft-channel', 'system'])(
    'refuses a principal named %s, which the record uses for the system or a party',
    (principal) => {
      expect(() => parseKeys([{ principal, roles: ['agent'], keySha256: 'a'.repeat(64) }], 'f')).toThrow(
        /system records as its own actor/,
      );
    },
  );
});
