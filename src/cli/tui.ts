import type { Command } from 'commander';
import { action, examples } from './action.js';

/** Wires `dcap tui`. The handler (and Ink, React) load only when it runs. */
export function registerTui(program: Command): Command {
  return examples(
    program
      .command('tui')
      .description('live positions with P&L per tick, signals and agent health in the terminal (keys: arrows, tab, c close, q quit; docs/tui.md)')
      .option('--server <url>', "the server running `dcap up` (default: agent.server from config, else this box's webhook host:port)")
      .option('--token <token>', 'a read token (dcap token create <name> --read); env DCAP_TOKEN keeps it out of the process list')
      .action(action(async (ctx, opts) => (await import('../commands/tui.js')).tui(ctx, opts))),
    'DCAP_TOKEN=$(dcap token create laptop --read --json | jq -r .token) dcap tui',
    'dcap tui --server http://10.0.0.5:8080 --token "$DCAP_TOKEN"',
    'dcap positions --json   # the same figures for scripts (no TTY needed)',
  );
}
