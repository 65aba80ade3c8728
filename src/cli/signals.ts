import type { Command } from 'commander';
import { action, examples, number } from './action.js';

/** Wires `dcap signals`. Handlers live in src/commands/ and are imported only when run. */
export function registerSignals(program: Command): void {
  const group = program.command('signals').description('recorded alerts: list, inspect, export as replay fixtures');

  examples(
    group
      .command('list')
      .description('recorded signals, newest first')
      .option('--strategy <name>', 'only this strategy')
      .option('--status <status>', 'only this status: accepted, duplicate, discarded, blocked, rejected, executed, failed')
      .option('--since <time>', 'received at or after TIME: an ISO date/time, or a duration ago (15m, 24h, 7d)')
      .option('--limit <n>', 'at most N signals (default 50)', number)
      .action(action(async (ctx, opts) => (await import('../commands/signals/list.js')).list(ctx, opts))),
    'dcap signals list',
    'dcap signals list --strategy trend --status blocked --since 24h',
    'dcap signals list --since 2024-05-01T00:00:00Z --limit 500 --json',
  );

  examples(
    group
      .command('show')
      .description('every column of one signal, its raw body and the parsed alert')
      .argument('<id>', 'signal id, or a unique start of one')
      .action(action(async (ctx, id: string, _opts) => (await import('../commands/signals/show.js')).show(ctx, id))),
    'dcap signals show 0190a5b2-7c3e-7a4f-9d1e-2b3c4d5e6f70',
    'dcap signals show 0190a5b2-7c3e --json',
  );

  examples(
    group
      .command('export')
      .description('recorded alerts as JSON lines in the replay fixture format {"strategy","contentType","body","at"}, oldest first')
      .option('--strategy <name>', 'only this strategy')
      .option('--since <time>', 'received at or after TIME: an ISO date/time, or a duration ago (15m, 24h, 7d)')
      .option('--out <file>', 'write to FILE instead of stdout')
      .action(action(async (ctx, opts) => (await import('../commands/signals/export.js')).exportSignals(ctx, opts))),
    'dcap signals export --since 24h > today.jsonl',
    'dcap signals export --strategy trend --out fixtures/alerts/trend.jsonl',
  );
}
