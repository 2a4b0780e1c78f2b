import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../scripts/tools';
import type { Timeline } from '../../src/audit/timeline';
import type { CaseView } from '../../src/domain/case';
import { DEFAULT_MODEL } from '../../src/domain/classification/default-model';
import { type RunningApi, intake, postOk, startApi } from '../support/harness';

const run = promisify(execFile);
let api: RunningApi;
let scratch: string;

beforeAll(async () => {
  api = await startApi();
  scratch = mkdtempSync(join(repoRoot, 'test', '.tmp-classify-'));
});
afterAll(async () => {
  await api?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const TITLE = 'Inget ljud i Teams-möten';
const DESCRIPTION = 'Ingen hör mig och jag hör ingenting i Teams, headsetet funkar i andra program.';

describe('an agent overrides the category of a classified case', () => {
  it('shows the classifier beside the override, and the learning command turns it into a corpus candidate', async () => {
    const agent = api.as.agent!;
    const created = await postOk(
      api,
      '/v1/cases',
      agent.token,
      intake({ title: TITLE, description: DESCRIPTION }),
    );
    const id = created.id as string;
    await expect
      .poll(
        async () =>
          ((await (await api.request(`/v1/cases/${id}`, { token: agent.token })).json()) as CaseView)
            .classification,
        {
          timeout: 20_000,
        },
      )
      .not.toBeNull();
    const classified = (await (
      await api.request(`/v1/cases/${id}`, { token: agent.token })
    ).json()) as CaseView;
    expect(classified.classification).toMatchObject({ modelVersion: DEFAULT_MODEL.version });
    const corrected = classified.classification!.category === 'device' ? 'microsoft-apps' : 'device';
    await postOk(api, `/v1/cases/${id}/category`, agent.token, {
      category: corrected,
      subCategory: null,
      reason: 'Checked with the requester',
    });

    const timeline = (await (
      await api.request(`/v1/cases/${id}/timeline`, { token: api.as.auditor!.token })
    ).json()) as Timeline;
    const override = timeline.entries.find((e) => e.type === 'category-overridden');
    expect(override?.text).toContain(`The classifier had said ${classified.classification!.category}`);
    expect(override?.details).toMatchObject({
      overridden: {
        category: classified.classification!.category,
        modelVersion: DEFAULT_MODEL.version,
        evidence: classified.classification!.evidence,
      },
    });

    const out = join(scratch, 'candidates.jsonl');
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'scripts/classification/learn-from-overrides.ts', '--case', id, '--out', out],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          TEMPORAL_NAMESPACE: inject('temporalNamespace'),
        },
        timeout: 120_000,
      },
    );
    expect(stdout).toMatch(/^1 candidate entries/);
    const candidates = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(candidates).toEqual([
      expect.objectContaining({
        language: 'sv',
        title: TITLE,
        description: DESCRIPTION,
        category: corrected,
        review: expect.objectContaining({
          caseId: id,
          actor: agent.principal,
          reason: 'Checked with the requester',
          classifiedAs: expect.objectContaining({ modelVersion: DEFAULT_MODEL.version }),
        }),
      }),
    ]);
  });
});
