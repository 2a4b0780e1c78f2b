/**
 * Writes candidate corpus entries from the category overrides agents made, read from case
 * histories, for a person to review before they join the corpus (see the corpus README).
 *
 *   npm run classify:learn -- --query "WorkflowType='supportCase' AND CloseTime > '2026-11-01T00:00:00Z'"
 *   npm run classify:learn -- --case <case id> [--case <case id> ...]
 *   npm run classify:learn -- --dir <audit bundle, or a directory of bundles>
 *   npm run classify:learn -- --file <history.json> [--file ...]   (workflow id from --workflow-id or the file name)
 *
 *   --out <file>   where to write (default test/fixtures/classification/candidates/overrides-<date>.jsonl)
 *
 * The Temporal connection comes from TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (and TLS, API key).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { collectCaseHistories } from '../../src/audit/collect';
import { readBundleDir } from '../../src/audit/bundle';
import { type JsonHistory, parseHistory } from '../../src/audit/history-json';
import { connectClient, loadTemporalTarget } from '../../src/temporal/connection';
import { CORPUS_DIR } from './corpus';
import { candidatesFromHistories } from './corrections';

type Histories = { workflowId: string; history: JsonHistory }[];

async function fromTemporal(caseIds: readonly string[], query: string | undefined): Promise<Histories> {
  const client = await connectClient(loadTemporalTarget());
  try {
    const ids = [...caseIds.map((id) => `case:${id}`)];
    if (query !== undefined) {
      for await (const execution of client.workflow.list({ query })) {
        if (/^case:[^:]+$/.test(execution.workflowId) && !ids.includes(execution.workflowId)) {
          ids.push(execution.workflowId);
        }
      }
    }
    const histories: Histories = [];
    for (const id of ids) histories.push(...(await collectCaseHistories(client, id)));
    return histories;
  } finally {
    await client.connection.close();
  }
}

async function fromBundles(dir: string): Promise<Histories> {
  const bundleDirs = existsSync(join(dir, 'manifest.json'))
    ? [dir]
    : readdirSync(dir)
        .map((name) => join(dir, name))
        .filter((path) => statSync(path).isDirectory() && existsSync(join(path, 'manifest.json')));
  const histories: Histories = [];
  for (const bundleDir of bundleDirs) {
    for (const [path, content] of await readBundleDir(bundleDir)) {
      if (!path.startsWith('histories/')) continue;
      // Bundle files are named `histories/<workflow id, ":" as "_">__<run id>.json`.
      const workflowId = basename(path, '.json').split('__')[0]!.replace(/_/g, ':');
      histories.push({ workflowId, history: parseHistory(content.toString('utf8')) });
    }
  }
  return histories;
}

function fromFiles(files: readonly string[], workflowId: string | undefined): Histories {
  return files.map((file) => ({
    workflowId: workflowId ?? basename(file, '.json').split('__')[0]!.replace(/_/g, ':'),
    history: parseHistory(readFileSync(file, 'utf8')),
  }));
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      case: { type: 'string', multiple: true, default: [] },
      query: { type: 'string' },
      dir: { type: 'string' },
      file: { type: 'string', multiple: true, default: [] },
      'workflow-id': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const histories: Histories = [];
  if (values.case.length > 0 || values.query !== undefined) {
    histories.push(...(await fromTemporal(values.case, values.query)));
  }
  if (values.dir !== undefined) histories.push(...(await fromBundles(values.dir)));
  histories.push(...fromFiles(values.file, values['workflow-id']));
  if (histories.length === 0) {
    console.error('Name the histories: --query, --case, --dir or --file (see the head of this script).');
    return 2;
  }
  const candidates = candidatesFromHistories(histories);
  const out =
    values.out ?? join(CORPUS_DIR, 'candidates', `overrides-${new Date().toISOString().slice(0, 10)}.jsonl`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    candidates.map((candidate) => JSON.stringify(candidate)).join('\n') + (candidates.length ? '\n' : ''),
  );
  console.log(`${candidates.length} candidate entries from ${histories.length} histories written to ${out}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
