import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { historyToJSON } from '../temporal/proto';
import { caseStateAsOf } from '../audit/as-of';
import { collectCaseHistories } from '../audit/collect';
import { readBundleDir, verifyBundle } from '../audit/bundle';
import { parseHistory } from '../audit/history-json';
import { type ReplayInput, replayAll } from '../audit/replay';
import { connectClient, loadTemporalTarget } from '../temporal/connection';
import { WORKFLOWS_PATH } from '../temporal/workflow-bundle';

const USAGE = `caseflow audit — replay cases against the current workflow code

  npm run audit -- replay --case <case id>        a case, its runs and its children, from Temporal
  npm run audit -- replay --query "<visibility>"  every workflow a visibility query finds
  npm run audit -- replay --dir <directory>       an audit bundle, or a directory of bundles (hashes verified first)
  npm run audit -- replay --file <history.json>   one history as \`temporal workflow show --output json\` writes it
  npm run audit -- state --case <case id> --as-of-event <n>   the case as it was at event n (latest run)

  --workflows <dir>   replay against other workflow code (a candidate change) instead of this build's

The Temporal connection comes from TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (and TLS, API key);
sealed payloads are opened with CASEFLOW_CODEC_KEYS, the keys the workers use.
Exits 1 when any history does not replay cleanly or any bundle fails verification.`;

function progress(done: number, total: number): void {
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`);
  if (done === total) process.stderr.write('\n');
}

async function fromCase(caseId: string): Promise<ReplayInput[]> {
  const client = await connectClient(loadTemporalTarget());
  try {
    const histories = await collectCaseHistories(client, `case:${caseId}`);
    return histories.map((h) => ({ workflowId: h.workflowId, json: h.json, source: `case ${caseId}` }));
  } finally {
    await client.connection.close();
  }
}

async function fromQuery(query: string): Promise<ReplayInput[]> {
  const client = await connectClient(loadTemporalTarget());
  try {
    const inputs: ReplayInput[] = [];
    for await (const execution of client.workflow.list({ query })) {
      const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      inputs.push({ workflowId: execution.workflowId, json: historyToJSON(history), source: `query` });
    }
    return inputs;
  } finally {
    await client.connection.close();
  }
}

/** Bundles found at `dir` (itself a bundle, or a directory of them), verified before replay. */
async function fromBundles(dir: string): Promise<{ inputs: ReplayInput[]; problems: string[] }> {
  const bundleDirs = existsSync(join(dir, 'manifest.json'))
    ? [dir]
    : readdirSync(dir)
        .map((name) => join(dir, name))
        .filter((path) => statSync(path).isDirectory() && existsSync(join(path, 'manifest.json')));
  const inputs: ReplayInput[] = [];
  const problems: string[] = [];
  for (const bundleDir of bundleDirs) {
    const files = await readBundleDir(bundleDir);
    const verdict = verifyBundle(files);
    for (const p of verdict.problems) {
      const where = p.path ?? (p.index !== undefined ? `timeline entry ${p.index}` : 'bundle');
      problems.push(`${basename(bundleDir)}: ${p.kind} ${where}: ${p.detail}`);
    }
    for (const [path, content] of files) {
      if (!path.startsWith('histories/')) continue;
      const json = content.toString('utf8');
      parseHistory(json); // refuse anything that is not a history before replaying it
      inputs.push({ workflowId: workflowIdOf(path), json, source: `${basename(bundleDir)}/${path}` });
    }
  }
  return { inputs, problems };
}

/** Bundle files are named `histories/<workflow id, ":" as "_">__<run id>.json`. */
function workflowIdOf(path: string): string {
  return basename(path, '.json').split('__')[0]?.replace(/_/g, ':') ?? basename(path);
}

async function printStateAsOf(caseId: string, asOfEvent: number): Promise<number> {
  if (!Number.isInteger(asOfEvent) || asOfEvent < 1) {
    console.error('--as-of-event takes an event id (a whole number from 1)');
    return 2;
  }
  const client = await connectClient(loadTemporalTarget());
  try {
    const runs = (await collectCaseHistories(client, `case:${caseId}`)).filter(
      (h) => h.workflowId === `case:${caseId}`,
    );
    const latest = runs[runs.length - 1];
    const at = latest ? await caseStateAsOf(latest.history, asOfEvent) : null;
    if (!at) {
      console.error(`No state of case ${caseId} at event ${asOfEvent}.`);
      return 1;
    }
    console.log(
      JSON.stringify(
        { caseId, runId: latest?.runId, asOfEvent, reflectsEvent: at.eventId, state: at.state },
        null,
        2,
      ),
    );
    return 0;
  } finally {
    await client.connection.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      case: { type: 'string' },
      query: { type: 'string' },
      dir: { type: 'string' },
      file: { type: 'string' },
      workflows: { type: 'string' },
      'as-of-event': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals[0] === 'state' && values.case && values['as-of-event']) {
    return printStateAsOf(values.case, Number(values['as-of-event']));
  }
  if (values.help || positionals[0] !== 'replay') {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  let inputs: ReplayInput[] = [];
  let problems: string[] = [];
  if (values.case) inputs = await fromCase(values.case);
  else if (values.query) inputs = await fromQuery(values.query);
  else if (values.dir) ({ inputs, problems } = await fromBundles(values.dir));
  else if (values.file) {
    const json = readFileSync(values.file, 'utf8');
    parseHistory(json);
    inputs = [{ workflowId: basename(values.file, '.json'), json, source: values.file }];
  } else {
    console.log(USAGE);
    return 2;
  }
  for (const p of problems) console.log(`✘ bundle ${p}`);
  if (inputs.length === 0) {
    console.log('No histories found.');
    return problems.length > 0 ? 1 : 0;
  }
  const outcomes = await replayAll(
    inputs,
    {
      workflowsPath: values.workflows ?? WORKFLOWS_PATH,
      // Sealed payloads (CASEFLOW_CODEC_KEYS) open with the same keys the workers use.
      dataConverter: { payloadCodecs: loadTemporalTarget().payloadCodecs },
    },
    progress,
  );
  for (const o of outcomes) {
    if (o.ok) console.log(`✔ ${o.workflowId} (${o.source}) replays cleanly`);
    else
      console.log(
        `✘ ${o.workflowId} (${o.source}) diverges${o.eventId !== null ? ` at event ${o.eventId}` : ''}: ${o.detail ?? ''}`,
      );
  }
  const failed = outcomes.filter((o) => !o.ok).length;
  console.log(
    `${outcomes.length - failed} of ${outcomes.length} replay cleanly${problems.length ? `; ${problems.length} bundle problem(s)` : ''}.`,
  );
  return failed > 0 || problems.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}

export { main as runAuditCli };
