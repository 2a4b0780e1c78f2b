import { createHmac, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CALLBACK_KINDS, signCallback, verifyCallback } from '../../src/domain/callbacks';
import { callbackSchema } from '../../src/schemas/callbacks-schema';
import { signPayload } from '../../src/domain/webhook-signature';

const secret = 'vendor-callback-secret-7a3b9c';
const t = 1_767_225_600;

const minimal = { callbackId: 'cb-000001', kind: 'acknowledged', message: 'Ticket opened.' };
const full = {
  callbackId: 'acme:T0001:update.2',
  kind: 'update',
  message: 'Replacement dock shipped, arrives Thursday.',
  externalReference: 'acme-T0001',
  occurredAt: '2026-01-01T09:30:00.000Z',
};

describe('callbackSchema', () => {
  it('accepts a minimal and a complete callback', () => {
    expect(callbackSchema.parse(minimal)).toEqual(minimal);
    expect(callbackSchema.parse(full)).toEqual(full);
  });

  it('accepts every kind', () => {
    expect(CALLBACK_KINDS).toEqual(['acknowledged', 'update', 'needs-info', 'resolved']);
    for (const kind of CALLBACK_KINDS)
      expect(callbackSchema.safeParse({ ...minimal, kind }).success).toBe(true);
  });

  it('trims the message', () => {
    expect(callbackSchema.parse({ ...minimal, message: '  Fixed.\n' }).message).toBe('Fixed.');
  });

  it.each([
    ['a short callbackId', { ...minimal, callbackId: 'cb-1' }, 'callbackId'],
    ['a callbackId with spaces', { ...minimal, callbackId: 'cb 000001' }, 'callbackId'],
    ['a callbackId with a slash', { ...minimal, callbackId: 'cb/000001' }, 'callbackId'],
    ['a too long callbackId', { ...minimal, callbackId: 'x'.repeat(129) }, 'callbackId'],
    ['an unknown kind', { ...minimal, kind: 'closed' }, 'kind'],
    ['a blank message', { ...minimal, message: '   ' }, 'message'],
    ['a too long message', { ...minimal, message: 'x'.repeat(10_001) }, 'message'],
    ['a too long externalReference', { ...minimal, externalReference: 'r'.repeat(201) }, 'externalReference'],
    ['an occurredAt that is not an ISO time', { ...minimal, occurredAt: 'yesterday' }, 'occurredAt'],
    ['an occurredAt with an offset', { ...minimal, occurredAt: '2026-01-01T10:30:00+01:00' }, 'occurredAt'],
    ['an unknown field', { ...minimal, status: 'done' }, ''],
  ])('rejects %s', (_label, input, field) => {
    const result = callbackSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(field);
  });

  it('accepts the longest allowed values', () => {
    const longest = {
      ...minimal,
      callbackId: 'x'.repeat(128),
      message: 'x'.repeat(10_000),
      externalReference: 'r'.repeat(200),
    };
    expect(callbackSchema.safeParse(longest).success).toBe(true);
  });
});

describe('verifyCallback', () => {
  const body = JSON.stringify(full);
  const address = { target: 'vendor', escalationId: `${randomUUID()}.x1` };
  const header = signCallback(secret, t, body, address);

  it('accepts a callback signed with the party secret, within the window', () => {
    expect(verifyCallback(secret, header, body, address, t)).toEqual({ ok: true });
    expect(verifyCallback(secret, header, body, address, t + 300)).toEqual({ ok: true });
    expect(verifyCallback(secret, header, body, address, t - 300)).toEqual({ ok: true });
  });

  it('rejects a tampered body', () => {
    const tampered = body.replace('Thursday', 'Friday');
    expect(verifyCallback(secret, header, tampered, address, t)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('rejects the same bytes re-serialised differently', () => {
    const reformatted = JSON.stringify(full, null, 2);
    expect(verifyCallback(secret, header, reformatted, address, t)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it("rejects a signature made with another party's secret", () => {
    const forged = signCallback('service-ops-secret-1234567', t, body, address);
    expect(verifyCallback(secret, forged, body, address, t)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a stale signature, and honours a custom tolerance', () => {
    expect(verifyCallback(secret, header, body, address, t + 301)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyCallback(secret, header, body, address, t - 301)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyCallback(secret, header, body, address, t + 61, 60)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyCallback(secret, header, body, address, t + 60, 60)).toEqual({ ok: true });
  });

  it('reports a missing or malformed header', () => {
    expect(verifyCallback(secret, undefined, body, address, t)).toEqual({ ok: false, reason: 'missing' });
    expect(verifyCallback(secret, '  ', body, address, t)).toEqual({ ok: false, reason: 'missing' });
    expect(verifyCallback(secret, 'sha256=abc', body, address, t)).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(verifyCallback(secret, `t=${t}`, body, address, t)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('is bound to the escalation: a signed callback replayed to another escalation of the same target is refused', () => {
    const other = { target: 'vendor', escalationId: `${randomUUID()}.x1` };
    expect(verifyCallback(secret, header, body, other, t)).toEqual({ ok: false, reason: 'bad-signature' });
    const nextOfSameCase = { target: 'vendor', escalationId: address.escalationId.replace(/x1$/, 'x2') };
    expect(verifyCallback(secret, header, body, nextOfSameCase, t)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('is bound to the target: the same escalation id under another target is refused', () => {
    const elsewhere = { target: 'service-ops', escalationId: address.escalationId };
    expect(verifyCallback(secret, header, body, elsewhere, t)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('refuses a signature over the body alone (the unbound scheme)', () => {
    const unbound = signPayload(secret, t, body);
    expect(verifyCallback(secret, unbound, body, address, t)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('signs `<t>.<target>.<escalationId>.<raw body>`, so parties can compute it without this library', () => {
    const mac = createHmac('sha256', secret)
      .update(`${t}.vendor.${address.escalationId}.${body}`)
      .digest('hex');
    expect(header).toBe(`t=${t},v1=${mac}`);
  });
});
