import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EVENT_HEADER,
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  verifySignature,
} from '../../src/domain/webhook-signature';
import {
  createRecordingDeviceAdapter,
  createWebhookDeviceAdapter,
  type PasswordChange,
} from '../../src/vault/device-adapters';

const PASSWORD = 'Vk3#device-only-secret-9Zq';
const SECRET = 'whsec-device-automation-0123';

const change = (overrides: Partial<PasswordChange> = {}): PasswordChange => ({
  deviceSerial: 'PF3XK9Z',
  account: 'jit-admin',
  password: PASSWORD,
  reason: 'grant',
  changeId: 'elev-1',
  ...overrides,
});

describe('recording device adapter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'caseflow-device-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends one line per call, without the password, in a 0600 file', async () => {
    const logPath = path.join(dir, 'nested', 'device-changes.jsonl');
    const adapter = createRecordingDeviceAdapter({ logPath });

    await expect(adapter.setPassword(change())).resolves.toEqual({ reference: 'recorded:1' });
    await expect(
      adapter.setPassword(change({ reason: 'rotate', password: 'Other-secret-7!' })),
    ).resolves.toEqual({
      reference: 'recorded:2',
    });

    const raw = await readFile(logPath, 'utf8');
    expect(raw).not.toContain(PASSWORD);
    expect(raw).not.toContain('Other-secret-7!');
    const lines = raw
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      {
        at: expect.any(String),
        deviceSerial: 'PF3XK9Z',
        account: 'jit-admin',
        reason: 'grant',
        changeId: 'elev-1',
        reference: 'recorded:1',
      },
      expect.objectContaining({ reason: 'rotate', reference: 'recorded:2' }),
    ]);
    expect(Object.keys(lines[0] ?? {})).not.toContain('password');
    expect((await stat(logPath)).mode & 0o777).toBe(0o600);
  });

  it('numbers references on from an existing log and keeps concurrent calls apart', async () => {
    const logPath = path.join(dir, 'device-changes.jsonl');
    await createRecordingDeviceAdapter({ logPath }).setPassword(change());

    const restarted = createRecordingDeviceAdapter({ logPath });
    const results = await Promise.all(
      ['a', 'b', 'c'].map((id) => restarted.setPassword(change({ changeId: `elev-${id}` }))),
    );
    expect(results.map((r) => r.reference)).toEqual(['recorded:2', 'recorded:3', 'recorded:4']);
    expect((await readFile(logPath, 'utf8')).trim().split('\n')).toHaveLength(4);
  });

  it('refuses an empty password without quoting anything', async () => {
    const adapter = createRecordingDeviceAdapter({ logPath: path.join(dir, 'log.jsonl') });
    await expect(adapter.setPassword(change({ password: '' }))).rejects.toThrow('password must not be empty');
  });
});

interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real device-management automation stand-in on a free loopback port, answering on command. */
interface Automation {
  url(pathAndQuery: string): string;
  requests: RecordedRequest[];
  answer: { status: number; headers?: Record<string, string>; body?: string };
}

const servers: Server[] = [];

