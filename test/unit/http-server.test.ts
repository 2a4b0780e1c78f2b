import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLimitedServer } from '../../src/api/http-server';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function listen(limits: Parameters<typeof createLimitedServer>[1]) {
  const server = createLimitedServer((_req, res) => res.end('ok'), limits);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return (server.address() as AddressInfo).port;
}

/** Sends `parts` over a raw socket, `gapMs` apart, and collects whatever the server answers. */
function rawExchange(port: number, parts: string[], gapMs: number): Promise<{ answer: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answer, ms: Date.now() - started });
    });
    const send = (i: number) => {
      if (i >= parts.length || socket.destroyed) return;
      socket.write(parts[i] as string);
      timer = setTimeout(() => send(i + 1), gapMs);
    };
    send(0);
  });
}

describe('the API HTTP server limits', () => {
  it('cuts off a client trickling its headers (slowloris) with 408 once the headers timeout passes', async () => {
    const port = await listen({ headersTimeoutMs: 1_000, requestTimeoutMs: 5_000, maxHeaderBytes: 16_384 });
    const trickle = [
      'GET /healthz HTTP/1.1\r\n',
      ...Array.from({ length: 60 }, (_, i) => `X-Slow-${i}: a\r\n`),
    ];
    const { answer, ms } = await rawExchange(port, trickle, 200);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('application/problem+json');
    expect(ms).toBeLessThan(5_000);
  });

  it('refuses headers beyond the limit with 431 as a problem document', async () => {
    const port = await listen({ headersTimeoutMs: 5_000, requestTimeoutMs: 10_000, maxHeaderBytes: 4_096 });
    const { answer } = await rawExchange(
      port,
      [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(8_000)}\r\n\r\n`],
      0,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toContain('application/problem+json');
    expect(answer).toContain('"status":431');
  });

  it('serves ordinary requests', async () => {
    const port = await listen({ headersTimeoutMs: 5_000, requestTimeoutMs: 10_000, maxHeaderBytes: 16_384 });
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
  });
});
