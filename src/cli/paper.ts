import { Option, type Command } from 'commander';
import { action, examples, number } from './action.js';

/** Wires `dcap paper`. Handlers live in src/commands/ and are imported only when run. */
export function registerPaper(program: Command): void {
  const paper = program.command('paper').description('a simulated MT5 terminal speaking the bridge file protocol (sandbox, demos, CI)');
  examples(
    paper
      .command('start')
      .description(
        'run the paper terminal on <files-dir>/dcap/<bridge-id>/ until SIGINT/SIGTERM; prints "paper terminal running in DIR" once ready (docs/paper.md)',
      )
      .requiredOption('--files-dir <dir>', 'the folder standing for MT5 Common\\Files (the agent gets the same --files-dir)')
      .option('--bridge-id <id>', 'bridge id: several terminals can share one folder', 'default')
      .option('--prices <file.csv>', 'replay recorded ticks (time,symbol,bid,ask) instead of a random walk')
      .option('--symbols <file.json>', 'symbol specs (default: fixtures/symbols.json of dcap)')
      .addOption(new Option('--account <mode>', 'account margin mode').choices(['hedging', 'netting']).default('hedging'))
      .option('--balance <amount>', 'starting balance of a new account', number, 10000)
      .option('--currency <code>', 'account currency (must match the symbols file)')
      .option('--leverage <n>', 'account leverage', number, 100)
      .option('--spread-points <n>', 'spread of every symbol in points (default: realistic per symbol)', number)
      .option('--tick-rate <n>', 'random-walk ticks per second per symbol; 0 freezes prices', number, 5)
      .option('--seed <n>', 'seed of the random walk (the same seed, the same prices)', number)
      .option('--magic <n>', "the EA's Magic input", number)
      .option('--sessions', "answer MARKET_CLOSED outside each symbol's sessions (default: always open)")
      .option('--reset', 'start a new account instead of the one saved in the bridge folder')
      .option('--processing-delay <ms>', 'simulate a slow terminal: wait before each command', number)
      .option('--price-speed <x>', 'replay speed of --prices (2 = twice as fast)', number)
      .action(action(async (ctx, opts) => (await import('../commands/paper.js')).start(ctx, opts))),
    'dcap paper start --files-dir /tmp/mt5-files',
    'dcap paper start --files-dir ./files --account netting --balance 500 --spread-points 20',
    'dcap paper start --files-dir ./files --prices fixtures/prices/eurusd-xauusd.csv --bridge-id demo',
  );
}
