import { type ChildProcess, spawn } from 'node:child_process';
import { repoRoot } from '../../scripts/tools';

/** A caseflow worker in its own OS process (`src/worker.ts` through tsx), as `npm run worker` runs it. */
export interface WorkerProcess {
  readonly pid: number | undefined;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once its output contains `text`; rejects, with the output, if it exits or time runs out. */
  waitForOutput(text: string, timeoutMs: number): Promise<void>;
  /** Sends `signal` and resolves once the process has exited (at once if it already has). */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** SIGTERM, then SIGKILL if it is still running after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Only what the worker needs from the parent: the test runner's own CASEFLOW_* or TEMPORAL_*
 * settings (a developer's shell, say) must not leak into the worker and point it elsewhere.
 */
function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('CASEFLOW_') && !k.startsWith('TEMPORAL_')),
  );
}

export function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    cwd: repoRoot,
    env: { ...inheritedEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    listeners.forEach((l) => l());
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  // A spawn failure (no such executable) is reported through the exit wait, not as an unhandled error.
  child.once('error', (err) => {
    output += `\n[spawn error] ${err.message}\n`;
  });
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;

  const kill = async (signal: NodeJS.Signals) => {
    if (!hasExited()) child.kill(signal);
    await exited;
  };

  return {
    pid: child.pid,
    output: () => output,
    waitForOutput: (text, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const done = (err?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (err) reject(err);
          else resolve();
        };
        const check = () => {
          if (output.includes(text)) done();
        };
        const timer = setTimeout(
          () => done(new Error(`the worker did not log '${text}' within ${timeoutMs} ms:\n${output}`)),
          timeoutMs,
        );
        listeners.add(check);
        void exited.then(() =>
          done(
            output.includes(text)
              ? undefined
              : new Error(
                  `the worker exited (${child.exitCode ?? child.signalCode}) before '${text}':\n${output}`,
                ),
          ),
        );
        check();
      }),
    kill,
    stop: async (graceMs = 10_000) => {
      if (hasExited()) return;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
      const outcome = await Promise.race([exited, graceOver]);
      clearTimeout(timer);
      if (outcome === 'timeout') await kill('SIGKILL');
    },
  };
}
