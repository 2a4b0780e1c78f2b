/**
 * How long the server takes to accept a case's start against a bare start, with no worker and no
 * API in the way: the same client opens cases through the gateway (as the API does) and bare
 * workflows, interleaved, at one concurrency. Prints latency and throughput per shape. Shapes
 * that send only part of a case's start (input-only, input-no-policy, input+sa, input+sa-no-list,
 * input+sa-list-only, input+meta) say which part costs the server what.
 *
 *   tsx scripts/diagnostics/start-cost.ts [--concurrency=16] [--cases=400] [--blocks=3]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { CaseGateway } from '../../src/api/case-gateway';
import { DEFAULT_CASE_POLICY } from '../../src/domain/case-policy';
import { startDevServer } from '../dev-server';
import { summarize } from '../bench/stats';
import { createClassifier } from '../../src/activities/classification';
import { openClassifiedCase } from '../../src/domain/case-lifecycle';
import { caseStaticDetails, caseStaticSummary } from '../../src/domain/web-ui-texts';
import { caseSearchAttributes } from '../../src/temporal/search-attributes';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const concurrency = Number(args.get('concurrency') ?? 16);
const cases = Number(args.get('cases') ?? 400);
const blocks = Number(args.get('blocks') ?? 3);
const variant = args.get('variant') ?? 'full';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pool(n: number, c: number, op: () => Promise<unknown>): Promise<number[]> {
  const lat: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next++ < n) {
        const t0 = performance.now();
        await op();
        lat.push(performance.now() - t0);
      }
    }),
  );
  return lat;
}

const intake = () => ({
  title: 'Skrivaren på plan 3 skriver inte ut',
  description: 'Nätverksskrivaren på plan 3 tar emot jobben men inget kommer ut sedan i morse.',
  requester: { id: `u-${randomUUID().slice(0, 8)}`, name: 'Anna Berg', contact: 'anna.berg@example.org' },
  device: { serial: `SN${randomUUID().slice(0, 8).toUpperCase()}`, group: 'broad' },
  severity: 'C' as const,
  channel: 'phone' as const,
  twentyFourSeven: false,
});

const classify = createClassifier();

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'start-cost-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = startDevServer({ dataDir: dir, ip: '127.0.0.1', port, uiPort: null }, 'pipe');
  try {
    let connection: Connection | undefined;
    for (let i = 0; i < 120 && !connection; i++) {
      try {
        const c = await Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 1000 });
        await c.workflowService.describeNamespace({ namespace: 'default' });
        connection = c;
      } catch {
        await sleep(500);
      }
    }
    const client = new Client({ connection: connection!, namespace: 'default' });
    const gateway = new CaseGateway({
      client,
      taskQueue: 'start-cost-cases',
      supportModel: 'partner-led',
      providerName: 'Bench AB',
      policy: DEFAULT_CASE_POLICY,
    });
    const shapes: Record<string, () => Promise<unknown>> = {
      bare: () =>
        client.workflow.start('bareWorkflow', {
          taskQueue: 'start-cost-bare',
          workflowId: `bare:${randomUUID()}`,
          args: [{}],
        }),
      caseflow: () => gateway.open(randomUUID(), intake(), 'bench'),
      ...Object.fromEntries(
        (
          [
            'input-only',
            'input+sa',
            'input+sa-no-list',
            'input+sa-list-only',
            'input+meta',
            'input-no-policy',
          ] as const
        ).map((part) => [
          part,
          () => {
            const i = intake();
            const id = randomUUID();
            const base = {
              id,
              intake: i,
              createdBy: 'bench',
              supportModel: 'partner-led' as const,
              providerName: 'Bench AB',
              requestFingerprint: 'x'.repeat(64),
              indexedAtStart: true,
              personalIndex: { requesterId: i.requester.id, deviceSerial: i.device.serial },
              indexesParticipants: true,
              classification: classify({ title: i.title, description: i.description }),
            };
            // Without the policy: what a start would cost if it named a published policy instead.
            const input =
              part === 'input-no-policy'
                ? { ...base, policyVersion: '1' }
                : { ...base, policy: DEFAULT_CASE_POLICY };
            const opening = openClassifiedCase(base, base.classification, Date.now());
            return client.workflow.start('supportCase', {
              taskQueue: 'start-cost-cases',
              workflowId: `case:${id}`,
              args: [input],
              ...(part.startsWith('input+sa')
                ? {
                    typedSearchAttributes: caseSearchAttributes(opening, {
                      personal: base.personalIndex,
                    }).filter(
                      ({ key }) =>
                        part === 'input+sa' ||
                        (key.name === 'CaseParticipants') === (part === 'input+sa-list-only'),
                    ),
                  }
                : {}),
              ...(part === 'input+meta'
                ? {
                    staticSummary: caseStaticSummary(opening),
                    staticDetails: caseStaticDetails(opening),
                    memo: { caseCreatedAt: new Date().toISOString() },
                  }
                : {}),
            });
          },
        ]),
      ),
    };
    const order = (args.get('shapes') ?? 'bare,caseflow').split(',');
    for (let b = 0; b < blocks; b++) {
      for (const name of b % 2 === 0 ? order : [...order].reverse()) {
        const t0 = performance.now();
        const lat = await pool(cases, concurrency, shapes[name]!);
        const s = summarize(lat);
        console.log(
          `${variant} block ${b + 1} ${name.padEnd(8)} c=${concurrency}: ${((cases * 1000) / (performance.now() - t0)).toFixed(1)}/s p50 ${s.p50.toFixed(0)} p99 ${s.p99.toFixed(0)} ms`,
        );
      }
    }
  } finally {
    server.kill('SIGTERM');
    await sleep(1000);
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
