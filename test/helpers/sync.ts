import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { applySupabaseSchema, withTempDatabase } from './pg.js';

/** A fresh database with the shim and every bundled migration, and one Supabase user owning the rows. */
export async function syncTarget(): Promise<{ url: string; name: string; userId: string; drop(): Promise<void> }> {
  const db = await withTempDatabase();
  await applySupabaseSchema(db.url);
  const userId = randomUUID();
  await query(db.url, `insert into auth.users (id, email) values ($1, 'owner@example.com')`, [userId]);
  return { ...db, userId };
}

export async function query<T = Record<string, unknown>>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Ids of a local table, read from the daemon's store without disturbing it (WAL readers never block). */
export function localIds(dataDir: string, table: 'signals' | 'jobs'): string[] {
  const db = new Database(join(dataDir, 'dcap.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT id FROM ${table} ORDER BY id`).pluck().all() as string[]);
  } finally {
    db.close();
  }
}

export async function remoteIds(url: string, table: 'tv_signals' | 'jobs'): Promise<string[]> {
  return (await query<{ id: string }>(url, `select id::text from public.${table} order by id`)).map((r) => r.id);
}

/** Polls `check` until it returns a truthy value; throws with the last value after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function healthz(url: string): Promise<{ sync: { state: string; pending: number; dead: number; lagMs: number; lastError: string | null } } & Record<string, unknown>> {
  return (await fetch(`${url}/healthz`)).json() as never;
}
