import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'dcap.js');

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'dcap-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI synchronously (`node bin/dcap.js ...args`). */
export function dcap(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, DCAP_LOG_LEVEL: 'warn', ...opts.env },
    input: opts.input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI with --json and parses stdout; throws with stderr when it fails. */
export function dcapJson<T = unknown>(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): T {
  const r = dcap([...args, '--json'], opts);
  if (r.code !== 0) throw new Error(`dcap ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export interface Daemon {
  url: string;
  child: ChildProcess;
  /** Everything the daemon wrote to stderr so far (its JSON log lines). */
  logs(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();

/**
 * Starts `dcap <args>` (a daemon) as a child process and resolves once it printed
 * "listening on <url>". Use --port 0.
 */
export function startDaemon(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Daemon> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, DCAP_LOG_LEVEL: 'info', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((res) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      res(code ?? (signal ? -1 : null));
    }),
  );
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`daemon did not start in time: ${stdout}\n${stderr}`));
    }, 20_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const m = /listening on (\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolvePromise({
          url: m[1]!,
          child,
          logs: () => stderr,
          exited,
          stop: async (signal = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited (${code}) before listening: ${stdout}\n${stderr}`));
    });
  });
}

/** Kills every daemon a test left running; call from afterEach and fail the test if any was left. */
export function killLeftovers(): number {
  const n = running.size;
  for (const c of running) c.kill('SIGKILL');
  running.clear();
  return n;
}
