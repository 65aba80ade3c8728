import type { Command } from 'commander';
import { action, collect, examples } from './action.js';

/**
 * The settings options shared by `add` and `set`. Values stay strings here: settingsFromOptions
 * parses them all and reports every problem at once (a commander parser would stop at the first).
 */
function settingsOptions(cmd: Command, forSet: boolean): Command {
  const clear = forSet ? '; "" returns it to the default' : '';
  return cmd
    .option('--symbols <list>', `allowed symbols, comma-separated (default: any)${clear}`)
    .option('--map <source=broker>', `map a TradingView symbol to the broker's, repeatable${forSet ? '; SOURCE= removes one, "" removes all' : ''}`, collect)
    .option('--suffix <suffix>', `appended to symbols the map does not cover, e.g. .m${clear}`)
    .option('--lots <n>', `lots when the alert gives no size (default 0.01)${clear}`)
    .option('--max-lots <n>', `largest order in lots${clear}`)
    .option('--risk-pct <n>', `default % of equity to risk when the alert gives no size (needs a stop)${clear}`)
    .option('--lots-per-contract <n>', `lots per TradingView contract, for alerts sized in contracts${clear}`)
    .option('--max-positions <n>', `most open positions at once${clear}`)
    .option('--daily-loss <n>', `daily loss limit in account currency${clear}`)
    .option('--hours <hours>', `trading hours, e.g. "Mon-Fri 07:00-20:00 UTC" (default: any time)${clear}`)
    .option('--max-age <duration>', `drop alerts older than this by their time, e.g. 60s${clear}`)
    .option('--agent <name>', `the agent that executes it (default: any agent)${clear}`)
    .option('--rate-limit <n>', `requests per second (burst 5x); 0 turns it off (default 20)${clear}`);
}

/** Wires `dcap strategy`. Handlers live in src/commands/strategy/ and are imported only when run. */
export function registerStrategy(program: Command): void {
  const group = program
    .command('strategy')
    .description('create and manage strategies and their webhook secrets')
    .addHelpText('after', '\nEvery TradingView alert is sent to the webhook URL of one strategy; see docs/cli.md.\n');
  const cmd = (name: string) => group.command(name);

  examples(
    settingsOptions(cmd('add').argument('<name>', 'strategy name: letters, digits, _ and -'), false)
      .description('create a strategy and print its webhook secret (shown once)')
      .action(action(async (ctx, name: string, opts) => (await import('../commands/strategy/add.js')).add(ctx, name, opts))),
    'dcap strategy add trend --symbols EURUSD,XAUUSD --suffix .m --lots 0.1 --max-lots 1',
    'dcap strategy add gold --map OANDA:XAUUSD=XAUUSD.m --risk-pct 1 --hours "Mon-Fri 07:00-20:00 UTC" --max-age 60s',
    'dcap strategy add ci --rate-limit 0 --json',
  );

  examples(
    cmd('list')
      .description('list strategies: name, state, symbols, lots, agent, rate limit, secrets')
      .action(action(async (ctx) => (await import('../commands/strategy/list.js')).list(ctx))),
    'dcap strategy list',
    'dcap strategy list --json',
  );

  examples(
    cmd('show')
      .argument('<name>')
      .description('print every setting of a strategy and its secrets (prefixes only)')
      .action(action(async (ctx, name: string) => (await import('../commands/strategy/show.js')).show(ctx, name))),
    'dcap strategy show trend',
    'dcap strategy show trend --json',
  );

  examples(
    settingsOptions(cmd('set').argument('<name>'), true)
      .description('change settings of a strategy; options not given keep their value')
      .action(action(async (ctx, name: string, opts) => (await import('../commands/strategy/set.js')).set(ctx, name, opts))),
    'dcap strategy set trend --lots 0.2 --max-positions 3',
    'dcap strategy set trend --map OANDA:EURUSD= --map FX:EURUSD=EURUSD.m',
    'dcap strategy set trend --hours "" --agent ""',
  );

  examples(
    cmd('enable')
      .argument('<name>')
      .description('enable a strategy: its alerts are checked and executed again')
      .action(action(async (ctx, name: string) => (await import('../commands/strategy/enable.js')).setEnabled(ctx, name, true))),
    'dcap strategy enable trend',
  );

  examples(
    cmd('disable')
      .argument('<name>')
      .description('disable a strategy: its alerts are recorded as discarded, nothing is executed')
      .action(action(async (ctx, name: string) => (await import('../commands/strategy/enable.js')).setEnabled(ctx, name, false))),
    'dcap strategy disable trend',
  );

  examples(
    cmd('rotate-secret')
      .argument('<name>')
      .option('--grace <duration>', 'how long the previous secrets keep working; 0 stops them now', '24h')
      .description('make a new webhook secret (shown once); the old one works until the grace period ends')
      .action(action(async (ctx, name: string, opts) => (await import('../commands/strategy/rotate-secret.js')).rotateSecret(ctx, name, opts))),
    'dcap strategy rotate-secret trend',
    'dcap strategy rotate-secret trend --grace 0   # the old secret leaked: stop it now',
    'dcap strategy rotate-secret trend --grace 1h --json',
  );

  examples(
    cmd('remove')
      .argument('<name>')
      .description('remove a strategy: its webhook URLs stop working at once; recorded signals are kept')
      .action(action(async (ctx, name: string) => (await import('../commands/strategy/remove.js')).remove(ctx, name))),
    'dcap strategy remove trend',
  );

  examples(
    cmd('export')
      .description('print every strategy\'s settings as JSON (never secrets), for `dcap strategy import`')
      .action(action(async (ctx) => (await import('../commands/strategy/export.js')).exportStrategies(ctx))),
    'dcap strategy export > strategies.json',
  );

  examples(
    cmd('import')
      .argument('<file>', 'a file written by dcap strategy export, or - for stdin')
      .description('create or update strategies from an export file, all or nothing; prints new secrets once')
      .action(action(async (ctx, file: string) => (await import('../commands/strategy/import.js')).importStrategies(ctx, file))),
    'dcap strategy import strategies.json',
    'dcap --data-dir /tmp/ci strategy import fixtures/strategies.json --json',
  );
}
