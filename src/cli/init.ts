import type { Command } from 'commander';
import { action, examples } from './action.js';

/** Wires `dcap init`. Handlers live in src/commands/ and are imported only when run. */
export function registerInit(program: Command): void {
  examples(
    program
      .command('init')
      .description('scaffold a project folder: dcap.config.json, an example strategy, example alert fixtures with their expectation, a README with the next steps')
      .argument('[dir]', 'the folder (created if missing; default: the current directory)')
      .option('--force', 'overwrite files that already exist')
      .action(action(async (ctx, dir: string | undefined, opts) => (await import('../commands/init.js')).init(ctx, dir, opts))),
    'dcap init',
    'dcap init my-strategies && cd my-strategies',
    'dcap init --force --json',
  );
}
