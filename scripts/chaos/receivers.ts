import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { callbackPath, signCallback } from '../../src/domain/callbacks';
import {
  EVENT_HEADER,
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  verifySignature,
} from '../../src/domain/webhook-signature';
import type { PasswordSet } from './invariants';

/**
 * How a receiver behaves right now: answering, gone (connection refused), failing (503), or
 * hanging (accepts the request and never answers until the fault ends, then drops it).
 */
export type ReceiverMode = 'up' | 'down' | 'failing' | 'hanging';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  signatureValid: boolean;
  atMs: number;
  /** What it answered; 0 for a request it held and dropped. */
  status: number;
}

export interface ChaosReceiver {
  name: string;
  url: string;
  /** Every request that reached it while it listened, including refused and dropped ones. */
  received: ReceivedRequest[];
  mode(): ReceiverMode;
  setMode(mode: ReceiverMode): Promise<void>;
  close(): Promise<void>;
}

type Answer = { status: number; body?: object };

/**
 * A recording stand-in for an outside party, on loopback, that checks caseflow's signature and
 * can fail or hang on command; `accept` decides the answer to a validly signed request.
 */
export async function startChaosReceiver(options: {
  name: string;
  secret: string;
  accept: (req: ReceivedRequest) => Answer;
}): Promise<ChaosReceiver> {
  const { name, secret, accept } = options;
  const received: ReceivedRequest[] = [];
  const held = new Set<ServerResponse>();
  let mode: ReceiverMode = 'up';
  let server: Server | undefined;
  let port = 0;

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = req.headers[SIGNATURE_HEADER];
      const signatureValid = verifySignature(
        secret,
        Array.isArray(header) ? header[0] : header,
        body,
        Math.floor(Date.now() / 1000),
      ).ok;
      const record: ReceivedRequest = {
        path: req.url ?? '/',
        headers: req.headers,
        body,
        signatureValid,
        atMs: Date.now(),
        status: 0,
      };
      received.push(record);
      if (mode === 'hanging') {
        held.add(res);
        return;
      }
      const answer: Answer =
        mode === 'failing'
          ? { status: 503, body: { error: 'failing on command' } }
          : signatureValid
            ? accept(record)
            : { status: 401, body: { error: 'bad signature' } };
      record.status = answer.status;
      res
        .writeHead(answer.status, { 'content-type': 'application/json' })
        .end(answer.body ? JSON.stringify(answer.body) : undefined);
    });
  };

  const listen = async () => {
    if (server?.listening) return;
    const s = createServer(onRequest);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    server = s;
    port = (s.address() as AddressInfo).port;
  };
  const stop = async () => {
    const s = server;
    server = undefined;
    if (!s?.listening) return;
    // Keep-alive sockets would otherwise keep the party reachable after it went down.
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  const dropHeld = () => {
    for (const res of held) res.destroy();
    held.clear();
  };

  await listen();
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    received,
    mode: () => mode,
    setMode: async (next) => {
      if (mode === 'hanging' && next !== 'hanging') dropHeld();
      mode = next;
      if (next === 'down') await stop();
      else await listen();
    },
    close: async () => {
      dropHeld();
      await stop();
    },
  };
}

const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** An escalation party: one ticket per idempotency key, whatever the number of attempts. */
export async function startPartyReceiver(name: string, secret: string) {
  const tickets = new Map<string, string>();
  const receiver = await startChaosReceiver({
    name,
    secret,
    accept: (req) => {
      const key = header(req.headers, IDEMPOTENCY_HEADER);
      if (key === undefined) return { status: 400, body: { error: 'idempotency-key required' } };
      let ticket = tickets.get(key);
      if (ticket === undefined) {
        ticket = `${name}-T${String(tickets.size + 1).padStart(5, '0')}`;
        tickets.set(key, ticket);
      }
      return { status: 201, body: { reference: ticket } };
    },
  });
  return { ...receiver, tickets };
}

/** The device-management side: applies each password change once per idempotency key. */
export async function startDeviceReceiver(secret: string) {
  const applied = new Map<string, PasswordSet>();
  const receiver = await startChaosReceiver({
    name: 'device-management',
    secret,
    accept: (req) => {
      const key = header(req.headers, IDEMPOTENCY_HEADER);
      if (key === undefined) return { status: 400 };
      if (!applied.has(key)) {
        const change = JSON.parse(req.body) as { deviceSerial: string; password: string; reason: string };
        applied.set(key, {
          serial: change.deviceSerial,
          password: change.password,
          reason: change.reason,
          atMs: req.atMs,
        });
      }
      return { status: 204 };
    },
  });
  return { ...receiver, passwordSets: () => [...applied.values()] };
}

/** The notification subscriber: takes everything validly signed. */
export function startNotificationReceiver(secret: string) {
  return startChaosReceiver({ name: 'notifications', secret, accept: () => ({ status: 204 }) });
}

/** What a party accepted, in the shape the delivery invariant reads. */
export function acceptedDeliveries(party: ChaosReceiver) {
  return party.received
    .filter((r) => r.status >= 200 && r.status < 300)
    .map((r) => {
      let escalationId: string | undefined;
      try {
        const id = (JSON.parse(r.body) as { escalationId?: unknown }).escalationId;
        if (typeof id === 'string') escalationId = id;
      } catch {
        // Not JSON: the invariant reports it as a delivery without an id.
      }
      return {
        party: party.name,
        idempotencyKey: header(r.headers, IDEMPOTENCY_HEADER),
        escalationId,
        event: header(r.headers, EVENT_HEADER),
        signatureValid: r.signatureValid,
      };
    });
}

/** A signed callback from a party to caseflow, as the party would send it. */
export function sendCallback(
  apiUrl: string,
  party: { name: string; secret: string },
  escalationId: string,
  callback: { callbackId: string; kind: string; message: string },
): Promise<Response> {
  const body = JSON.stringify(callback);
  return fetch(`${apiUrl}${callbackPath(party.name, escalationId)}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signCallback(party.secret, Math.floor(Date.now() / 1000), body, {
        target: party.name,
        escalationId,
      }),
      [IDEMPOTENCY_HEADER]: callback.callbackId,
    },
    body,
    signal: AbortSignal.timeout(60_000),
  });
}
