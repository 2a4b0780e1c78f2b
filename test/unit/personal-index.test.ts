import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildElevationListQuery } from '../../src/api/elevation-gateway';
import { openCase } from '../../src/domain/case-lifecycle';
import { buildCaseListQuery } from '../../src/temporal/case-list-query';
import {
  PersonalIndex,
  personalIndexFromEnv,
  SEARCH_ATTRIBUTE_KEYS_SETTING,
} from '../../src/temporal/personal-index';
import {
  caseSearchAttributes,
  DeviceSerial,
  elevationSearchAttributes,
  RequesterId,
} from '../../src/temporal/search-attributes';
import { generateVaultKey } from '../../src/vault/keyring';
import { caseInput } from '../support/case-fixtures';

const ONLY_CASES = `WorkflowType = 'supportCase' AND ExecutionStatus != 'ContinuedAsNew'`;
const index = (keys: string) => personalIndexFromEnv({ [SEARCH_ATTRIBUTE_KEYS_SETTING]: keys });

describe('PersonalIndex', () => {
  const k1 = generateVaultKey('k1');
  const k2 = generateVaultKey('k2');

  it('hashes with HMAC-SHA-256 under the first key, truncated, named by its key id', () => {
    const value = index(`${k1},${k2}`).indexed('RequesterId', 'u-1001');
    const key = Buffer.from(k1.slice('k1:'.length), 'base64');
    const expected = createHmac('sha256', key).update('RequesterId\0u-1001').digest('hex').slice(0, 32);
    expect(value).toBe(`k1:${expected}`);
    expect(value).not.toContain('u-1001');
  });

  it('is stable for one key and differs between keys, attributes and values', () => {
    const a = index(k1);
    expect(a.indexed('RequesterId', 'u-1001')).toBe(index(k1).indexed('RequesterId', 'u-1001'));
    expect(a.indexed('RequesterId', 'u-1001')).not.toBe(a.indexed('RequesterId', 'u-1002'));
    // One string as a requester and as a device does not link the two.
    expect(a.indexed('RequesterId', 'PF3XK9Z')).not.toBe(a.indexed('DeviceSerial', 'PF3XK9Z'));
    expect(index(generateVaultKey('k1')).indexed('RequesterId', 'u-1001')).not.toBe(
      a.indexed('RequesterId', 'u-1001'),
    );
  });

  it('matches cases indexed under every listed key and before hashing, so rotation keeps filters working', () => {
    const before = index(k1).indexed('DeviceSerial', 'PF3XK9Z');
    const rotated = index(`${k2},${k1}`);
    const after = rotated.indexed('DeviceSerial', 'PF3XK9Z');
    expect(after.startsWith('k2:')).toBe(true);
    expect(rotated.candidates('DeviceSerial', 'PF3XK9Z')).toEqual([after, before, 'PF3XK9Z']);
  });

  it('indexes values in clear without keys (the embedded default)', () => {
    const clear = personalIndexFromEnv({});
    expect(clear.hashes).toBe(false);
    expect(clear.indexed('RequesterId', 'u-1001')).toBe('u-1001');
    expect(clear.candidates('RequesterId', 'u-1001')).toEqual(['u-1001']);
    expect(new PersonalIndex().hashes).toBe(false);
  });

  it('refuses a malformed key setting without echoing the key', () => {
    expect(() => index('k1:not-base64!')).toThrow(SEARCH_ATTRIBUTE_KEYS_SETTING);
    expect(() => index('k1:not-base64!')).not.toThrow(/not-base64!/);
    expect(JSON.stringify(index(k1))).toBe('{"hashes":true,"keyIds":["k1"]}');
  });
});

describe('list filters on personal attributes', () => {
  const rotated = index(`${generateVaultKey('k2')},${generateVaultKey('k1')}`);
  const candidates = (attribute: 'RequesterId' | 'DeviceSerial', value: string) =>
    rotated.candidates(attribute, value);

  it('ask for any of the hashes of the requester or device filter, never a clause of its own text only', () => {
    const [h2, h1] = rotated.candidates('RequesterId', 'u-1001');
    expect(buildCaseListQuery({ requester: 'u-1001' }, { kind: 'all' }, candidates)).toBe(
      `${ONLY_CASES} AND RequesterId IN ('${h2}', '${h1}', 'u-1001')`,
    );
    const [d2, d1] = rotated.candidates('DeviceSerial', 'PF3XK9Z');
    expect(buildCaseListQuery({ device: 'PF3XK9Z', status: 'new' }, { kind: 'all' }, candidates)).toBe(
      `${ONLY_CASES} AND CaseStatus = 'new' AND DeviceSerial IN ('${d2}', '${d1}', 'PF3XK9Z')`,
    );
    expect(buildElevationListQuery({ device: 'PF3XK9Z' }, candidates)).toBe(
      `WorkflowType IN ('elevation', 'elevationLease') AND DeviceSerial IN ('${d2}', '${d1}', 'PF3XK9Z')`,
    );
  });

  it('quote nothing but validated values and hashes', () => {
    const hostile = () => ["x' OR 1=1"];
    expect(() => buildCaseListQuery({ requester: 'u-1' }, { kind: 'all' }, hostile)).toThrow();
  });
});

describe('search attributes of a case and its elevations', () => {
  const personal = { requesterId: 'k1:aa', deviceSerial: 'k1:bb' };
  const record = openCase(caseInput(), Date.now());
  const valueOf = (pairs: { key: { name: string }; value: unknown }[], name: string) =>
    pairs.find((p) => p.key.name === name)?.value;

  it('carry the indexed values the start gave, not the requester id or serial', () => {
    const pairs = caseSearchAttributes(record, { personal });
    expect(valueOf(pairs, RequesterId.name)).toBe('k1:aa');
    expect(valueOf(pairs, DeviceSerial.name)).toBe('k1:bb');
    expect(JSON.stringify(pairs)).not.toContain(record.requester.id);
    expect(JSON.stringify(pairs)).not.toContain(record.device.serial);
  });

  it('remove them for a case that has none (null), keep them in clear for histories from before (absent)', () => {
    const removed = caseSearchAttributes(record, { personal: null });
    expect(valueOf(removed, RequesterId.name)).toBeNull();
    expect(valueOf(removed, DeviceSerial.name)).toBeNull();
    expect(valueOf(caseSearchAttributes(record), RequesterId.name)).toBe(record.requester.id);
  });

  it('index an elevation’s device as its case does', () => {
    const e = { status: 'pending-approval', requestedBy: 'esc-1', request: { deviceSerial: 'PF3XK9Z' } };
    expect(valueOf(elevationSearchAttributes({ ...e, deviceIndex: 'k1:bb' }), DeviceSerial.name)).toBe(
      'k1:bb',
    );
    expect(
      valueOf(elevationSearchAttributes({ ...e, deviceIndex: null }), DeviceSerial.name),
    ).toBeUndefined();
    expect(valueOf(elevationSearchAttributes(e), DeviceSerial.name)).toBe('PF3XK9Z');
  });
});
