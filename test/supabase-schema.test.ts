import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledMigrations, shimSql } from '../src/supabase/migrations.js';
import { buildUpsert, SYNC_TABLES, type Row, type SyncTableName } from '../src/supabase/upsert.js';
import { applySupabaseSchema, PG_URL, pgAvailable, runSql, withTempDatabase } from './helpers/pg.js';

const migrations = bundledMigrations();
const TABLES = Object.keys(SYNC_TABLES) as SyncTableName[];
/** Every table a user owns rows in: the synced ones plus the two users edit themselves. */
const USER_TABLES = [...TABLES, 'user_settings', 'profiles'];
const A = randomUUID();
const B = randomUUID();

/** A row with every column of `table` filled, owned by `userId`. */
function sampleRow(table: SyncTableName, userId: string, over: Row = {}): Row {
  const row: Row = {};
  const sample = { uuid: () => randomUUID(), text: () => 'x', int: () => 1, bigint: () => 7, numeric: () => 1.25, bool: () => true, jsonb: () => ({ k: [1, 'two'] }), time: () => Date.now() };
  for (const [col, type] of Object.entries(SYNC_TABLES[table].columns)) row[col] = sample[type]();
  return { ...row, user_id: userId, ...(table === 'sync_nodes' ? {} : { node_id: randomUUID() }), ...over };
}

