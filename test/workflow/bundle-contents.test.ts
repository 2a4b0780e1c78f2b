import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleWorkflows, SHARED_DOMAIN_MODULES, WORKFLOWS_PATH } from '../../src/temporal/workflow-bundle';

/*
 * Every workflow in a worker's cache gets its own copy of the modules its bundle loads, so what
 * the bundle holds is paid per open case, in memory and in the first workflow task. Workflow code
 * imports the domain's types and plain functions only; validation (zod) stays at the edges.
 */

/** The packages (node_modules/<name>) the webpack bundle holds a module of. */
function bundledPackages(code: string): Set<string> {
  const packages = new Set<string>();
  for (const match of code.matchAll(/"[^"\s]*?node_modules\/((?:@[^/"]+\/)?[^/"]+)\//g))
    packages.add(match[1]!);
  return packages;
}

describe('the workflow bundle', () => {
  it('can load any domain module: none imports zod at run time (schemas live in src/schemas)', () => {
    const domain = join(WORKFLOWS_PATH, '..', 'domain');
    const runtimeZod = readdirSync(domain, { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.tsx?$/.test(f))
      .filter((f) => /^import\s+(?!type\b)[^;]*from\s+'zod'/m.test(readFileSync(join(domain, f), 'utf8')));
    expect(runtimeZod).toEqual([]);
  });

  it('holds the Temporal workflow runtime and caseflow code, and no zod or other heavy module', async () => {
    const { code } = await bundleWorkflows();
    const packages = bundledPackages(code);
    // A bundle that names no package at all would mean the pattern no longer reads it.
    expect(packages).toContain('@temporalio/workflow');
    expect(packages).not.toContain('zod');
    expect([...packages].sort()).toEqual([
      '@temporalio/common',
      '@temporalio/workflow',
      'long',
      'ms',
      'nexus-rpc',
    ]);
    // Nor caseflow's edge modules: schemas, API, activities.
    const sources = [...code.matchAll(/"\.\/(src\/[^"]+)"/g)].map((m) => m[1]!);
    expect(
      sources.filter((s) => /-schema\.ts$|^src\/(api|activities|portal|schemas|vault)\//.test(s)),
    ).toEqual([]);
  }, 120_000);

  it('shares every domain module the workflow code imports, and only those, between the workflows of a thread', async () => {
    // Value imports (not `import type`) of ../domain/<name> in the workflow files.
    const imported = new Set<string>();
    for (const file of readdirSync(WORKFLOWS_PATH).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(join(WORKFLOWS_PATH, file), 'utf8');
      for (const m of source.matchAll(/^import (?!type )[^;]*? from '\.\.\/domain\/([\w-]+)';/gms))
        imported.add(m[1]!);
    }
    expect(imported.size).toBeGreaterThan(0);
    expect(SHARED_DOMAIN_MODULES.map((p) => basename(p)).sort()).toEqual([...imported].sort());
    // The bundle loads them before any workflow: the SDK's preload, which shares its modules.
    const { code } = await bundleWorkflows();
    const preload = /preloadModules = function preloadModules\(\) \{([^}]*)\}/.exec(code)?.[1] ?? '';
    for (const name of imported) expect(preload).toContain(`domain/${name}`);
  }, 120_000);
});
