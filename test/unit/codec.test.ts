import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app';
import { generateKey } from '../../src/api/auth';
import { casePolicySchema } from '../../src/schemas/case-policy-schema';
import { createLogger } from '../../src/logger';
import {
  CodecError,
  codecFromEnv,
  decodeJsonPayloads,
  EncryptionCodec,
  parseCodecKeys,
  payloadFromJson,
  payloadToJson,
} from '../../src/temporal/codec';
import { loadTemporalTarget } from '../../src/temporal/connection';
import { generateVaultKey } from '../../src/vault/keyring';

const k1 = generateVaultKey('c1');
const k2 = generateVaultKey('c2');
const SECRET_TEXT = 'Anna Berg cannot print: the printer on floor 3 eats every job';

const toPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const fromPayload = (payload: Payload): unknown => defaultPayloadConverter.fromPayload(payload);
const utf8 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

describe('EncryptionCodec', () => {
  const codec = new EncryptionCodec(parseCodecKeys(k1));

  it('seals the whole payload, names the key, and opens it again', async () => {
    const original = toPayload({ description: SECRET_TEXT });
    const [sealed] = (await codec.encode([original])) as [Payload];
    expect(utf8(sealed.metadata?.encoding)).toBe('binary/encrypted');
    expect(utf8(sealed.metadata?.['encryption-key-id'])).toBe('c1');
    // Neither the text nor the original encoding is visible in what Temporal stores.
    expect(Buffer.from(sealed.data ?? []).includes(Buffer.from('Anna Berg'))).toBe(false);
    expect(Buffer.from(sealed.data ?? []).includes(Buffer.from('json/plain'))).toBe(false);
    const [opened] = (await codec.decode([sealed])) as [Payload];
    expect(fromPayload(opened)).toEqual({ description: SECRET_TEXT });
    expect(utf8(opened.metadata?.encoding)).toBe('json/plain');
  });

  it('uses a fresh iv for every payload', async () => {
    const [a, b] = (await codec.encode([toPayload('same'), toPayload('same')])) as [Payload, Payload];
    expect(Buffer.from(a.data ?? []).equals(Buffer.from(b.data ?? []))).toBe(false);
  });

  it('rotates: new payloads use the first key, older ones still open, an unknown key is refused', async () => {
    const [old] = (await codec.encode([toPayload('sealed under c1')])) as [Payload];
    const rotated = new EncryptionCodec(parseCodecKeys(`${k2},${k1}`));
    const [fresh] = (await rotated.encode([toPayload('sealed under c2')])) as [Payload];
    expect(utf8(fresh.metadata?.['encryption-key-id'])).toBe('c2');
    expect((await rotated.decode([old, fresh])).map(fromPayload)).toEqual([
      'sealed under c1',
      'sealed under c2',
    ]);
    await expect(codec.decode([fresh])).rejects.toThrow(/CASEFLOW_CODEC_KEYS has no key with id c2/);
  });

  it('refuses a tampered payload and passes unsealed ones through', async () => {
    const [sealed] = (await codec.encode([toPayload({ a: 1 })])) as [Payload];
    const data = Buffer.from(sealed.data ?? []);
    data[20] = (data[20] ?? 0) ^ 1;
    await expect(codec.decode([{ ...sealed, data }])).rejects.toBeInstanceOf(CodecError);
    await expect(codec.decode([{ ...sealed, data: data.subarray(0, 10) }])).rejects.toThrow(/too short/);
    const plain = toPayload({ written: 'before the codec' });
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('is on for clients and workers exactly when CASEFLOW_CODEC_KEYS is set', () => {
    expect(codecFromEnv({})).toBeUndefined();
    expect(codecFromEnv({ CASEFLOW_CODEC_KEYS: k1 })?.currentKeyId).toBe('c1');
    expect(loadTemporalTarget({ CASEFLOW_CODEC_KEYS: `${k2},${k1}` }).payloadCodecs).toHaveLength(1);
    expect(loadTemporalTarget({}).payloadCodecs).toEqual([]);
    expect(() => codecFromEnv({ CASEFLOW_CODEC_KEYS: 'c1:short' })).toThrow(/^CASEFLOW_CODEC_KEYS: entry 1/);
  });

  it('opens every sealed payload inside a JSON history, wherever it sits', async () => {
    const [input, result] = (await codec.encode([toPayload({ note: SECRET_TEXT }), toPayload('done')])) as [
      Payload,
      Payload,
    ];
    const history = {
      events: [
        {
          eventId: '1',
          workflowExecutionStartedEventAttributes: { input: { payloads: [payloadToJson(input)] } },
        },
        {
          eventId: '2',
          activityTaskCompletedEventAttributes: { result: { payloads: [payloadToJson(result)] } },
          untouched: { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: 'IjEi' },
        },
      ],
    };
    expect(JSON.stringify(history)).not.toContain('Anna Berg');
    const opened = await decodeJsonPayloads(history, [codec]);
    const started = opened.events[0]?.workflowExecutionStartedEventAttributes?.input.payloads[0];
    expect(fromPayload(payloadFromJson(started ?? {}))).toEqual({ note: SECRET_TEXT });
    expect(opened.events[1]?.untouched).toEqual(history.events[1]?.untouched);
    // The original stays sealed: exports keep what Temporal stored.
    expect(JSON.stringify(history)).not.toContain('Anna Berg');
    expect(await decodeJsonPayloads(history, [])).toBe(history);
  });
});

describe('POST /codec/decode', () => {
  const codec = new EncryptionCodec(parseCodecKeys(k1));
  const auditor = generateKey('auditor-1', ['auditor']);
  const ops = generateKey('ops-1', ['service-ops']);
  const UI_ORIGIN = 'http://127.0.0.1:8080';
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    // The endpoint never talks to Temporal; a lazy connection is never opened.
    const client = new Client({
      connection: Connection.lazy({ address: '127.0.0.1:1' }),
      dataConverter: { payloadCodecs: [codec] },
    });
    const app = createApp({
      client,
      keys: [auditor.entry, ops.entry],
      taskQueue: 'unused',
      supportModel: 'customer-led',
      providerName: 'Test',
      policy: casePolicySchema.parse({}),
      maxBodyBytes: 16_384,
      codecCorsOrigins: [UI_ORIGIN],
      log: createLogger('api', 'silent'),
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/codec/decode`;
    close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  });

  afterAll(() => close());

  const sealedBody = async () => ({
    payloads: (await codec.encode([toPayload({ requester: 'Anna Berg' })])).map(payloadToJson),
  });
  const post = async (token: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: JSON.stringify(body),
    });

  it('opens payloads for a principal allowed to read cases', async () => {
    const res = await post(auditor.token, await sealedBody(), { origin: UI_ORIGIN });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    const { payloads } = (await res.json()) as {
      payloads: { metadata: Record<string, string>; data: string }[];
    };
    expect(fromPayload(payloadFromJson(payloads[0] ?? {}))).toEqual({ requester: 'Anna Berg' });
  });

  it('refuses without a sign-in, with a bad key, and for a role that may not read cases', async () => {
    const body = await sealedBody();
    const anonymous = await post(undefined, body);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain('Anna');
    expect((await post('x'.repeat(40), body)).status).toBe(401);
    expect((await post(ops.token, body)).status).toBe(403);
  });

  it('answers a preflight only for the Web UI’s origin', async () => {
    const preflight = (origin: string) =>
      fetch(url, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization',
        },
      });
    const allowed = await preflight(UI_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const other = await preflight('http://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a problem for malformed or unopenable payloads', async () => {
    expect((await post(auditor.token, { payloads: 'nope' })).status).toBe(400);
    const foreign = new EncryptionCodec(parseCodecKeys(k2));
    const res = await post(auditor.token, {
      payloads: (await foreign.encode([toPayload('x')])).map(payloadToJson),
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  });
});
