import { type ChildProcess, spawn } from 'node:child_process';
import { repoRoot } from '../tools';

/** A caseflow entry point (worker or API) in its own OS process, through tsx, with its output kept. */
export interface NodeProcess {
  readonly label: string;
  readonly pid: number | undefined;
  output(): string;
  exited(): boolean;
  /** Resolves once the output contains `text`; false if it exits or time runs out first. */
  waitForOutput(text: string, timeoutMs: number): Promise<boolean>;
  /** Sends the signal and resolves once the process is gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** The run's own CASEFLOW_* and TEMPORAL_* settings only: nothing from the caller's shell. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(
    ([k]) => !k.startsWith('CASEFLOW_') && !k.startsWith('TEMPORAL_'),
  );
  return { ...Object.fromEntries(inherited), ...env };
}

export function startNodeProcess(label: string, entry: string, env: Record<string, string>): NodeProcess {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: repoRoot,
    env: cleanEnv(env),
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
  child.once('error', (err) => (output += `\n[spawn error] ${err.message}\n`));
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  const exit = new Promise<void>((resolve) => {
    if (hasExited()) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    label,
    pid: child.pid,
    output: () => output,
    exited: hasExited,
    waitForOutput: (text, timeoutMs) =>
      new Promise<boolean>((resolve) => {
        const finish = (ok: boolean) => {
          clearTimeout(timer);
          listeners.delete(check);
          resolve(ok);
        };
        const check = () => {
          if (output.includes(text)) finish(true);
        };
        const timer = setTimeout(() => finish(false), timeoutMs);
        listeners.add(check);
        void exit.then(() => finish(output.includes(text)));
        check();
      }),
    kill: async (signal) => {
      if (!hasExited()) child.kill(signal);
      await exit;
    },
  };
}