describe.skipIf(!(await pgAvailable()))('Supabase schema on PostgreSQL 15 with the shim', () => {
  let db: Awaited<ReturnType<typeof withTempDatabase>>;
  let client: pg.Client;

  /** Runs `fn` in a transaction as `role` with the JWT claims PostgREST would set; always rolls back. */
  async function as<T>(role: string, sub: string | null, fn: () => Promise<T>): Promise<T> {
    await client.query('begin');
    try {
      await client.query(`set local role ${role}`);
      const claims = sub ? { sub, role } : { role };
      await client.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)]);
      return await fn();
    } finally {
      await client.query('rollback');
    }
  }
  const q = (text: string, values: unknown[] = []) => client.query(text, values);
  const upsert = async (table: SyncTableName, rows: Row[]) => {
    const s = buildUpsert(table, rows);
    return client.query(s.text, s.values);
  };
  /** The SQLSTATE `fn` fails with ('ok' when it succeeds), inside a savepoint so the transaction goes on. */
  const pgCode = async (fn: () => Promise<unknown>): Promise<string> => {
    await q('savepoint attempt');
    try {
      await fn();
      await q('release savepoint attempt');
      return 'ok';
    } catch (err) {
      await q('rollback to savepoint attempt');
      return (err as { code?: string }).code ?? String(err);
    }
  };

  beforeAll(async () => {
    db = await withTempDatabase();
    await applySupabaseSchema(db.url);
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await q(`insert into auth.users (id, email) values ($1, 'a@example.com'), ($2, 'b@example.com')`, [A, B]);
    // Written the way the service role (supabase-js sink) would write them: one row per user and table.
    await q('begin');
    await q('set local role service_role');
    for (const t of TABLES) for (const u of [A, B]) await upsert(t, [sampleRow(t, u)]);
    await q(`insert into public.user_settings (user_id, settings) values ($1, '{"theme":"dark"}'), ($2, '{}')`, [A, B]);
    await q('commit');
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  describe('migrations', () => {
    it('are re-runnable: applying shim and migrations again changes nothing', async () => {
      const fingerprint = async () =>
        (
          await q(`select string_agg(x, E'\n' order by x) as f from (
            select 'col ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') as x
              from information_schema.columns where table_schema = 'public'
            union all select 'policy ' || tablename || '.' || policyname || ' ' || cmd || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '') from pg_policies
            union all select 'index ' || indexname || ' ' || indexdef from pg_indexes where schemaname = 'public'
            union all select 'trigger ' || tgrelid::regclass || '.' || tgname from pg_trigger where not tgisinternal
            union all select 'grant ' || table_name || ' ' || grantee || ' ' || privilege_type from information_schema.role_table_grants where table_schema = 'public'
            union all select 'rls ' || relname || ' ' || relrowsecurity || relforcerowsecurity from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'
          ) s`)
        ).rows[0].f as string;
      const before = await fingerprint();
      await applySupabaseSchema(db.url);
      expect(await fingerprint()).toBe(before);
      expect((await q('select count(*)::int as n from public.tv_signals')).rows[0].n).toBe(2); // data untouched
    });

    it('hold none of the shim: no roles, no auth schema objects, no default privileges', () => {
      for (const m of migrations) {
        expect(m.sql).not.toMatch(/create\s+role|create\s+schema\s+(if\s+not\s+exists\s+)?auth|create\s+table\s+(if\s+not\s+exists\s+)?auth\.|alter\s+default\s+privileges|function\s+auth\./i);
      }
    });

    it('match the column list the sync uses (SYNC_TABLES)', async () => {
      const map: Record<string, string> = { uuid: 'uuid', text: 'text', integer: 'int', bigint: 'bigint', numeric: 'numeric', boolean: 'bool', jsonb: 'jsonb', 'timestamp with time zone': 'time' };
      for (const t of TABLES) {
        const { rows } = await q(`select column_name, data_type from information_schema.columns where table_schema = 'public' and table_name = $1 and column_name <> 'synced_at' order by ordinal_position`, [t]);
        const actual = Object.fromEntries(rows.map((r) => [r.column_name, map[r.data_type] ?? r.data_type]));
        expect(actual, t).toEqual(SYNC_TABLES[t].columns);
      }
    });

    it('enable (not force) row-level security on every table in public, each with a select policy for authenticated', async () => {
      const { rows } = await q(`select relname, relrowsecurity, relforcerowsecurity from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' order by relname`);
      expect(rows.map((r) => r.relname).sort()).toEqual([...USER_TABLES].sort());
      for (const r of rows) expect([r.relname, r.relrowsecurity, r.relforcerowsecurity]).toEqual([r.relname, true, false]);
      const { rows: pols } = await q(`select tablename from pg_policies where schemaname = 'public' and cmd = 'SELECT' and roles = '{authenticated}'`);
      expect(pols.map((p) => p.tablename).sort()).toEqual([...USER_TABLES].sort());
    });

    it('mirror auth.users into profiles: insert, email change, cascade on delete', async () => {
      const c = randomUUID();
      await q(`insert into auth.users (id, email) values ($1, 'c@example.com')`, [c]);
      expect((await q('select email from public.profiles where id = $1', [c])).rows).toEqual([{ email: 'c@example.com' }]);
      await q(`update auth.users set email = 'c2@example.com' where id = $1`, [c]);
      expect((await q('select email from public.profiles where id = $1', [c])).rows).toEqual([{ email: 'c2@example.com' }]);
      await upsert('tv_signals', [sampleRow('tv_signals', c)]);
      await q('delete from auth.users where id = $1', [c]);
      expect((await q('select count(*)::int as n from public.profiles where id = $1', [c])).rows[0].n).toBe(0);
      expect((await q('select count(*)::int as n from public.tv_signals where user_id = $1', [c])).rows[0].n).toBe(0);
    });
  });

  describe('row-level security', () => {
    const owner = (t: string) => (t === 'profiles' ? 'id' : 'user_id');

    it('auth.uid(), auth.role() and auth.jwt() read request.jwt.claims', async () => {
      const r = await as('authenticated', A, () => q(`select auth.uid() as uid, auth.role() as role, auth.jwt() ->> 'sub' as sub`));
      expect(r.rows[0]).toEqual({ uid: A, role: 'authenticated', sub: A });
    });

    it("user A sees exactly A's rows in every table, user B none of them", async () => {
      for (const t of USER_TABLES) {
        const seenByA = await as('authenticated', A, () => q(`select ${owner(t)} as u from public.${t}`));
        expect(seenByA.rows, t).toEqual([{ u: A }]);
        const seenByB = await as('authenticated', B, () => q(`select ${owner(t)} as u from public.${t}`));
        expect(seenByB.rows, t).toEqual([{ u: B }]);
      }
    });

    it('a JWT without a user sees nothing', async () => {
      for (const t of USER_TABLES) {
        const r = await as('authenticated', null, () => q(`select 1 from public.${t}`));
        expect(r.rowCount, t).toBe(0);
      }
    });

    it('anon is refused every table', async () => {
      for (const t of USER_TABLES) {
        expect(await as('anon', null, () => pgCode(() => q(`select 1 from public.${t}`))), t).toBe('42501');
      }
    });

    it('service_role sees every row', async () => {
      for (const t of USER_TABLES) {
        const r = await as('service_role', null, () => q(`select count(*)::int as n from public.${t}`));
        expect(r.rows[0].n, t).toBe(2);
      }
    });

    it('users cannot write the synced tables, not even their own rows', async () => {
      for (const t of TABLES) {
        const s = buildUpsert(t, [sampleRow(t, A)]);
        expect(await as('authenticated', A, () => pgCode(() => q(s.text, s.values))), `insert ${t}`).toBe('42501');
        expect(await as('authenticated', A, () => pgCode(() => q(`update public.${t} set user_id = user_id`))), `update ${t}`).toBe('42501');
        expect(await as('authenticated', A, () => pgCode(() => q(`delete from public.${t}`))), `delete ${t}`).toBe('42501');
      }
    });

    it('user_settings: A inserts, updates and deletes only her own row', async () => {
      await as('authenticated', A, async () => {
        expect(await pgCode(() => q(`insert into public.user_settings (user_id) values ($1)`, [B]))).toBe('42501'); // RLS check
        expect((await q(`update public.user_settings set settings = '{"x":1}' where user_id = $1`, [B])).rowCount).toBe(0);
        expect((await q(`delete from public.user_settings where user_id = $1`, [B])).rowCount).toBe(0);
        const r = await q(`update public.user_settings set settings = '{"theme":"light"}' returning settings, updated_at > created_at as touched`);
        expect(r.rows).toEqual([{ settings: { theme: 'light' }, touched: true }]);
        expect((await q('delete from public.user_settings')).rowCount).toBe(1);
        expect((await q(`insert into public.user_settings (user_id) values ($1)`, [A])).rowCount).toBe(1);
      });
      expect((await q('select count(*)::int as n from public.user_settings')).rows[0].n).toBe(2); // rolled back, B's intact
    });

    it("profiles: A may change her display name only, and not B's", async () => {
      await as('authenticated', A, async () => {
        expect((await q(`update public.profiles set display_name = 'Ann'`)).rowCount).toBe(1);
        expect((await q(`update public.profiles set display_name = 'Bob' where id = $1`, [B])).rowCount).toBe(0);
        expect(await pgCode(() => q(`update public.profiles set email = 'x@example.com'`))).toBe('42501');
      });
    });
  });

  describe('upserts: merge, but a late row never overwrites a newer state', () => {
    const T0 = Date.parse('2026-11-21T10:00:00Z');
    const signal = (id: string, status: string, at: number, seq = 0) => sampleRow('tv_signals', A, { id, status, updated_at: at, sync_seq: seq });
    const statusOf = async (id: string) => (await q('select status from public.tv_signals where id = $1', [id])).rows[0]?.status;

    it('newer states merge; an older one arriving late is ignored', async () => {
      const id = randomUUID();
      await upsert('tv_signals', [signal(id, 'accepted', T0)]);
      await upsert('tv_signals', [signal(id, 'executed', T0 + 1500)]);
      const late = await upsert('tv_signals', [signal(id, 'accepted', T0)]);
      expect(late.rowCount).toBe(0);
      expect(await statusOf(id)).toBe('executed');
      await upsert('tv_signals', [signal(id, 'executed', T0 + 1500)]); // a replay of the same state is harmless
      expect(await statusOf(id)).toBe('executed');
    });

    it('the schema enforces it too, for writers without the WHERE clause (PostgREST upserts)', async () => {
      const id = randomUUID();
      await upsert('jobs', [sampleRow('jobs', A, { id, status: 'done', updated_at: T0 + 5000 })]);
      await q(
        `insert into public.jobs as t (id, user_id, type, payload, status, created_at, updated_at)
         values ($1, $2, 'trade', '{}', 'pending', $3, $3)
         on conflict (id) do update set status = excluded.status, updated_at = excluded.updated_at`,
        [id, A, new Date(T0).toISOString()],
      );
      expect((await q('select status from public.jobs where id = $1', [id])).rows[0].status).toBe('done');
    });

    it('within one millisecond the outbox sequence decides', async () => {
      const id = randomUUID();
      await upsert('tv_signals', [signal(id, 'accepted', T0, 10)]);
      await upsert('tv_signals', [signal(id, 'executed', T0, 11)]);
      await upsert('tv_signals', [signal(id, 'accepted', T0, 10)]);
      expect(await statusOf(id)).toBe('executed');
    });

    it('a batch holding two versions of one row keeps the newest', async () => {
      const id = randomUUID();
      await upsert('tv_signals', [signal(id, 'executed', T0 + 10), signal(id, 'accepted', T0)]);
      expect(await statusOf(id)).toBe('executed');
    });

    it('the owner of a row never changes', async () => {
      const id = randomUUID();
      await upsert('tv_signals', [signal(id, 'accepted', T0)]);
      await upsert('tv_signals', [sampleRow('tv_signals', B, { id, status: 'executed', updated_at: T0 + 1 })]);
      expect((await q('select user_id, status from public.tv_signals where id = $1', [id])).rows[0]).toEqual({ user_id: A, status: 'executed' });
    });

    it('append-only events ignore duplicates', async () => {
      const id = randomUUID();
      await upsert('trade_events', [sampleRow('trade_events', A, { id, price: 1.1 })]);
      const again = await upsert('trade_events', [sampleRow('trade_events', A, { id, price: 9.9 }), sampleRow('trade_events', A, { id, price: 8.8 })]);
      expect(again.rowCount).toBe(0);
      expect((await q('select price::float8 as p from public.trade_events where id = $1', [id])).rows[0].p).toBe(1.1);
    });

    it('keeps a row whose text holds NUL characters (as U+FFFD) instead of failing the batch', async () => {
      const id = randomUUID();
      await upsert('tv_signals', [sampleRow('tv_signals', A, { id, raw_body: 'a\u0000b', parsed: { s: 'c\u0000d' } })]);
      const r = await q('select raw_body, parsed from public.tv_signals where id = $1', [id]);
      expect(r.rows[0]).toEqual({ raw_body: 'a\uFFFDb', parsed: { s: 'c\uFFFDd' } });
    });

    it('converts epoch ms, ISO strings and Dates to timestamptz', async () => {
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      const at = [T0, new Date(T0).toISOString(), new Date(T0)];
      await upsert('tv_signals', ids.map((id, i) => sampleRow('tv_signals', A, { id, received_at: at[i] })));
      const r = await q('select distinct received_at from public.tv_signals where id = any($1)', [ids]);
      expect(r.rows.map((x) => (x.received_at as Date).getTime())).toEqual([T0]);
    });

    it('rejects unknown tables and columns, and rows without their key, owner or version', () => {
      expect(() => buildUpsert('nope' as SyncTableName, [{}])).toThrow(/"nope" is not a table/);
      expect(() => buildUpsert('jobs', [{ ...sampleRow('jobs', A), colour: 'red' }])).toThrow(/jobs has no column "colour"/);
      expect(() => buildUpsert('jobs', [{ ...sampleRow('jobs', A), updated_at: undefined }])).toThrow(/without updated_at/);
      expect(() => buildUpsert('positions', [{ ...sampleRow('positions', A), agent_id: null }])).toThrow(/without agent_id/);
      expect(() => buildUpsert('jobs', [{ ...sampleRow('jobs', A), created_at: 'yesterday' }])).toThrow(/created_at: "yesterday" is not a time/);
      expect(() => buildUpsert('jobs', [])).toThrow(/no rows/);
    });
  });
});

