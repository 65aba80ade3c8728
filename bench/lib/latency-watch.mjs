/**
 * Helpers of bench/latency.mjs: when each command file appears (fs.watch = inotify on Linux, in the
 * benchmark's own process), and the CPU time and RSS of a process from /proc.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ROOT } from './procs.mjs';

const COMMAND_FILE = /^\d+-(.+)\.json$/;

/**
 * Records the first time `<seq>-<jobId>.json` shows up in `dir` (the rename that publishes it),
 * keyed by jobId. The reply to the POST may come before or after the file: both orders are fine.
 */
export class CommandFiles {
  constructor(dir, { onFile } = {}) {
    this.seen = new Map();
    this.waiters = new Map();
    this.watcher = watch(dir, (event, name) => {
      const at = performance.now();
      const m = name && COMMAND_FILE.exec(name);
      if (!m || this.seen.has(m[1])) return;
      this.seen.set(m[1], at);
      onFile?.(name);
      this.waiters.get(m[1])?.(at);
      this.waiters.delete(m[1]);
    });
  }

  /** Resolves with the time the file appeared, or null after `timeoutMs`. */
  when(jobId, timeoutMs = 30_000) {
    const at = this.seen.get(jobId);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiters.delete(jobId);
        resolve(null);
      }, timeoutMs);
      this.waiters.set(jobId, (v) => {
        clearTimeout(t);
        resolve(v);
      });
    });
  }

  close() {
    this.watcher.close();
  }
}

const TICKS_PER_S = 100; // USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK)

/** CPU time (user + system, ms) and RSS (MB) of a process, from /proc/<pid>/stat and status. */
export async function procUsage(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the ")" that ends the command name: state is field 3, utime 14, stime 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_S;
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return { cpuMs, rssMb: rssKb / 1024, peakRssMb: hwmKb / 1024 };
}

/**
 * Starts `node <bin> ...args` (a dcap daemon, agent or paper terminal) and resolves once stdout
 * matches `ready` (its URL is the first capture group, if any). `logFile`: its stderr (JSON log
 * lines) goes there; otherwise it is read and dropped (still produced, and paid for). `nodeArgs`:
 * before the script (e.g. --cpu-prof).
 */
export function startRunning(bin, args, env = {}, { ready = /running/, logFile, nodeArgs = [] } = {}) {
  const log = logFile ? openSync(logFile, 'a') : 'pipe';
  const child = spawn(process.execPath, [...nodeArgs, bin, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', log],
  });
  if (logFile) closeSync(log);
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (d) => {
    err = (err + d).slice(-4000); // only for the error message when it does not start
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve({ child, pid: child.pid, url: m[1], stop: () => stopChild(child) });
    });
    child.on('exit', (code) => reject(new Error(`${args.slice(0, 2).join(' ')} exited ${code} before it ran: ${err}`)));
  });
}

export function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}
