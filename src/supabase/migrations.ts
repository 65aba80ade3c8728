import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/**
 * The Supabase schema shipped in templates/supabase/. Both src/supabase/ and dist/supabase/
 * sit two levels below the package root, so the same relative path works built or not.
 */
export const SUPABASE_TEMPLATE_DIR = fileURLToPath(new URL('../../templates/supabase/', import.meta.url));
export const MIGRATIONS_DIR = join(SUPABASE_TEMPLATE_DIR, 'migrations');
export const SHIM_FILE = join(SUPABASE_TEMPLATE_DIR, 'shim', 'supabase-shim.sql');

/** Supabase CLI naming: `<14-digit version>_<name>.sql`; `supabase db push` records the version. */
const MIGRATION_FILE = /^(\d{14})_([a-z0-9_]+)\.sql$/;

export interface BundledMigration {
  /** File name, e.g. `20261121000001_dcap_core.sql`. */
  file: string;
  /** The 14-digit version `supabase db push` stores in supabase_migrations.schema_migrations. */
  version: string;
  /** The name part, e.g. `dcap_core`. */
  name: string;
  path: string;
  sql: string;
  /** `public.<table>` names the migration creates: their presence shows it was applied. */
  tables: string[];
  /** `schema.function` names it creates (for migrations that add functions only). */
  functions: string[];
}

/** The bundled migrations in the order they must run. */
export function bundledMigrations(dir = MIGRATIONS_DIR): BundledMigration[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file) => {
      const m = MIGRATION_FILE.exec(file);
      if (!m) throw new Error(`${join(dir, file)}: a migration file must be named <14-digit version>_<name>.sql`);
      const path = join(dir, file);
      const sql = readFileSync(path, 'utf8');
      return { file, version: m[1]!, name: m[2]!, path, sql, tables: createdTables(sql), functions: createdFunctions(sql) };
    });
}

/** The shim that stands in for Supabase on plain PostgreSQL (never for a Supabase project). */
export function shimSql(): string {
  return readFileSync(SHIM_FILE, 'utf8');
}

/** `public.x` for every `create table if not exists public.x` in a migration. */
export function createdTables(sql: string): string[] {
  const re = /create\s+table\s+if\s+not\s+exists\s+public\.([a-z_][a-z0-9_]*)/gi;
  return [...sql.matchAll(re)].map((m) => `public.${m[1]!.toLowerCase()}`);
}

/** `schema.fn` for every `create [or replace] function schema.fn(` in a migration. */
export function createdFunctions(sql: string): string[] {
  const re = /create\s+(?:or\s+replace\s+)?function\s+([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\s*\(/gi;
  return [...sql.matchAll(re)].map((m) => `${m[1]!.toLowerCase()}.${m[2]!.toLowerCase()}`);
}
