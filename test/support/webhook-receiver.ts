import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, verifySignature } from '../../src/domain/webhook-signature';

export interface ReceivedHook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  signatureValid: boolean;
  receivedAt: string;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedHook[];
  close(): Promise<void>;
}

/**
 * A stand-in for an outside party that receives caseflow's webhooks: a real HTTP server on
 * loopback that verifies signatures and records what arrived. Tests in other processes read the
 * record at GET /received and steer it with POST /control {"failNext": n} (answer 500 n times).
 */
export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  let failNext = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      if (req.method === 'GET' && path === '/received') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
        return;
      }
      if (req.method === 'POST' && path === '/control') {
        failNext = (JSON.parse(body) as { failNext: number }).failNext;
        res.writeHead(204).end();
        return;
      }
      if (failNext > 0) {
        failNext--;
        res.writeHead(500).end('failing on command');
        return;
      }
      const verdict = verifySignature(
        secret,
        req.headers[SIGNATURE_HEADER] as string | undefined,
        body,
        Date.now() / 1000,
      );
      received.push({
        path,
        headers: req.headers,
        body,
        signatureValid: verdict.ok,
        receivedAt: new Date().toISOString(),
      });
      res.writeHead(verdict.ok ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
