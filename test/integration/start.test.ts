import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/tools';
import { intake } from '../support/harness';
import { freePort } from '../support/ports';

let proc: ChildProcess | undefined;
// start.ts runs in its own process group, so a failed test can still stop it and everything it started.
afterAll(() => {
  if (proc?.pid && proc.exitCode === null) {
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number, output: { text: string }) {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${String(pattern)} in:\n${output.text}`)), timeoutMs);
    const check = (chunk: Buffer) => {
      output.text += chunk.toString();
      if (pattern.test(output.text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', () => reject(new Error(`exited early:\n${output.text}`)));
  });
}

describe('npm start (scripts/start.ts)', () => {
  it('brings up dev server, worker and API, prints where they listen and sign-in tokens, and stops on Ctrl-C', async () => {
    const [apiPort, grpcPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    const dataDir = mkdtempSync(join(tmpdir(), 'caseflow-start-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(apiPort),
      CASEFLOW_DEV_TEMPORAL_PORT: String(grpcPort),
      CASEFLOW_DEV_UI_PORT: String(uiPort),
      CASEFLOW_DATA_DIR: dataDir,
      CASEFLOW_LOG_LEVEL: 'warn',
    };
    delete env.TEMPORAL_ADDRESS;
    delete env.CASEFLOW_API_KEYS_FILE;
    proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: repoRoot,
      env,
      detached: true,
    });
    const output = { text: '' };
    await waitForOutput(proc, /Press Ctrl-C to stop/, 120_000, output);

    expect(output.text).toContain(`http://127.0.0.1:${apiPort}`);
    expect(output.text).toContain(`http://127.0.0.1:${apiPort}/portal`);
    expect(output.text).toContain(`127.0.0.1:${grpcPort}`);
    expect(output.text).toContain(`http://127.0.0.1:${uiPort}`);
    expect(existsSync(join(dataDir, 'temporal.sqlite'))).toBe(true);
    const agentToken = /dev-agent\s+roles agent\s+(cf_\S+)/.exec(output.text)?.[1];
    expect(agentToken).toBeDefined();

    const res = await fetch(`http://127.0.0.1:${apiPort}/v1/cases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(intake()),
    });
    expect(res.status).toBe(201);
    expect((await fetch(`http://127.0.0.1:${uiPort}/`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${apiPort}/portal/sign-in`)).status).toBe(200);

    const exited = new Promise<number | null>((resolve) => proc?.once('exit', (code) => resolve(code)));
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${apiPort}/healthz`)).rejects.toThrow();
  });
});
