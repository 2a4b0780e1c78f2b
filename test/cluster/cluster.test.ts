import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FRONTEND_SERVER_NAME } from '../../scripts/lib/cluster';
import { POSTGRES_USER, findPostgresBin } from '../../scripts/lib/postgres';
import { repoRoot } from '../../scripts/tools';
import { personalIndexFromEnv } from '../../src/temporal/personal-index';
import {
  type ClusterContext,
  clusterContext,
  intake,
  postOk,
  type RunningApi,
  startApi,
} from '../support/harness';

const run = promisify(execFile);
let api: RunningApi;
let cluster: ClusterContext;

beforeAll(async () => {
  cluster = clusterContext() as ClusterContext;
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

const caseStatus = async (id: string): Promise<string> =>
  (
    (await (await api.request(`/v1/cases/${id}`, { token: api.as.auditor!.token })).json()) as {
      status: string;
    }
  ).status;

/** pg_dump of one of the cluster's databases, as a backup or a stolen disk would show it. */
async function dump(database: string): Promise<string> {
  const bin = findPostgresBin() as string;
  const args = [
    '--data-only',
    '-h',
    '127.0.0.1',
    '-p',
    String(cluster.postgresPort),
    '-U',
    POSTGRES_USER,
    database,
  ];
  const [command, fullArgs] =
    process.getuid?.() === 0
      ? ['runuser', ['-u', POSTGRES_USER, '--', join(bin, 'pg_dump'), ...args]]
      : [join(bin, 'pg_dump'), args];
  const { stdout } = await run(command, fullArgs, { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

/** The settings every caseflow process of the cluster runs with (keys inside). */
const caseflowEnv = (): NodeJS.ProcessEnv =>
  JSON.parse(readFileSync(join(cluster.baseDir, 'caseflow.env.json'), 'utf8')) as NodeJS.ProcessEnv;

/** Histories are stored as bytea: look for the text itself and for its hex form. */
function containsText(haystack: string, text: string): boolean {
  return haystack.includes(text) || haystack.includes(Buffer.from(text, 'utf8').toString('hex'));
}

describe('the frontend speaks only mTLS', () => {
  const tls = () => ({
    ca: readFileSync(cluster.temporalEnv.TEMPORAL_TLS_SERVER_CA_CERT_PATH as string),
    crt: readFileSync(cluster.temporalEnv.TEMPORAL_TLS_CLIENT_CERT_PATH as string),
    key: readFileSync(cluster.temporalEnv.TEMPORAL_TLS_CLIENT_KEY_PATH as string),
  });
  const reach = async (options: Parameters<typeof Connection.connect>[0]): Promise<boolean> => {
    try {
      const connection = await Connection.connect({ ...options, connectTimeout: 3_000 });
      try {
        await connection.withDeadline(Date.now() + 3_000, () => connection.workflowService.getSystemInfo({}));
        return true;
      } finally {
        await connection.close();
      }
    } catch {
      return false;
    }
  };

  it('refuses a client without the client certificate, and a plaintext one; admits the certificate holder', async () => {
    const address = inject('temporalAddress');
    const { ca, crt, key } = tls();
    expect(await reach({ address })).toBe(false);
    expect(
      await reach({
        address,
        tls: { serverNameOverride: FRONTEND_SERVER_NAME, serverRootCACertificate: ca },
      }),
    ).toBe(false);
    expect(
      await reach({
        address,
        tls: {
          serverNameOverride: FRONTEND_SERVER_NAME,
          serverRootCACertificate: ca,
          clientCertPair: { crt, key },
        },
      }),
    ).toBe(true);
  });
});

describe('payloads are sealed in Temporal’s database', () => {
  it('keeps requester names, case texts and notes out of a database dump, while the API reads them', async () => {
    const marker = `Q${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const name = `Zebulon ${marker}name`;
    const description = `The plotter on floor 9 prints ${marker}text in mirror writing.`;
    const note = `Called back, ${marker}note, will retry tomorrow.`;
    const title = `Plotter ${marker}title mirrors`;
    const requesterId = `u-${marker}`;
    const serial = `SN${marker}`;
    const created = await postOk(api, '/v1/cases', api.as.agent!.token, {
      ...intake({ title, description }),
      requester: { id: requesterId, name, contact: `${marker}@example.org` },
      device: { serial, group: 'broad' },
    });
    const id = created.id as string;
    await expect.poll(() => caseStatus(id), { timeout: 30_000, interval: 250 }).not.toBe('new');
    await postOk(api, `/v1/cases/${id}/notes`, api.as.agent!.token, { text: note });
    // An elevation indexes the device too (requested only: approval would start the device's owner).
    await postOk(api, `/v1/cases/${id}/elevations`, api.as.escalation!.token, {
      ticketId: 'HD-2201',
      deviceSerial: serial,
      category: 'device',
      title: 'Reinstall the printer driver',
      planOfAction: 'Remove the broken driver in Device Manager and scan for hardware changes.',
      actions: ['elevate-shell'],
    });
    const timeline = await (
      await api.request(`/v1/cases/${id}/timeline`, { token: api.as.auditor!.token })
    ).text();
    expect(timeline).toContain(`${marker}title`);

    const visibility = await dump('temporal_visibility');
    const stores = `${await dump('temporal')}\n${visibility}`;
    expect(containsText(stores, id)).toBe(true); // the dump is real: the case's id is there
    // The requester and the device are indexed, as keyed hashes only.
    const index = personalIndexFromEnv(caseflowEnv());
    expect(index.hashes).toBe(true);
    expect(containsText(visibility, index.indexed('RequesterId', requesterId))).toBe(true);
    expect(containsText(visibility, index.indexed('DeviceSerial', serial))).toBe(true);
    for (const secret of [
      requesterId,
      serial,
      `${marker}name`,
      `${marker}title`,
      `${marker}text`,
      `${marker}note`,
      `${marker}@example.org`,
    ]) {
      expect(containsText(stores, secret), secret).toBe(false);
    }
  });

  it('still filters lists by requester and device (both APIs hash the filter alike) and shows them in clear', async () => {
    const marker = `R${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const requesterId = `u-${marker}`;
    const serial = `SN${marker}`;
    const created = await postOk(api, '/v1/cases', api.as.agent!.token, {
      ...intake(),
      requester: { id: requesterId, name: 'Nils Holm', contact: 'nils.holm@example.org' },
      device: { serial, group: 'broad' },
    });
    const id = created.id as string;
    await expect.poll(() => caseStatus(id), { timeout: 30_000, interval: 250 }).not.toBe('new');
    const elevation = await postOk(api, `/v1/cases/${id}/elevations`, api.as.escalation!.token, {
      ticketId: 'HD-2202',
      deviceSerial: serial,
      category: 'device',
      title: 'Reinstall the printer driver',
      planOfAction: 'Remove the broken driver in Device Manager and scan for hardware changes.',
      actions: ['elevate-shell'],
    });
    const list = async (path: string) =>
      (
        (await (await api.request(path, { token: api.as.auditor!.token })).json()) as {
          items: Record<string, unknown>[];
        }
      ).items;
    // Each request goes to the other API process in turn: both hash with the same keys.
    for (let round = 0; round < 2; round++) {
      await expect
        .poll(async () => (await list(`/v1/cases?requester=${requesterId}`)).map((c) => c.id), {
          timeout: 20_000,
          interval: 250,
        })
        .toEqual([id]);
      expect(await list(`/v1/cases?device=${serial}`)).toEqual([
        expect.objectContaining({ id, requesterId, deviceSerial: serial }),
      ]);
      expect(await list(`/v1/cases?requester=u-${marker}x`)).toEqual([]);
      await expect
        .poll(async () => (await list(`/v1/elevations?device=${serial}`)).map((e) => e.id), {
          timeout: 20_000,
          interval: 250,
        })
        .toEqual([elevation.id]);
      expect((await list(`/v1/elevations?device=${serial}`))[0]).toMatchObject({ deviceSerial: serial });
    }
  });
});

describe('two workers', () => {
  let replacement: ChildProcess | undefined;
  afterAll(async () => {
    if (!replacement) return;
    replacement.kill('SIGTERM');
    await new Promise((resolve) => replacement?.once('exit', resolve));
  });

  it('lose nothing when one is killed mid-flight: the other carries every case on', async () => {
    const pidFile = join(cluster.baseDir, 'logs', 'caseflow-worker-1.pid');
    const victim = Number(readFileSync(pidFile, 'utf8').trim());
    const ids = await Promise.all(
      Array.from(
        { length: 6 },
        async () => (await postOk(api, '/v1/cases', api.as.agent!.token, intake())).id as string,
      ),
    );
    process.kill(victim, 'SIGKILL');
    for (const id of ids) {
      await expect.poll(() => caseStatus(id), { timeout: 60_000, interval: 500 }).toBe('triaged');
    }
    // And new work after the loss is picked up too.
    const after = (await postOk(api, '/v1/cases', api.as.agent!.token, intake())).id as string;
    await expect.poll(() => caseStatus(after), { timeout: 60_000, interval: 500 }).toBe('triaged');

    // Back to two workers for whatever runs next, started exactly as the cluster starts its own.
    const env = JSON.parse(
      readFileSync(join(cluster.baseDir, 'caseflow.env.json'), 'utf8'),
    ) as NodeJS.ProcessEnv;
    replacement = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
  });
});
