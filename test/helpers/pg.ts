import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { bundledMigrations, shimSql } from '../../src/supabase/migrations.js';

/** The local server's admin URL (trust auth on 127.0.0.1 here and in .ci/run). */
export const PG_URL = process.env.DCAP_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** .ci/run sets it: a missing server is then a failure, not a skip. */
const REQUIRED = process.env.DCAP_TEST_REQUIRE_SERVICES === '1';

let reachable: Promise<boolean> | undefined;

/**
 * Whether the Postgres server answers. Use it as `describe.skipIf(!(await pgAvailable()))`.
 * When DCAP_TEST_REQUIRE_SERVICES=1 an unreachable server throws, failing the test file.
 */
export function pgAvailable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch (err) {
      if (REQUIRED) throw new Error(`PostgreSQL at ${redact(PG_URL)} is required (DCAP_TEST_REQUIRE_SERVICES=1) but unreachable: ${(err as Error).message}`, { cause: err });
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
}

/**
 * A fresh, empty database on the local server with a random name; `drop()` removes it
 * (terminating any connection a test left open).
 */
export async function withTempDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `dcap_test_${randomBytes(6).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

/** Runs SQL text (several statements allowed) on `url`, in one transaction. */
export async function runSql(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    await client.query(sql);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}

/**
 * What `supabase db push` would leave on a Supabase project, on plain Postgres: the shim, then
 * every bundled migration in order, each in its own transaction.
 */
export async function applySupabaseSchema(url: string): Promise<void> {
  await runSql(url, shimSql());
  for (const m of bundledMigrations()) await runSql(url, m.sql);
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
