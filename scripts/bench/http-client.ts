import { Agent, request } from 'node:http';

/*
 * The bench's HTTP client for caseflow's API: node:http over kept-alive connections. The load
 * generator shares the machine with what it measures, and `fetch` (undici) cost about 4.3 ms of
 * the bench's CPU per POST against 1.4–1.8 ms for this (scripts/diagnostics/api-cost.ts), while
 * the bare side's gRPC client costs about 1 ms: a heavier client on one side would be charged to
 * that side's throughput.
 */

export interface HttpAnswer {
  status: number;
  body: string;
}

class ReusedSocketReset extends Error {}

export class BenchHttpClient {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    maxSockets = 64,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  /** One request; rejects on a network error or when the connection stays silent for `timeoutMs`. */
  async send(method: 'GET' | 'POST', path: string, json: unknown, timeoutMs: number): Promise<HttpAnswer> {
    try {
      return await this.once(method, path, json, timeoutMs);
    } catch (err) {
      // A kept-alive connection the API closed as idle just as this request went out on it (its
      // keep-alive timeout is 5 s): the request never reached the API, so it is sent again, once.
      if (!(err instanceof ReusedSocketReset)) throw err;
      return this.once(method, path, json, timeoutMs);
    }
  }

  private once(method: 'GET' | 'POST', path: string, json: unknown, timeoutMs: number): Promise<HttpAnswer> {
    const payload = json === undefined ? undefined : JSON.stringify(json);
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.baseUrl}${path}`,
        {
          method,
          agent: this.agent,
          timeout: timeoutMs,
          headers: {
            authorization: `Bearer ${this.token}`,
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(req.reusedSocket && err.code === 'ECONNRESET' ? new ReusedSocketReset(err.message) : err),
      );
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
