import { InvalidArgumentError, Option, type Command } from 'commander';
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
  const ea = program.command('ea').description('MQL5 Expert Advisors: create from templates, generate, version, compile with MetaEditor, deploy to agents');

  examples(
    ea
      .command('new')
      .description('create an EA project: <dir>/<name>.mq5 from a template, stored as version 1')
      .argument('<name>', 'the EA name (letters, digits, _ and -; becomes <name>.mq5)')
      .addOption(new Option('--template <template>', 'the starting EA').choices(['ma-cross', 'breakout', 'grid', 'blank']).default('ma-cross'))
      .option('--symbol <symbol>', 'the symbol it is built for', 'EURUSD')
      .option('--timeframe <tf>', 'the signal timeframe (M1 ... MN1)', 'H1')
      .option('--dir <dir>', 'the project folder (default ea/<name> in the current folder)')
      .action(action(async (ctx, name: string, opts) => (await import('../commands/ea/new.js')).newProject(ctx, name, opts))),
    'dcap ea new trend',
    'dcap ea new gold_breakout --template breakout --symbol XAUUSD --timeframe M15',
    'dcap ea new scalper --template blank --dir experts/scalper --json',
  );

  examples(
    ea
      .command('generate')
      .description('render an EA from a strategy spec (--from) or ask an LLM (--prompt); the result is a new version')
      .argument('<name>', 'the EA project (created when it does not exist)')
      .option('--from <strategy.json>', 'a declarative strategy spec (docs/ea-spec.md)')
      .option('--prompt <text>', 'describe the EA; needs llm.baseUrl, llm.model and DCAP_LLM_API_KEY (docs/ea.md)')
      .option('--symbol <symbol>', 'for a new project from --prompt (a spec names its own)')
      .option('--timeframe <tf>', 'for a new project from --prompt (a spec names its own)')
      .option('--dir <dir>', 'the folder of a new project (default ea/<name>)')
      .option('--timeout <duration>', 'give up on the LLM after this long (default 60s)', duration)
      .action(action(async (ctx, name: string, opts) => (await import('../commands/ea/generate.js')).generate(ctx, name, opts))),
    'dcap ea generate rsi_revert --from strategy.json',
    'dcap ea generate trend --prompt "EMA 20/50 crossover, exit on RSI above 75, 1% risk, 2 ATR stop" --timeout 90s',
    'dcap ea generate rsi_revert --from strategy.json --json',
  );

  examples(
    ea
      .command('versions')
      .description("list a project's versions: number, origin, content hash, compile status")
      .argument('<name>', 'the EA project')
      .action(action(async (ctx, name: string) => (await import('../commands/ea/versions.js')).versions(ctx, name))),
    'dcap ea versions trend',
    'dcap ea versions trend --json',
  );

  examples(
    ea
      .command('show')
      .description("a version's metadata, compile result and source (the latest without @N)")
      .argument('<name[@N]>', 'the EA project, optionally a version')
      .action(action(async (ctx, target: string) => (await import('../commands/ea/show.js')).show(ctx, target))),
    'dcap ea show trend',
    'dcap ea show trend@2 --json',
  );

  examples(
    ea
      .command('diff')
      .description('unified diff between two versions of a project')
      .argument('<name>', 'the EA project')
      .argument('<N>', 'the older version')
      .argument('<M>', 'the newer version')
      .action(action(async (ctx, name: string, n: string, m: string) => (await import('../commands/ea/diff.js')).diff(ctx, name, n, m))),
    'dcap ea diff trend 1 2',
    'dcap ea diff trend 1 3 --json',
  );

  examples(
    ea
      .command('commit')
      .description("store the project's working file (<dir>/<name>.mq5) as a new version when it changed")
      .argument('<name>', 'the EA project')
      .action(action(async (ctx, name: string) => (await import('../commands/ea/commit.js')).commit(ctx, name))),
    'dcap ea commit trend',
    'dcap ea commit trend --json',
  );

  examples(
    ea
      .command('compile')
      .description('compile an .mq5 or a project version with MetaEditor; print file:line:col diagnostics (exit 1 on errors)')
      .argument('<file.mq5|name[@N]>', 'a source file, or a project version (name alone: the working file, committed first when edited); the result is stored on the version')
      .option('--metaeditor <path>', 'MetaEditor64.exe or a native stand-in (env DCAP_METAEDITOR, config ea.metaeditor)')
      .option('--include <MQL5_dir>', "the terminal's MQL5 folder, passed as /inc: (config ea.include)")
      .option('--syntax-only', 'check the syntax only (/s): no .ex5 is written')
      .option('--watch', 'recompile whenever the file or a header beside it is saved; print what changed; Ctrl-C stops')
      .option('--wine', 'run MetaEditor through wine (default for a .exe on Linux/macOS; env DCAP_WINE picks the binary)')
      .option('--no-wine', 'run MetaEditor directly, even a .exe')
      .option('--timeout <duration>', 'give up on MetaEditor after this long (default 120s)', duration)
      .option('--agent <name>', "compile name@N on this agent with its MetaEditor (a compile job); the result is stored on the version")
      .action(
        action(async (ctx, file: string, opts) => (await import('../commands/ea/compile.js')).compile(ctx, file, opts)),
      ),
    'dcap ea compile experts/ma_cross.mq5 --metaeditor ~/.mt5/drive_c/Program\\ Files/MetaTrader\\ 5/MetaEditor64.exe',
    'DCAP_METAEDITOR="C:\\Program Files\\MetaTrader 5\\MetaEditor64.exe" dcap ea compile ma_cross.mq5 --include "C:\\Users\\me\\AppData\\Roaming\\MetaQuotes\\Terminal\\<id>\\MQL5"',
    'dcap ea compile ma_cross.mq5 --syntax-only --json',
    'dcap ea compile ma_cross.mq5 --watch',
    'dcap ea compile trend        # commits an edited ea/trend/trend.mq5, compiles it, stores the result',
    'dcap ea compile trend@2 --json',
    'dcap ea compile trend@2 --agent vps-1   # on the VPS, with its MetaEditor (dcap agent start --metaeditor ...)',
  );

  examples(
    ea
      .command('deploy')
      .description("deploy a compiled version to an agent's terminal: the agent copies the .ex5 into MQL5/Experts/dcap/, the bridge EA opens a chart with it")
      .argument('<name@N>', 'the EA version (name alone: the latest); the deployment stays pinned to it')
      .requiredOption('--agent <name>', 'the agent whose terminal runs it (dcap agent list)')
      .option('--symbol <symbol>', "the chart's symbol (default: the project's)")
      .option('--timeframe <tf>', "the chart's timeframe, M1 ... MN1 (default: the project's)")
      .option('--inputs <name=value...>', 'EA inputs for the chart template (each must be an input of the version)')
      .option('--no-start', 'copy and check the files only (status deployed); start later with dcap ea run')
      .action(action(async (ctx, target: string, opts) => (await import('../commands/ea/deploy.js')).deploy(ctx, target, opts))),
    'dcap ea deploy trend@3 --agent vps-1 --symbol EURUSD --timeframe H1',
    'dcap ea deploy trend@3 --agent vps-1 --symbol XAUUSD.m --timeframe M15 --inputs RiskPct=0.5 FastPeriod=12',
    'dcap ea deploy trend@3 --agent vps-1 --no-start --json',
  );

  examples(
    ea
      .command('run')
      .description("start a deployment again (after stop or a failure): the agent re-checks its files, the bridge EA attaches it to a chart")
      .argument('<deployment>', 'the deployment id, or its first characters (dcap ea deployments)')
      .action(action(async (ctx, id: string) => (await import('../commands/ea/run.js')).run(ctx, id))),
    'dcap ea run 0193a2f4',
    'dcap ea run 0193a2f4-d001-7c3e-9a41-5c2f0e8b7d10 --json',
  );

  examples(
    ea
      .command('stop')
      .description("stop a deployment: the bridge EA closes its chart (the files stay; dcap ea run starts it again)")
      .argument('<deployment>', 'the deployment id, or its first characters (dcap ea deployments)')
      .action(action(async (ctx, id: string) => (await import('../commands/ea/stop.js')).stop(ctx, id))),
    'dcap ea stop 0193a2f4',
    'dcap ea stop 0193a2f4 --json',
  );

  examples(
    ea
      .command('deployments')
      .description('every deployment with its status (pending, deployed, running, stopped, failed) and chart, by agent')
      .option('--agent <name>', 'only this agent')
      .action(action(async (ctx, opts) => (await import('../commands/ea/deployments.js')).deployments(ctx, opts))),
    'dcap ea deployments',
    'dcap ea deployments --agent vps-1 --json',
  );
  return ea;
}
