import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemathesisPath } from '../../scripts/tools';

/**
 * Runs schemathesis (installed by scripts/setup.sh in a cached virtualenv) against a running
 * API's /openapi.json as one principal, and reads its findings from the run's JSON report.
 */

/** What every fuzz run checks: no 5xx, answers as documented (schema, status, content type). */
export const FUZZ_CHECKS = [
  'not_a_server_error',
  'response_schema_conformance',
  'status_code_conformance',
  'content_type_conformance',
] as const;

export interface FuzzRun {
  /** The API's base URL (loopback). */
  url: string;
  /** Who the requests are sent as: a bearer token, or none. */
  token?: string;
  /** A name for the identity, used in report file names. */
  identity: string;
  maxExamples: number;
  /** The time budget schemathesis gets (it stops generating when spent). */
  maxTimeSeconds: number;
  phases: readonly ('examples' | 'coverage' | 'fuzzing')[];
  reportDir: string;
  seed?: number;
  /** Killed after this long, whatever schemathesis does. */
  hardTimeoutMs: number;
}

export interface FuzzFinding {
  identity: string;
  operation: string;
  check: string;
  title: string;
  /** What schemathesis saw (received and documented statuses, schema violations...). */
  message: string;
  status?: number;
  /** The request that found it: method, URL and the start of the body. */
  request?: string;
}

export interface FuzzResult {
  identity: string;
  exitCode: number | null;
  findings: FuzzFinding[];
  /** Operations schemathesis tested, and the test cases it ran. */
  operations: number;
  testCases: number;
  /** Errors that are not findings (schema problems, network): the run is not trustworthy. */
  errors: string[];
  seconds: number;
  output: string;
}

export async function runFuzz(run: FuzzRun): Promise<FuzzResult> {
  if (!existsSync(schemathesisPath)) {
    throw new Error(`schemathesis is not installed at ${schemathesisPath}: run scripts/setup.sh`);
  }
  mkdirSync(run.reportDir, { recursive: true });
  const ndjson = join(run.reportDir, `${run.identity}.ndjson`);
  const args = [
    'run',
    `${run.url}/openapi.json`,
    '--url',
    run.url,
    '--checks',
    FUZZ_CHECKS.join(','),
    '--phases',
    run.phases.join(','),
    '--max-examples',
    String(run.maxExamples),
    '--max-time',
    String(run.maxTimeSeconds),
    '--workers',
    '1',
    '--request-timeout',
    '20',
    '--continue-on-failure',
    '--no-shrink',
    '--suppress-health-check',
    'all',
    '--report',
    'ndjson',
    '--report-ndjson-path',
    ndjson,
    ...(run.seed === undefined ? [] : ['--seed', String(run.seed)]),
    ...(run.token ? ['--header', `Authorization: Bearer ${run.token}`] : []),
  ];
  const started = Date.now();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(schemathesisPath, args, {
      // schemathesis keeps a cache in its working directory: the report directory, not the repository.
      cwd: run.reportDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), run.hardTimeoutMs);
    child.once('error', reject);
    child.once('close', (c) => {
      clearTimeout(timer);
      resolve({ code: c, output: out });
    });
  });
  const masked = run.token ? output.split(run.token).join('<token>') : output;
  return {
    identity: run.identity,
    exitCode: code,
    ...readReport(ndjson, run.identity, run.token),
    seconds: (Date.now() - started) / 1000,
    output: masked,
  };
}

type Event = Record<string, unknown>;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The findings in a schemathesis NDJSON event log (one event per line). */
function readReport(
  path: string,
  identity: string,
  token: string | undefined,
): Pick<FuzzResult, 'findings' | 'operations' | 'testCases' | 'errors'> {
  const mask = (s: string) => (token ? s.split(token).join('<token>') : s);
  const findings: FuzzFinding[] = [];
  const errors: string[] = [];
  let operations = 0;
  let testCases = 0;
  if (!existsSync(path)) return { findings, operations, testCases, errors: ['no report was written'] };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as Event;
    const [kind, body] = Object.entries(event)[0] ?? [];
    if (!kind || typeof body !== 'object' || body === null) continue;
    collect(kind, body as Event);
  }
  return { findings, operations, testCases, errors };

  function collect(kind: string, body: Event) {
    if (kind === 'ScenarioFinished') {
      const recorder = body.recorder as Event | undefined;
      const label = text(recorder?.label) || text(body.label) || '?';
      operations++;
      const cases = (recorder?.cases ?? {}) as Record<string, Event>;
      testCases += Object.keys(cases).length;
      const checks = (recorder?.checks ?? {}) as Record<string, Event[]>;
      const interactions = (recorder?.interactions ?? {}) as Record<string, Event>;
      for (const [caseId, results] of Object.entries(checks)) {
        for (const check of results) {
          if (String(check.status).toLowerCase() !== 'failure') continue;
          const failure = ((check.failure_info as Event | undefined)?.failure ?? {}) as Event;
          const interaction = interactions[caseId] ?? {};
          const response = (interaction.response ?? {}) as Event;
          findings.push({
            identity,
            operation: label,
            check: String(check.name),
            title: text(failure.title),
            message: mask(text(failure.message)),
            status: typeof response.status_code === 'number' ? response.status_code : undefined,
            request: describeRequest(interaction.request as Event | undefined, mask),
          });
        }
      }
    } else if (kind === 'NonFatalError' || kind === 'FatalError') {
      errors.push(mask(JSON.stringify(body).slice(0, 2_000)));
    }
  }
}

function describeRequest(request: Event | undefined, mask: (s: string) => string): string | undefined {
  if (!request) return undefined;
  const body = (request.body as Event | undefined)?.$base64;
  const bodyText = typeof body === 'string' ? Buffer.from(body, 'base64').toString('utf8') : '';
  const shown = bodyText.length > 300 ? `${bodyText.slice(0, 300)}... (${bodyText.length} chars)` : bodyText;
  return mask(`${String(request.method)} ${String(request.uri)}${shown ? ` ${shown}` : ''}`);
}

/** One line per distinct finding (same identity, operation, check and status), with a count. */
export function summariseFindings(findings: readonly FuzzFinding[]): string[] {
  const groups = new Map<string, { first: FuzzFinding; count: number }>();
  for (const f of findings) {
    const key = [f.identity, f.operation, f.check, f.status].join(' ');
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { first: f, count: 1 });
  }
  return [...groups.values()].map(
    ({ first: f, count }) =>
      `[${f.identity}] ${f.operation}: ${f.check} (${f.status ?? 'no response'}) x${count}: ` +
      `${f.message.replace(/\s+/g, ' ').slice(0, 300)} <- ${f.request ?? '?'}`,
  );
}
