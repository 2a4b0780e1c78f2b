import { createServer, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE } from './problem';

/**
 * The HTTP server around the app, with limits against slow and oversized clients: a client must
 * send all its headers within `headersTimeoutMs` and its whole request within `requestTimeoutMs`
 * (a slowloris trickling bytes is cut off, 408), idle keep-alive connections close, and headers
 * beyond `maxHeaderBytes` are refused with 431. Node answers these before express sees the
 * request, so the answers are written here, as problem documents like every other error.
 */
export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  maxHeaderBytes: number;
  keepAliveTimeoutMs?: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxHeaderBytes: 16_384,
  keepAliveTimeoutMs: 5_000,
};

export function createLimitedServer(
  app: RequestListener,
  limits: ServerLimits = DEFAULT_SERVER_LIMITS,
): Server {
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      // Node enforces the two timeouts on this interval (30 s by default, which would let a slow
      // client hold a connection that much longer than the timeout says).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, limits.headersTimeoutMs / 2)),
    },
    app,
  );
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs ?? DEFAULT_SERVER_LIMITS.keepAliveTimeoutMs ?? 5_000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket));
  return server;
}

const ANSWERS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request header fields too large',
    'The request headers exceed the allowed size.',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request timeout', 'The request was not received in time.'],
};

function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const [status, title, detail] = ANSWERS[err.code ?? ''] ?? [
    400,
    'Bad request',
    'The request is not valid HTTP.',
  ];
  const body = JSON.stringify({ type: 'about:blank', title, status, detail });
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