async function startAutomation(): Promise<Automation> {
  const automation: Automation = { url: () => '', requests: [], answer: { status: 204 } };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      automation.requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const { status, headers, body } = automation.answer;
      res.writeHead(status, headers).end(body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  automation.url = (pathAndQuery) => `http://127.0.0.1:${port}${pathAndQuery}`;
  return automation;
}

afterEach(async () => {
  const closing = servers.splice(0).map(
    (server) =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  await Promise.all(closing);
});

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('webhook device adapter', () => {
  it('posts the change as signed JSON with a stable idempotency key', async () => {
    const automation = await startAutomation();
    const adapter = createWebhookDeviceAdapter({ url: automation.url('/jit/password'), secret: SECRET });

    await expect(adapter.setPassword(change())).resolves.toEqual({ reference: 'http:204' });
    await adapter.setPassword(change({ reason: 'rotate' }));

    const [grant, rotate] = automation.requests;
    expect(grant?.method).toBe('POST');
    expect(grant?.path).toBe('/jit/password');
    expect(JSON.parse(grant?.body ?? '')).toEqual({
      deviceSerial: 'PF3XK9Z',
      account: 'jit-admin',
      password: PASSWORD,
      reason: 'grant',
      changeId: 'elev-1',
    });
    expect(grant?.headers['content-type']).toBe('application/json');
    expect(grant?.headers[IDEMPOTENCY_HEADER]).toBe('elev-1:grant');
    expect(grant?.headers[EVENT_HEADER]).toBe('device-password');
    const verdict = verifySignature(
      SECRET,
      grant?.headers[SIGNATURE_HEADER] as string | undefined,
      grant?.body ?? '',
      Date.now() / 1000,
    );
    expect(verdict.ok).toBe(true);
    expect(
      verifySignature(
        'another-secret',
        grant?.headers[SIGNATURE_HEADER] as string,
        grant?.body ?? '',
        Date.now() / 1000,
      ).ok,
    ).toBe(false);
    expect(rotate?.headers[IDEMPOTENCY_HEADER]).toBe('elev-1:rotate');
  });

  it('takes the reference from a JSON answer', async () => {
    const automation = await startAutomation();
    automation.answer = {
      status: 202,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ reference: 'intune-job-8841' }),
    };
    const adapter = createWebhookDeviceAdapter({ url: automation.url('/jit'), secret: SECRET });
    await expect(adapter.setPassword(change())).resolves.toEqual({ reference: 'intune-job-8841' });

    automation.answer = {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"reference": 42}',
    };
    await expect(adapter.setPassword(change())).resolves.toEqual({ reference: 'http:200' });
  });

  it('throws on a 500 naming only origin, path and status, never the password or body', async () => {
    const automation = await startAutomation();
    automation.answer = { status: 500, body: `could not set ${PASSWORD}` };
    const adapter = createWebhookDeviceAdapter({
      url: automation.url('/jit/password?token=t0ps3cret'),
      secret: SECRET,
    });

    const error = await failureOf(adapter.setPassword(change()));
    expect(error.message).toBe(
      `device password webhook ${automation.url('/jit/password')} answered HTTP 500`,
    );
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain('t0ps3cret');
  });

  it('does not follow a redirect', async () => {
    const automation = await startAutomation();
    automation.answer = { status: 307, headers: { location: '/elsewhere' } };
    const adapter = createWebhookDeviceAdapter({ url: automation.url('/jit'), secret: SECRET });

    expect((await failureOf(adapter.setPassword(change()))).message).toMatch(/answered HTTP 307$/);
    expect(automation.requests.map((r) => r.path)).toEqual(['/jit']);
  });

  it('throws a network error without the password when nothing listens', async () => {
    const automation = await startAutomation();
    const url = automation.url('/jit');
    await new Promise<void>((resolve) => servers.pop()?.close(() => resolve()));
    const adapter = createWebhookDeviceAdapter({ url, secret: SECRET, timeoutMs: 2_000 });

    const error = await failureOf(adapter.setPassword(change()));
    expect(error.message).toMatch(
      /^device password webhook http:\/\/127\.0\.0\.1:\d+\/jit failed: network error/,
    );
    expect(error.message).not.toContain(PASSWORD);
  });

  it('refuses plain http beyond loopback, credentials in the URL and an empty secret', () => {
    expect(() => createWebhookDeviceAdapter({ url: 'http://mdm.example.org/jit', secret: SECRET })).toThrow(
      /https/,
    );
    expect(() =>
      createWebhookDeviceAdapter({ url: 'https://u:p@mdm.example.org/jit', secret: SECRET }),
    ).toThrow(/credentials/);
    expect(() => createWebhookDeviceAdapter({ url: 'not a url', secret: SECRET })).toThrow(/not a URL/);
    expect(() => createWebhookDeviceAdapter({ url: 'https://mdm.example.org/jit', secret: '' })).toThrow(
      /secret/,
    );
    expect(() =>
      createWebhookDeviceAdapter({ url: 'https://mdm.example.org/jit', secret: SECRET }),
    ).not.toThrow();
  });
});
