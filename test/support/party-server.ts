import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { signCallback } from '../../src/domain/callbacks';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, verifySignature } from '../../src/domain/webhook-signature';

export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  body: string;
  signatureValid: boolean;
  /** Milliseconds since the epoch. */
  at: number;
  /** What the party answered, so failed attempts can be told from accepted ones. */
  status: number;
}

export interface CallbackOptions {
  /** Sign with this instead of the party's secret. */
  secret?: string;
  timestampSeconds?: number;
  /** Sign with a secret that is not the party's, as an impostor would. */
  forgeSignature?: boolean;
  /** Sign for this escalation id instead of the one the callback is sent to: a captured callback replayed elsewhere. */
  signedFor?: string;
}

export interface PartyServer {
  /** Base URL; caseflow delivers to `${url}/escalations`. */
  url: string;
  /** Every delivery attempt that reached the party, including those it refused. */
  received: ReceivedDelivery[];
  /** Idempotency key → ticket id: a party opens a ticket for an escalation exactly once. */
  tickets: Map<string, string>;
  failNext(n: number): void;
  down(): Promise<void>;
  up(): Promise<void>;
  slow(ms: number): void;
  sendCallback(
    apiUrl: string,
    target: string,
    escalationId: string,
    callback: Record<string, unknown>,
    options?: CallbackOptions,
  ): Promise<Response>;
  close(): Promise<void>;
}

export const ESCALATIONS_PATH = '/escalations';

/**
 * A stand-in for an external escalation party (service operations, the Microsoft channel, a
 * vendor): a real HTTP server on loopback that checks caseflow's signature, opens one ticket per
 * idempotency key, and can be made to fail, go away and come back on the same port, or answer
 * slowly. It also plays the party's side of the conversation by sending signed callbacks.
 */
export async function startPartyServer(options: { secret: string; name: string }): Promise<PartyServer> {
  const { secret, name } = options;
  const received: ReceivedDelivery[] = [];
  const tickets = new Map<string, string>();
  const pendingAnswers = new Set<NodeJS.Timeout>();
  let failuresLeft = 0;
  let delayMs = 0;

  // An outage comes before authentication, as it would at a real party: a 503 creates nothing.
  const decide = (signatureValid: boolean, key: string | undefined): { status: number; answer: object } => {
    if (failuresLeft > 0) {
      failuresLeft--;
      return { status: 503, answer: { error: 'temporarily unavailable' } };
    }
    if (!signatureValid) return { status: 401, answer: { error: 'bad signature' } };
    if (key === undefined) return { status: 400, answer: { error: 'idempotency-key required' } };
    return { status: 201, answer: { reference: ticketFor(key) } };
  };

  const signatureIsValid = (headers: IncomingHttpHeaders, body: string): boolean =>
    verifySignature(secret, headerValue(headers[SIGNATURE_HEADER]), body, Math.floor(Date.now() / 1000)).ok;

  const ticketFor = (key: string): string => {
    let ticket = tickets.get(key);
    if (ticket === undefined) {
      ticket = `${name}-T${String(tickets.size + 1).padStart(4, '0')}`;
      tickets.set(key, ticket);
    }
    return ticket;
  };

  const answerLater = (res: ServerResponse, status: number, answer: object): void => {
    const send = () => {
      // The caller may have given up already; writing to its closed socket would only raise noise.
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    };
    if (delayMs <= 0) {
      send();
      return;
    }
    // The ticket already exists when the answer is late, as with a real party that is merely slow.
    const timer = setTimeout(() => {
      pendingAnswers.delete(timer);
      send();
    }, delayMs);
    pendingAnswers.add(timer);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== ESCALATIONS_PATH) {
      res.writeHead(404).end();
      return;
    }
    const signatureValid = signatureIsValid(req.headers, body);
    const { status, answer } = decide(signatureValid, headerValue(req.headers[IDEMPOTENCY_HEADER]));
    received.push({ headers: req.headers, body, signatureValid, at: Date.now(), status });
    answerLater(res, status, answer);
  };

  const listener = new Listener((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  const port = await listener.start(0);
  const url = `http://127.0.0.1:${port}`;

  const cancelPendingAnswers = () => {
    for (const timer of pendingAnswers) clearTimeout(timer);
    pendingAnswers.clear();
  };

  return {
    url,
    received,
    tickets,
    failNext: (n) => {
      failuresLeft = n;
    },
    slow: (ms) => {
      delayMs = ms;
    },
    down: async () => {
      cancelPendingAnswers();
      await listener.stop();
    },
    up: async () => {
      await listener.start(port);
    },
    sendCallback: (apiUrl, target, escalationId, callback, callbackOptions = {}) =>
      postCallback({
        apiUrl,
        target,
        escalationId,
        callback,
        partyName: name,
        partySecret: secret,
        callbackOptions,
      }),
    close: async () => {
      cancelPendingAnswers();
      await listener.stop();
    },
  };
}

/** Owns the node:http server, so the party can stop listening and start again on the same port. */
class Listener {
  private server: Server | undefined;

  constructor(private readonly onRequest: (req: IncomingMessage, res: ServerResponse) => void) {}

  async start(port: number): Promise<number> {
    if (this.server?.listening) return (this.server.address() as AddressInfo).port;
    const server = createServer(this.onRequest);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server?.listening) return;
    // Keep-alive sockets from fetch would otherwise keep the party reachable after it went down.
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  }
}

interface CallbackRequest {
  apiUrl: string;
  target: string;
  escalationId: string;
  callback: Record<string, unknown>;
  partyName: string;
  partySecret: string;
  callbackOptions: CallbackOptions;
}

function postCallback(request: CallbackRequest): Promise<Response> {
  const { apiUrl, target, escalationId, callback, partyName, partySecret, callbackOptions } = request;
  const body = JSON.stringify(callback);
  const timestamp = callbackOptions.timestampSeconds ?? Math.floor(Date.now() / 1000);
  const signingSecret = callbackOptions.forgeSignature
    ? `forged-${partySecret}-not-the-real-one`
    : (callbackOptions.secret ?? partySecret);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': `${partyName}-callbacks`,
    [SIGNATURE_HEADER]: signCallback(signingSecret, timestamp, body, {
      target,
      escalationId: callbackOptions.signedFor ?? escalationId,
    }),
  };
  if (typeof callback.callbackId === 'string') headers[IDEMPOTENCY_HEADER] = callback.callbackId;
  const path = `/v1/callbacks/${encodeURIComponent(target)}/${encodeURIComponent(escalationId)}`;
  // The body goes out byte for byte as signed: caseflow must verify exactly these bytes.
  return fetch(`${apiUrl.replace(/\/+$/, '')}${path}`, { method: 'POST', headers, body });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
