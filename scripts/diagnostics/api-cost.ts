/**
 * What one `POST /v1/cases` costs the API process in CPU, with nothing else competing: a dev
 * server, the API (no worker: a start is accepted without one) and this process as the client.
 * Prints the API's and the client's CPU per request and the latency, per client kind: `fetch`
 * (undici) and `node:http` with a keep-alive agent. Interleaved blocks, so drift falls on both.
 *
 *   tsx scripts/diagnostics/api-cost.ts [--concurrency=16] [--cases=500] [--blocks=3] [--clients=fetch,http]
 *     [--cpu-prof=DIR]   a V8 CPU profile of the API, written when it stops
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey } from '../../src/api/auth';
import { ensureDevVaultKeys } from '../../src/vault-setup';
import { cpuMs } from '../bench/proc';
import { BenchHttpClient } from '../bench/http-client';
import { summarize } from '../bench/stats';
import { startDevServer } from '../dev-server';
import { repoRoot } from '../tools';
import { freePort } from '../../test/support/ports';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const concurrency = Number(args.get('concurrency') ?? 16);
const cases = Number(args.get('cases') ?? 500);
const blocks = Number(args.get('blocks') ?? 3);
const clients = (args.get('clients') ?? 'fetch,http').split(',') as ('fetch' | 'http')[];
const cpuProf = args.get('cpu-prof');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let seq = 0;
const body = () => {
  seq++;
  return {
    title: 'Skrivaren på plan 3 skriver inte ut',
    description: `Utskrifter fastnar i kön sedan i morse; skrivaren visar inget fel. (${seq})`,
    requester: { id: `u-${seq % 5000}`, name: 'Anna Berg', contact: 'anna.berg@example.org' },
    device: { serial: `PF${(100000 + (seq % 90000)).toString(36).toUpperCase()}`, group: 'broad' },
    severity: 'C',
  };
};

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'api-cost-'));
  const children: ChildProcess[] = [];
  try {
    const port = await freePort();
    children.push(
      startDevServer({ dataDir: join(work, 'temporal'), ip: '127.0.0.1', port, uiPort: null }, 'pipe'),
    );
    const key = generateKey('cost-agent', ['agent']);
    const keysFile = join(work, 'api-keys.json');
    writeFileSync(keysFile, JSON.stringify([key.entry]), { mode: 0o600 });
    const apiPort = await freePort();
    const api = spawn(
      process.execPath,
      [...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : []), '--import', 'tsx', 'src/server.ts'],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: {
          ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CASEFLOW_'))),
          TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
          CASEFLOW_DATA_DIR: join(work, 'caseflow'),
          CASEFLOW_API_KEYS_FILE: keysFile,
          CASEFLOW_VAULT_KEYS: ensureDevVaultKeys(join(work, 'caseflow')),
          CASEFLOW_TASK_QUEUE: 'api-cost',
          CASEFLOW_LOG_LEVEL: 'warn',
          CASEFLOW_HOST: '127.0.0.1',
          PORT: String(apiPort),
          CASEFLOW_RATE_LIMIT_PER_MINUTE: '1000000',
          CASEFLOW_RATE_LIMIT_BURST: '100000',
        },
      },
    );
    children.push(api);
    const url = `http://127.0.0.1:${apiPort}`;
    for (let i = 0; ; i++) {
      if (
        await fetch(`${url}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 480) throw new Error('the API did not become ready');
      await sleep(250);
    }
    const headers = { authorization: `Bearer ${key.token}`, 'content-type': 'application/json' };
    const http = new BenchHttpClient(url, key.token, concurrency);
    const post: Record<'fetch' | 'http', () => Promise<number>> = {
      fetch: async () => {
        const res = await fetch(`${url}/v1/cases`, { method: 'POST', headers, body: JSON.stringify(body()) });
        await res.arrayBuffer();
        return res.status;
      },
      http: async () => (await http.send('POST', '/v1/cases', body(), 60_000)).status,
    };
    const run = async (kind: 'fetch' | 'http', n: number) => {
      const latencies: number[] = [];
      let next = 0;
      const api0 = cpuMs(api.pid!);
      const self0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next++ < n) {
            const s = performance.now();
            const status = await post[kind]();
            if (status !== 201) throw new Error(`POST answered ${status}`);
            latencies.push(performance.now() - s);
          }
        }),
      );
      const wall = performance.now() - t0;
      const self = process.cpuUsage(self0);
      return {
        perSecond: (n / wall) * 1000,
        apiMs: (cpuMs(api.pid!) - api0) / n,
        clientMs: (self.user + self.system) / 1000 / n,
        latency: summarize(latencies),
      };
    };
    for (const kind of clients) await run(kind, 100); // warm-up: JIT, connections, first starts
    for (let b = 0; b < blocks; b++) {
      for (const kind of b % 2 ? [...clients].reverse() : clients) {
        const r = await run(kind, cases);
        console.log(
          `${kind.padEnd(5)} block ${b + 1}: ${r.perSecond.toFixed(1)}/s, API ${r.apiMs.toFixed(2)} ms CPU per POST, ` +
            `client ${r.clientMs.toFixed(2)} ms, p50/p99 ${r.latency.p50.toFixed(0)}/${r.latency.p99.toFixed(0)} ms`,
        );
      }
    }
  } finally {
    for (const c of children.reverse()) {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
    }
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
