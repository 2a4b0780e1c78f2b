import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../tools';
import { PROFILES } from './profiles';
import { type ChaosResults, resultsMarkdown, runChaos } from './runner';

/**
 * `npm run chaos [-- --profile short|full] [--seed N] [--out DIR]`: one bounded chaos run on
 * loopback; writes <out>/<date>-<profile>.json and .md and exits non-zero if an invariant broke.
 */
export function writeResults(results: ChaosResults, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const stamp = results.startedAt.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
  const base = join(outDir, `${stamp}-${results.profile.name}`);
  const { evidence, ...figures } = results;
  writeFileSync(`${base}.json`, `${JSON.stringify(figures, null, 2)}\n`);
  const histories = Object.entries(evidence ?? {});
  if (histories.length > 0) {
    // The histories behind a failed invariant, kept out of the results file (they are large).
    const dir = join(tmpdir(), `caseflow-chaos-evidence-${stamp}`);
    mkdirSync(dir, { recursive: true });
    for (const [id, json] of histories)
      writeFileSync(join(dir, `${id.replace(/[^A-Za-z0-9._-]/g, '_')}.json`), json);
    console.log(`[chaos] histories of ${histories.length} failing workflow(s) in ${dir}`);
  }
  writeFileSync(`${base}.md`, resultsMarkdown(results));
  return base;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      profile: { type: 'string', default: 'full' },
      seed: { type: 'string' },
      out: { type: 'string', default: join(repoRoot, 'chaos-results') },
    },
  });
  const profile = PROFILES[values.profile as keyof typeof PROFILES];
  if (!profile) throw new Error(`--profile must be one of ${Object.keys(PROFILES).join(', ')}`);
  // Bounded whatever happens inside: a run that overstays its profile is stopped.
  const guard = setTimeout(
    () => {
      console.error('[chaos] the run overstayed its bound; stopping');
      process.exit(2);
    },
    profile.maxRunMs + 5 * 60_000,
  );
  guard.unref();
  const results = await runChaos(profile, values.seed ? { seed: Number(values.seed) } : {});
  const base = writeResults(results, values.out);
  console.log(resultsMarkdown(results));
  console.log(`[chaos] results in ${base}.json and ${base}.md`);
  process.exit(results.passed ? 0 : 1);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error('[chaos] run failed:', err);
    process.exit(1);
  });
}
