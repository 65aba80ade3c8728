import type { Command } from 'commander';
import { action, examples } from './action.js';

/** Wires `dcap sync`. Handlers live in src/commands/sync.ts and are imported only when run. */
export function registerSync(program: Command): void {
  const sync = program.command('sync').description('the outbox sync to Supabase (docs/supabase.md)');
  examples(
    sync
      .command('run')
      .description('send the outbox to Supabase until SIGINT/SIGTERM (the webhook daemon runs the same loop itself)')
      .option('--once', 'send what is pending, then exit: 0 when all of it arrived, 1 when rows went dead, auth failed or retries ran out')
      .action(action(async (ctx, opts) => (await import('../commands/sync.js')).run(ctx, opts))),
    'DCAP_SUPABASE_DB_URL=postgres://postgres:...@db.<ref>.supabase.co:5432/postgres DCAP_SUPABASE_USER_ID=<uuid> dcap sync run',
    'dcap sync run --once --json',
  );
  examples(
    sync
      .command('status')
      .description('pending and dead outbox rows, the last sync and the lag; JSON: {"pending","dead","lastSyncedAt","lagMs","sink",...}')
      .action(action(async (ctx, opts) => (await import('../commands/sync.js')).status(ctx))),
    'dcap sync status',
    'dcap sync status --json',
  );
  examples(
    sync
      .command('retry-dead')
      .description('put dead-lettered outbox rows back in the queue (after fixing what made them fail)')
      .action(action(async (ctx) => (await import('../commands/sync.js')).retryDead(ctx))),
    'dcap sync retry-dead',
    'dcap sync retry-dead --json',
  );
}
