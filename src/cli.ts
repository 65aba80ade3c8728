import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createRequire } from 'node:module';
import { EXIT, ExitError, UserError } from './errors.js';
import { LOG_LEVELS } from './config.js';
import { registerInit } from './cli/init.js';
import { registerStrategy } from './cli/strategy.js';
import { registerSignals } from './cli/signals.js';
import { registerReplay } from './cli/replay.js';
import { registerWebhook } from './cli/webhook.js';
import { registerAgent } from './cli/agent.js';
import { registerEa } from './cli/ea.js';
import { registerPaper } from './cli/paper.js';
import { registerSupabase } from './cli/supabase.js';
import { registerTui } from './cli/tui.js';
import { registerRelay } from './cli/relay.js';
import { registerToken } from './cli/token.js';
import { registerSync } from './cli/sync.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/**
 * The one place the commander program is built. Command groups are wired in src/cli/*.ts;
 * their handlers are imported only when run, so `dcap --help` never opens a database or a socket.
 */
export function buildProgram(): Command {
  const program = new Command('dcap')
    .description('TradingView alerts to MetaTrader 5 execution, with a durable audit trail')
    .version(version)
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .option('--data-dir <dir>', 'data directory holding the store (env DCAP_DATA_DIR)', undefined)
    .option('--config <file>', 'config file (env DCAP_CONFIG; default ./dcap.config.json when present)')
    .option('--json', 'machine-readable output only, on stdout')
    .addOption(new Option('--log-level <level>', 'log level (env DCAP_LOG_LEVEL)').choices(LOG_LEVELS));

  registerInit(program);
  registerStrategy(program);
  registerSignals(program);
  registerReplay(program);
  registerWebhook(program);
  registerAgent(program);
  registerPaper(program);
  registerEa(program);
  registerSupabase(program);
  registerTui(program);
  registerRelay(program);
  registerToken(program);
  registerSync(program);
  return program;
}

/** Runs the CLI and returns the exit code. Only bin/dcap.js calls process.exit. */
export async function main(argv = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return process.exitCode !== undefined ? Number(process.exitCode) : EXIT.OK;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and --version end with code 0 after printing; usage errors were already printed.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
    return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  }
  if (err instanceof ExitError) return err.exitCode;
  if (err instanceof UserError) {
    process.stderr.write(`dcap: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof InvalidArgumentError) {
    process.stderr.write(`dcap: ${err.message}\n`);
    return EXIT.USAGE;
  }
  process.stderr.write(`dcap: unexpected error (a bug; please report it with this output):\n${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT.BUG;
}