/**
 * On Supabase, `supabase db push` runs as `postgres`, which is not a superuser and does not own
 * auth.users (supabase_auth_admin does). Superuser test runs would hide a migration that needs
 * more than that, so this runs them as such a role, twice, and signs a user up as the owner.
 */
describe.skipIf(!(await pgAvailable()))('migrations as a non-superuser that does not own auth.users', () => {
  const suffix = randomUUID().slice(0, 8);
  const migrator = `dcap_test_migrator_${suffix}`;
  const authAdmin = `dcap_test_auth_${suffix}`;
  let db: Awaited<ReturnType<typeof withTempDatabase>>;

  beforeAll(async () => {
    db = await withTempDatabase();
    await runSql(db.url, shimSql());
    await runSql(
      db.url,
      `create role ${migrator} nologin; create role ${authAdmin} nologin;
       alter table auth.users owner to ${authAdmin};
       grant usage on schema auth to ${migrator}, ${authAdmin};
       grant select, trigger, references on auth.users to ${migrator};
       grant create on database ${db.name} to ${migrator};
       grant usage, create on schema public to ${migrator};`,
    );
  });
  afterAll(async () => {
    await db?.drop();
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`drop role if exists ${migrator}`).catch(() => {});
    await admin.query(`drop role if exists ${authAdmin}`).catch(() => {});
    await admin.end();
  });

  it('apply (twice), and sign-ups by the auth server get a profile', async () => {
    for (let i = 0; i < 2; i++) for (const m of migrations) await runSql(db.url, `set local role ${migrator};\n${m.sql}`);
    const user = randomUUID();
    await runSql(db.url, `set local role ${authAdmin}; insert into auth.users (id, email) values ('${user}', 'new@example.com')`);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query('select p.email, c.relowner::regrole::text as owner from public.profiles p, pg_class c where p.id = $1 and c.oid = $2::regclass', [user, 'public.tv_signals']);
      expect(rows).toEqual([{ email: 'new@example.com', owner: migrator }]);
    } finally {
      await client.end();
    }
  });
});
