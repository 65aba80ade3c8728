import type { Command } from 'commander';
import { action, examples } from './action.js';

/** Wires `dcap supabase`. Handlers live in src/commands/ and are imported only when run. */
export function registerSupabase(program: Command): void {
  const group = program.command('supabase').description("the Supabase schema dcap syncs into: install it in a project, check a database has it");
  examples(group, 'dcap supabase init && supabase db push', 'dcap supabase check --db-url "$DATABASE_URL"');

  examples(
    group
      .command('init')
      .description("copy dcap's migrations into <dir>/migrations/ of a Supabase project folder (never overwrites a different file)")
      .option('--dir <dir>', 'the Supabase project folder (the one holding config.toml)', 'supabase')
      .action(action(async (ctx, opts) => (await import('../commands/supabase/init.js')).init(ctx, opts))),
    'dcap supabase init',
    'dcap supabase init --dir ../dashboard/supabase --json',
  );

  examples(
    group
      .command('check')
      .description('tell which of dcap\'s migrations a database has; exits 1 listing the missing ones')
      .option('--db-url <url>', 'Postgres URL of the target (env DCAP_SUPABASE_DB_URL)')
      .action(action(async (ctx, opts) => (await import('../commands/supabase/check.js')).check(ctx, opts))),
    'dcap supabase check --db-url "postgresql://postgres:PASSWORD@db.REF.supabase.co:5432/postgres"',
    'DCAP_SUPABASE_DB_URL=postgres://postgres@127.0.0.1:5432/dcap dcap supabase check --json',
  );
}
