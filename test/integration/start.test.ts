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

/** Collects everything the child prints, once, so several waits can look at the same text. */
function collectOutput(child: ChildProcess): { text: string; exited: boolean } {
  const output = { text: '', exited: false };
  const append = (chunk: Buffer) => (output.text += chunk.toString());
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  child.once('exit', () => (output.exited = true));
  return output;
}

/** Waits until `pattern` matches the output printed after offset `from`; returns the match. */
async function waitForOutput(
  output: { text: string; exited: boolean },
  pattern: RegExp,
  timeoutMs: number,
  from = 0,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(output.text.slice(from));
    if (match) return match;
    if (output.exited) throw new Error(`exited early:\n${output.text}`);
    if (Date.now() > deadline) throw new Error(`no ${String(pattern)} in:\n${output.text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm start (scripts/start.ts)', () => {
  it('brings up dev server, worker and API, prints where they listen and sign-in tokens, restarts a killed worker or API, and stops on Ctrl-C', async () => {
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
    const output = collectOutput(proc);
    await waitForOutput(output, /Press Ctrl-C to stop/, 120_000);

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
    const caseId = ((await res.json()) as { id: string }).id;
    expect((await fetch(`http://127.0.0.1:${uiPort}/`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${apiPort}/portal/sign-in`)).status).toBe(200);

    // Supervision: a killed worker is restarted with backoff and logged; the system stays up and
    // the case goes on (a note is a workflow update, answered only by a running worker).
    const workerPid = Number(
      (await waitForOutput(output, /\[start\] worker running \(pid (\d+)\)/, 1_000))[1],
    );
    const mark = output.text.length;
    process.kill(workerPid, 'SIGKILL');
    await waitForOutput(
      output,
      /\[start\] worker exited unexpectedly \(SIGKILL\); restarting in 1 s/,
      10_000,
      mark,
    );
    const restartedPid = Number(
      (await waitForOutput(output, /\[start\] worker running \(pid (\d+)\)/, 30_000, mark))[1],
    );
    expect(restartedPid).not.toBe(workerPid);
    // Until the new worker polls (it bundles the workflows first) the API answers 503 with
    // Retry-After; a client that retries gets its note in.
    const addNote = async () => {
      const res = await fetch(`http://127.0.0.1:${apiPort}/v1/cases/${caseId}/notes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'Arbetar vidare efter omstarten' }),
      });
      if (res.status === 503) expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      return res.status;
    };
    await expect.poll(addNote, { timeout: 90_000, interval: 1_000 }).toBe(200);
    // And the API, likewise.
    const apiPid = Number((await waitForOutput(output, /\[start\] api running \(pid (\d+)\)/, 1_000))[1]);
    const apiMark = output.text.length;
    process.kill(apiPid, 'SIGKILL');
    await waitForOutput(output, /\[start\] api running \(pid (\d+)\)/, 30_000, apiMark);
    await expect
      .poll(async () => (await fetch(`http://127.0.0.1:${apiPort}/healthz`).catch(() => undefined))?.status, {
        timeout: 30_000,
        interval: 250,
      })
      .toBe(200);
    expect(output.text).not.toMatch(/stopping everything/);

    const exited = new Promise<number | null>((resolve) => proc?.once('exit', (code) => resolve(code)));
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${apiPort}/healthz`)).rejects.toThrow();
  }, 300_000);
});
