import type { Command } from 'commander';
import { action, examples } from './action.js';

/** Wires `dcap token`. Handlers live in src/commands/token.ts and are imported only when run. */
export function registerToken(program: Command): Command {
  const token = program.command('token').description('read tokens for relay subscribers (dcap tui, dashboards): stored hashed, shown once');
  examples(
    token
      .command('create <name>')
      .description('create a token and print it once; --read lets it read the live stream (ticks, signals, positions, agents)')
      .option('--read', 'read the live stream (the only scope so far; required)')
      .action(action(async (ctx, name: string, opts) => (await import('../commands/token.js')).create(ctx, name, opts))),
    'dcap token create laptop --read',
    'dcap token create grafana --read --json   # {"name":"grafana","scope":"read","token":"..."}',
  );
  examples(
    token
      .command('list')
      .description('every live token: name, scope, prefix, created, last used (never the token)')
      .action(action(async (ctx) => (await import('../commands/token.js')).list(ctx))),
    'dcap token list',
    'dcap token list --json',
  );
  examples(
    token
      .command('revoke <name>')
      .description('revoke a token: new connections with it are refused at once, open ones are closed within a heartbeat')
      .action(action(async (ctx, name: string) => (await import('../commands/token.js')).revoke(ctx, name))),
    'dcap token revoke laptop',
  );
  return token;
}
