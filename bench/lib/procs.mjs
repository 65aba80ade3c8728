/** Child processes for the benchmark: the real CLI (daemon, strategy add, replay) and the bare server. */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/dcap.js', import.meta.url));

/** Runs `dcap ...args` to completion; throws with its stderr when it fails. */
export function dcapSync(args, env = {}, timeoutMs = undefined) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    timeout: timeoutMs,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 1 << 30,
  });
  if (r.error?.code === 'ETIMEDOUT') throw Object.assign(new Error(`dcap ${args[0]} did not finish within ${timeoutMs} ms`), { timedOut: true });
  if (r.status !== 0) throw new Error(`dcap ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Starts a server process and resolves with its URL once it printed "listening on URL". */
export function startServer(args, env = {}) {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    // The daemon logs one JSON line per alert on stderr: discarded here, still produced (and paid for).
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ url: m[1], child, stop: () => stop(child) });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code} before listening`)));
  });
}

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}
