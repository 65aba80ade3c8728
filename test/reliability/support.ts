/**
 * Shared pieces of the reliability tests: strategies made through the real CLI, HTTP over
 * loopback (undici, and raw sockets for what undici refuses to send), and read-only looks at
 * the daemon's SQLite file.
 */
import Database from 'better-sqlite3';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Pool, request } from 'undici';
import { dcap, dcapJson } from '../helpers/daemon.js';

export interface CreatedStrategy {
  id: string;
  name: string;
  secret: string;
  webhookPath: string;
}

/** `dcap strategy add <name> ... --json` in `dataDir`. */
export function addStrategy(dataDir: string, name: string, flags: string[] = []): CreatedStrategy {
  return dcapJson<CreatedStrategy>(['strategy', 'add', name, ...flags, '--data-dir', dataDir]);
}

/** Runs `dcap strategy <args> --data-dir dataDir` and fails loudly when it does. */
export function strategyCmd(dataDir: string, args: string[]): unknown {
  return dcapJson(['strategy', ...args, '--data-dir', dataDir]);
}

export { dcap };

export interface Reply {
  status: number;
  body: Record<string, unknown> | undefined;
  text: string;
}

/** One POST with undici (fresh connection pool per call site is the caller's choice). */
export async function post(
  target: string | Pool,
  path: string,
  body: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' },
): Promise<Reply> {
  const res =
    typeof target === 'string'
      ? await request(new URL(path, target), { method: 'POST', body, headers })
      : await target.request({ path, method: 'POST', body, headers });
  const text = await res.body.text();
  return { status: res.statusCode, text, body: parseMaybe(text) };
}

export async function get(base: string, path: string): Promise<Reply> {
  const res = await request(new URL(path, base));
  const text = await res.body.text();
  return { status: res.statusCode, text, body: parseMaybe(text) };
}

function parseMaybe(text: string): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export interface RawResult {
  /** Status code of the first response, or undefined when the connection closed without one. */
  status?: number;
  /** Every byte the server sent. */
  response: string;
}

/**
 * Writes raw bytes to the daemon and collects what comes back until the server closes the
 * connection or `idleMs` passes without data. `endAfter`: half-close after writing (FIN), or
 * `destroy` to reset the connection right after the write (a client vanishing mid-body).
 */
export function rawHttp(
  url: string,
  chunks: (string | Buffer)[],
  opts: { endAfter?: 'end' | 'destroy' | 'keep'; idleMs?: number } = {},
): Promise<RawResult> {
  const { hostname, port } = new URL(url);
  const idleMs = opts.idleMs ?? 1500;
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const received: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const response = Buffer.concat(received).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(response);
      resolve({ response, ...(m ? { status: Number(m[1]) } : {}) });
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(finish, idleMs);
    };
    socket.on('data', (d: Buffer) => {
      received.push(d);
      arm();
    });
    socket.on('close', finish);
    socket.on('error', () => finish());
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
      if (opts.endAfter === 'destroy') {
        // Give the bytes a moment to leave, then reset: the server sees a body that never ends.
        setTimeout(() => socket.resetAndDestroy(), 50);
        setTimeout(finish, 300);
        return;
      }
      if (opts.endAfter !== 'keep') socket.end();
      arm();
    });
  });
}

export function storeFile(dataDir: string): string {
  return join(dataDir, 'dcap.db');
}

/** Opens the store read-only (the daemon may be running: WAL lets us read beside it). */
export function openStore(dataDir: string): Database.Database {
  return new Database(storeFile(dataDir), { readonly: true, fileMustExist: true });
}

/** Runs `fn` against a read-only connection and closes it. */
export function withStore<T>(dataDir: string, fn: (db: Database.Database) => T): T {
  const db = openStore(dataDir);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export function count(db: Database.Database, sql: string, ...params: unknown[]): number {
  return db.prepare(sql).pluck().get(...params) as number;
}

/** Every row of a table in a stable order, as JSON: compare two dumps to prove nothing changed. */
export function dumpTable(db: Database.Database, table: string): string {
  return JSON.stringify(db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all());
}

/** Runs `worker` over items with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: T[], limit: number, worker: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await worker(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return out;
}

/** Polls `check` until it returns true (no timed assertion: the test timeout bounds it). */
export async function until(check: () => boolean | Promise<boolean>, everyMs = 100): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, everyMs));
}
