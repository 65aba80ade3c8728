/** The agent as a real child process (`node bin/dcap.js agent start ...`), and a webhook daemon on a fixed port. */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'undici';
import { join } from 'node:path';
import { BIN, ROOT, dcapJson, startDaemon, type Daemon } from '../helpers/daemon.js';

export interface AgentProc {
  child: ChildProcess;
  logs(): string;
  /** SIGTERM (graceful) and the exit code. */
  stop(): Promise<number | null>;
  /** kill -9. */
  kill9(): Promise<void>;
  exited: Promise<number | null>;
}

const agents = new Set<ChildProcess>();

export function startAgent(args: string[], env: NodeJS.ProcessEnv = {}): AgentProc {
  return spawnTracked(['agent', 'start', ...args], { DCAP_LOG_LEVEL: 'info', ...env });
}

/** Agent processes a test left running (killed); a test fails when this is not 0. */
export function killAgents(): number {
  const n = agents.size;
  for (const c of agents) c.kill('SIGKILL');
  agents.clear();
  return n;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export function daemonOn(port: number, env: NodeJS.ProcessEnv): Promise<Daemon> {
  return startDaemon(['webhook', 'start', '--port', String(port)], { env });
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface SignalView {
  id: string;
  status: string;
  reason: string | null;
  result: Record<string, unknown> | null;
}

export function signal(env: NodeJS.ProcessEnv, id: string): SignalView {
  return dcapJson<SignalView>(['signals', 'show', id], { env });
}

export function signals(env: NodeJS.ProcessEnv): SignalView[] {
  return dcapJson<SignalView[]>(['signals', 'list'], { env });
}

export async function alert(url: string, path: string, body: Record<string, unknown>): Promise<{ status: string; signalId: string; jobId: string }> {
  // A fresh connection each time: a reused keep-alive socket the daemon just closed fails the POST.
  const res = await request(url + path, { method: 'POST', body: JSON.stringify(body), reset: true });
  return (await res.body.json()) as { status: string; signalId: string; jobId: string };
}

/** A read-only look at the agent's agent.db. */
export function agentDb<T>(dataDir: string, fn: (db: Database.Database) => T): T | undefined {
  const file = join(dataDir, 'agent.db');
  if (!existsSync(file)) return undefined;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } catch (err) {
    // The agent creates agent.db and then its tables: read between the two, it has none yet.
    if (/no such table/.test((err as Error).message)) return undefined;
    throw err;
  } finally {
    db.close();
  }
}

/** `dcap paper start` as its own process; resolves once it says it is running. */
export async function startPaperProcess(filesDir: string, args: string[] = []): Promise<AgentProc> {
  const p = spawnTracked(['paper', 'start', '--files-dir', filesDir, ...args]);
  await waitFor('paper terminal running', () => p.logs().includes('paper terminal running'), 20_000);
  return p;
}

/** A dcap child process whose output is kept and which killAgents() accounts for. */
function spawnTracked(args: string[], env: NodeJS.ProcessEnv = {}): AgentProc {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, DCAP_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  agents.add(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((res) =>
    child.on('exit', (code, signal) => {
      agents.delete(child);
      res(code ?? (signal ? -1 : null));
    }),
  );
  return {
    child,
    logs: () => out,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill9: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
