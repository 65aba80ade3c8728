import { InvalidArgumentError, type Command } from 'commander';
import { parseDuration } from '../core/duration.js';
import { action, examples } from './action.js';

/** commander parser for --timeout: "90s", "2m", or a bare number of seconds. */
function duration(value: string): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  if (ms <= 0) throw new InvalidArgumentError(`"${value}" must be longer than zero`);
  return ms;
}

/** Wires `dcap ea`. Handlers live in src/commands/ea/ and are imported only when run. */
export function registerEa(program: Command): Command {
  const ea = program.command('ea').description('MQL5 Expert Advisors: compile with MetaEditor (and, later, generate, version, deploy)');

  examples(
    ea
      .command('compile')
      .description('compile an .mq5 with MetaEditor and print file:line:col diagnostics (exit 1 on errors)')
      .argument('<file.mq5>', 'the Expert Advisor source to compile')
      .option('--metaeditor <path>', 'MetaEditor64.exe or a native stand-in (env DCAP_METAEDITOR, config ea.metaeditor)')
      .option('--include <MQL5_dir>', "the terminal's MQL5 folder, passed as /inc: (config ea.include)")
      .option('--syntax-only', 'check the syntax only (/s): no .ex5 is written')
      .option('--watch', 'recompile whenever the file or a header beside it is saved; print what changed; Ctrl-C stops')
      .option('--wine', 'run MetaEditor through wine (default for a .exe on Linux/macOS; env DCAP_WINE picks the binary)')
      .option('--no-wine', 'run MetaEditor directly, even a .exe')
      .option('--timeout <duration>', 'give up on MetaEditor after this long (default 120s)', duration)
      .action(
        action(async (ctx, file: string, opts) => (await import('../commands/ea/compile.js')).compile(ctx, file, opts)),
      ),
    'dcap ea compile experts/ma_cross.mq5 --metaeditor ~/.mt5/drive_c/Program\\ Files/MetaTrader\\ 5/MetaEditor64.exe',
    'DCAP_METAEDITOR="C:\\Program Files\\MetaTrader 5\\MetaEditor64.exe" dcap ea compile ma_cross.mq5 --include "C:\\Users\\me\\AppData\\Roaming\\MetaQuotes\\Terminal\\<id>\\MQL5"',
    'dcap ea compile ma_cross.mq5 --syntax-only --json',
    'dcap ea compile ma_cross.mq5 --watch',
  );
  return ea;
}
