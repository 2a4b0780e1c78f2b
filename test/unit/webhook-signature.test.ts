import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TOLERANCE_SECONDS,
  EVENT_HEADER,
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  signPayload,
  verifySignature,
} from '../../src/domain/webhook-signature';

const secret = 'whsec-current-0123456789';
const oldSecret = 'whsec-previous-9876543210';
const t = 1_700_000_000;
const body = JSON.stringify({ id: 'c-1:breach', summary: 'Skrivaren på plan 3 svarar inte' });

const v1Of = (header: string): string => header.split(',v1=')[1] ?? '';

describe('signPayload', () => {
  it('produces t=<ts>,v1=<hex HMAC-SHA256 of "<ts>.<body>">', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
    expect(signPayload(secret, t, body)).toBe(`t=${t},v1=${expected}`);
  });

  it('binds the timestamp into the MAC', () => {
    expect(v1Of(signPayload(secret, t, body))).not.toBe(v1Of(signPayload(secret, t + 1, body)));
  });

  it('rejects an empty secret and timestamps that are not whole non-negative seconds', () => {
    expect(() => signPayload('', t, body)).toThrow(/secret/);
    expect(() => signPayload(secret, 1.5, body)).toThrow(RangeError);
    expect(() => signPayload(secret, -1, body)).toThrow(RangeError);
    expect(() => signPayload(secret, Number.NaN, body)).toThrow(RangeError);
  });

  it('names its headers in lower case', () => {
    expect([SIGNATURE_HEADER, IDEMPOTENCY_HEADER, EVENT_HEADER]).toEqual([
      'caseflow-signature',
      'idempotency-key',
      'caseflow-event',
    ]);
  });
});

describe('verifySignature', () => {
  const header = signPayload(secret, t, body);

  it('accepts its own signature and reports the signed time', () => {
    expect(verifySignature(secret, header, body, t)).toEqual({ ok: true, timestamp: t });
  });

  it('rejects a tampered body', () => {
    expect(verifySignature(secret, header, body.replace('3', '4'), t)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifySignature(secret, header, `${body} `, t)).toMatchObject({ reason: 'bad-signature' });
  });

  it('rejects a signature made with another secret', () => {
    expect(verifySignature('another-secret', header, body, t)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('rejects a timestamp swapped onto a valid MAC', () => {
    const moved = header.replace(`t=${t}`, `t=${t + 60}`);
    expect(verifySignature(secret, moved, body, t + 60)).toMatchObject({ reason: 'bad-signature' });
  });

  it('accepts clock drift up to the tolerance and rejects old or future timestamps beyond it', () => {
    const tolerance = DEFAULT_TOLERANCE_SECONDS;
    expect(verifySignature(secret, header, body, t + tolerance).ok).toBe(true);
    expect(verifySignature(secret, header, body, t - tolerance).ok).toBe(true);
    expect(verifySignature(secret, header, body, t + tolerance + 1)).toEqual({ ok: false, reason: 'stale' });
    expect(verifySignature(secret, header, body, t - tolerance - 1)).toEqual({ ok: false, reason: 'stale' });
  });

  it('honours a custom tolerance', () => {
    expect(verifySignature(secret, header, body, t + 31, 30)).toMatchObject({ reason: 'stale' });
    expect(verifySignature(secret, header, body, t + 3000, 3600).ok).toBe(true);
  });

  it('reports a missing header', () => {
    expect(verifySignature(secret, undefined, body, t)).toEqual({ ok: false, reason: 'missing' });
    expect(verifySignature(secret, '', body, t)).toEqual({ ok: false, reason: 'missing' });
    expect(verifySignature(secret, '   ', body, t)).toEqual({ ok: false, reason: 'missing' });
  });

  it.each([
    ['no fields', 'garbage'],
    ['no timestamp', `v1=${v1Of(header)}`],
    ['no v1 value', `t=${t}`],
    ['a non-numeric timestamp', `t=soon,v1=${v1Of(header)}`],
    ['a negative timestamp', `t=-${t},v1=${v1Of(header)}`],
    ['two timestamps', `t=${t},t=${t},v1=${v1Of(header)}`],
    ['a short MAC', `t=${t},v1=${v1Of(header).slice(2)}`],
    ['a non-hex MAC', `t=${t},v1=${'z'.repeat(64)}`],
    ['an empty field name', `t=${t},=x,v1=${v1Of(header)}`],
    ['a field without a value separator', `t=${t},v1${v1Of(header)}`],
  ])('rejects a header with %s as malformed', (_label, malformed) => {
    expect(verifySignature(secret, malformed, body, t)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('tolerates spaces around fields, upper-case hex and unknown schemes', () => {
    const mac = v1Of(header);
    expect(verifySignature(secret, ` t=${t} , v1=${mac.toUpperCase()} `, body, t).ok).toBe(true);
    expect(verifySignature(secret, `t=${t},v0=legacy,v1=${mac}`, body, t).ok).toBe(true);
  });

  it('accepts a header carrying several v1 values when any one matches (key rotation)', () => {
    const rotating = `${signPayload(oldSecret, t, body)},v1=${v1Of(header)}`;
    expect(verifySignature(secret, rotating, body, t)).toEqual({ ok: true, timestamp: t });
    expect(verifySignature(oldSecret, rotating, body, t)).toEqual({ ok: true, timestamp: t });
    expect(verifySignature('retired-secret', rotating, body, t)).toMatchObject({ reason: 'bad-signature' });
  });

  it('checks the MAC before the clock, so a forged stale header is a bad signature', () => {
    const forged = `t=${t},v1=${'0'.repeat(64)}`;
    expect(verifySignature(secret, forged, body, t + 10_000)).toMatchObject({ reason: 'bad-signature' });
  });

  it('refuses to verify with an empty secret', () => {
    expect(() => verifySignature('', header, body, t)).toThrow(/secret/);
  });
});
