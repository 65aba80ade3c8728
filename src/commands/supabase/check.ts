import { redactUrl } from '../../util/redact.js';
import pg from 'pg';
import type { Ctx } from '../../context.js';
import { EXIT, ExitError, UserError } from '../../errors.js';
import { bundledMigrations, type BundledMigration } from '../../supabase/migrations.js';

export interface CheckOptions {
  dbUrl?: string;
}

export interface CheckResult {
  applied: string[];
  missing: string[];
  /** Whether the target has supabase_migrations.schema_migrations (i.e. `supabase db push` ran there). */
  migrationsTable: boolean;
}

/**
 * Which bundled migrations the target database has. A migration counts as applied when
 * `supabase db push` recorded its version in supabase_migrations.schema_migrations, or when
 * every table it creates exists (applied by hand with psql, or on plain Postgres with the shim).
 * Exits 1 when any is missing.
 */
export async function check(ctx: Ctx, opts: CheckOptions): Promise<void> {
  const url = opts.dbUrl ?? ctx.env.DCAP_SUPABASE_DB_URL;
  if (!url) {
    throw new UserError('no database URL: pass --db-url or set DCAP_SUPABASE_DB_URL (Supabase: Connect > Direct connection or Session pooler)');
  }
  const shown = redactUrl(url);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // pg emits 'error' on the client when the server drops an idle connection; without a
  // listener that would crash the process instead of failing the query.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw new UserError(`cannot connect to ${shown}: ${(err as Error).message}`, undefined, { cause: err });
  }

  let result: CheckResult;
  try {
    result = await inspect(client, bundledMigrations());
  } catch (err) {
    throw new UserError(`cannot inspect ${shown}: ${(err as Error).message}`, undefined, { cause: err });
  } finally {
    await client.end().catch(() => {});
  }

  ctx.result(result, () => {
    const lines = [
      ...result.applied.map((f) => `applied  ${f}`),
      ...result.missing.map((f) => `MISSING  ${f}`),
    ];
    lines.push(
      '',
      result.missing.length === 0
        ? `${shown} has all ${result.applied.length} dcap migrations.`
        : `${shown} lacks ${result.missing.length} of ${result.applied.length + result.missing.length} dcap migrations: ` +
            'run `dcap supabase init` then `supabase db push` (see docs/supabase.md).',
    );
    return lines.join('\n');
  });
  if (result.missing.length > 0) throw new ExitError(EXIT.FAILURE);
}

async function inspect(client: pg.Client, migrations: BundledMigration[]): Promise<CheckResult> {
  const { rows: reg } = await client.query<{ t: string | null }>(`select to_regclass('supabase_migrations.schema_migrations')::text as t`);
  const migrationsTable = reg[0]?.t != null;
  const recorded = new Set<string>();
  if (migrationsTable) {
    const { rows } = await client.query<{ version: string }>('select version::text as version from supabase_migrations.schema_migrations');
    for (const r of rows) recorded.add(r.version);
  }
  const tables = [...new Set(migrations.flatMap((m) => m.tables))];
  const { rows: present } = await client.query<{ name: string }>(
    'select t as name from unnest($1::text[]) as t where to_regclass(t) is not null',
    [tables],
  );
  const existing = new Set(present.map((r) => r.name));
  const functions = [...new Set(migrations.flatMap((m) => m.functions))];
  const { rows: fnPresent } = await client.query<{ name: string }>(
    `select f as name from unnest($1::text[]) as f
     where exists (select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname || '.' || p.proname = f)`,
    [functions],
  );
  for (const r of fnPresent) existing.add(r.name);

  const applied: string[] = [];
  const missing: string[] = [];
  for (const m of migrations) {
    // Without a record of `supabase db push`, a migration counts as applied when everything it creates exists.
    const objects = [...m.tables, ...m.functions];
    const isApplied = recorded.has(m.version) || (objects.length > 0 && objects.every((o) => existing.has(o)));
    (isApplied ? applied : missing).push(m.file);
  }
  return { applied, missing, migrationsTable };
}

