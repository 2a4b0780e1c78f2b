import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUZZ_CHECKS, type FuzzResult, runFuzz, summariseFindings } from '../support/fuzz';
import { type RunningApi, startApi } from '../support/harness';

/*
 * schemathesis against /openapi.json, once per role, on the real API, dev server and worker. The
 * short profile runs in `npm test`; `npm run fuzz` runs the full one (CASEFLOW_FUZZ_PROFILE=full)
 * and keeps its results in fuzz-results/. Any finding fails the run and is printed.
 */
const PROFILES = {
  short: {
    maxExamples: 5,
    maxTimeSeconds: 25,
    phases: ['coverage', 'fuzzing'],
    // Two roles at a time: the other integration files share the worker and the two cores.
    concurrency: 2,
    reportDir: join(__dirname, '..', '.tmp-fuzz'),
  },
  full: {
    maxExamples: 100,
    maxTimeSeconds: 300,
    phases: ['examples', 'coverage', 'fuzzing'],
    concurrency: 5,
    reportDir: join(__dirname, '..', '..', 'fuzz-results'),
  },
} as const;
const profileName = process.env.CASEFLOW_FUZZ_PROFILE === 'full' ? 'full' : 'short';
const profile = PROFILES[profileName];
const seed = process.env.CASEFLOW_FUZZ_SEED ? Number(process.env.CASEFLOW_FUZZ_SEED) : undefined;
/** One identity per role (the escalation team's members are agents too). */
const IDENTITIES = ['agent', 'escalation', 'admin', 'ops', 'auditor'] as const;
const hardTimeoutMs = (profile.maxTimeSeconds + 60) * 1000;
const rounds = Math.ceil(IDENTITIES.length / profile.concurrency);

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

describe(`API fuzzing with schemathesis (${profileName} profile)`, () => {
  it(
    'finds no server error and nothing the OpenAPI document does not say, for any role',
    async () => {
      const started = new Date();
      const results: FuzzResult[] = [];
      const queue = [...IDENTITIES];
      await Promise.all(
        Array.from({ length: profile.concurrency }, async () => {
          for (let identity = queue.shift(); identity; identity = queue.shift()) {
            results.push(
              await runFuzz({
                url: api.url,
                token: api.as[identity]!.token,
                identity,
                maxExamples: profile.maxExamples,
                maxTimeSeconds: profile.maxTimeSeconds,
                phases: profile.phases,
                reportDir: profile.reportDir,
                seed,
                hardTimeoutMs,
              }),
            );
          }
        }),
      );
      const findings = results.flatMap((r) => r.findings);
      const summary = {
        profile: profileName,
        startedAt: started.toISOString(),
        seconds: (Date.now() - started.getTime()) / 1000,
        checks: FUZZ_CHECKS,
        identities: results.map((r) => ({
          identity: r.identity,
          roles: api.as[r.identity]!.roles,
          operations: r.operations,
          testCases: r.testCases,
          findings: r.findings.length,
          errors: r.errors,
          exitCode: r.exitCode,
          seconds: r.seconds,
        })),
        testCases: results.reduce((n, r) => n + r.testCases, 0),
        findings: summariseFindings(findings),
      };
      mkdirSync(profile.reportDir, { recursive: true });
      writeFileSync(join(profile.reportDir, 'results.json'), `${JSON.stringify(summary, null, 2)}\n`);
      console.log(
        `fuzz (${profileName}): ${summary.testCases} test cases as ${results.length} identities in ` +
          `${summary.seconds.toFixed(0)} s, ${findings.length} findings; ` +
          `results in ${join(profile.reportDir, 'results.json')}`,
      );
      for (const line of summary.findings) console.log(line);
      for (const r of results) {
        // A run that did not finish its report (crashed, killed) proves nothing.
        if (r.operations === 0) console.log(r.output.slice(-4_000));
      }

      expect(summary.findings).toEqual([]);
      for (const r of results) {
        expect(r.operations, `schemathesis tested no operation as ${r.identity}`).toBeGreaterThan(0);
        expect(r.testCases, `schemathesis ran too few test cases as ${r.identity}`).toBeGreaterThan(50);
        // A refused or reset connection is an answer the API failed to give. A slow answer (past
        // schemathesis's 20 s read timeout) is printed and kept in the results, but on a shared
        // machine it says more about the load than about the API, so it does not fail the run.
        const slow = r.errors.filter((e) => e.includes('"ReadTimeout"'));
        if (slow.length > 0) console.log(`slow answers as ${r.identity}:\n${slow.join('\n')}`);
        expect(
          r.errors.filter((e) => !slow.includes(e)),
          `schemathesis errors as ${r.identity}`,
        ).toEqual([]);
      }
    },
    rounds * hardTimeoutMs + 30_000,
  );
});
