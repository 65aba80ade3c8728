import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Ctx } from '../../context.js';
import { UserError } from '../../errors.js';
import { compileJson, formatChange, formatResult } from '../../ea/diagnostics.js';
import { compileMq5, DEFAULT_TIMEOUT_MS, type CompileOptions, type CompileResult } from '../../ea/metaeditor.js';

export interface CompileFlags {
  metaeditor?: string;
  include?: string;
  syntaxOnly?: boolean;
  watch?: boolean;
  wine?: boolean;
  /** ms, already parsed by the CLI. */
  timeout?: number;
  /** Compile on this agent with its MetaEditor (a compile job) instead of here. */
  agent?: string;
}

/**
 * The MetaEditor options for this run: --flags over DCAP_METAEDITOR over the config file's `ea`
 * section. Exported so other commands (compiling a stored version) resolve them the same way.
 */
export function compileOptions(ctx: Ctx, flags: CompileFlags): CompileOptions {
  const { ea } = ctx.config({ ea: { metaeditor: flags.metaeditor, include: flags.include, wine: flags.wine } });
  if (!ea.metaeditor) {
    throw new UserError(
      'no MetaEditor configured: pass --metaeditor PATH, set DCAP_METAEDITOR, or set ea.metaeditor in dcap.config.json ' +
        '(on Linux, MetaEditor64.exe from a wine prefix; see docs/ea-compile.md)',
    );
  }
  return {
    metaeditor: resolve(ctx.cwd, ea.metaeditor),
    include: ea.include !== undefined ? resolve(ctx.cwd, ea.include) : undefined,
    wine: ea.wine,
    syntaxOnly: flags.syntaxOnly ?? false,
    timeoutMs: flags.timeout ?? DEFAULT_TIMEOUT_MS,
    env: ctx.env,
  };
}

/** `dcap ea compile <file.mq5>`: compiler-style diagnostics, a summary, exit 1 when it failed. */
export async function compile(ctx: Ctx, target: string, flags: CompileFlags): Promise<void> {
  if (flags.agent !== undefined) {
    if (flags.watch || flags.syntaxOnly) throw new UserError('--agent compiles a stored version: --watch and --syntax-only are for local compiles');
    return (await import('./compile-agent.js')).compileOnAgent(ctx, target, flags.agent);
  }
  const file = resolve(ctx.cwd, target);
  if (!existsSync(file)) {
    // Not a file: a project version, name or name@N (docs/ea.md).
    if (!/\.mq5$/i.test(target) && /^[A-Za-z][\w-]*(@\S*)?$/.test(target)) return (await import('./compile-version.js')).compileVersion(ctx, target, flags);
    throw new UserError(`${target}: no such file`);
  }
  const opts = compileOptions(ctx, flags);
  if (flags.watch) return watch(ctx, file, opts);
  const result = await compileMq5(file, opts);
  report(ctx, result);
  if (!result.ok) process.exitCode = 1;
}

function report(ctx: Ctx, r: CompileResult): void {
  ctx.result(compileJson(r), () => formatResult(r, ctx.cwd));
}

/**
 * Recompiles when the source or a header beside it is saved (debounced: editors write a file in
 * several steps), and prints only what changed since the previous run. Ctrl-C ends it with exit 0.
 * Under --json each run is one JSON line.
 */
async function watch(ctx: Ctx, file: string, opts: CompileOptions): Promise<void> {
  const { watch: chokidar } = await import('chokidar');
  const dir = dirname(file);
  const watcher = chokidar(dir, {
    ignoreInitial: true,
    depth: 3,
    // Only sources: the .ex5 this very compile writes must not trigger the next one.
    ignored: (p, stats) => Boolean(stats?.isFile()) && !/\.(mq5|mqh)$/i.test(p),
  });
  let previous: CompileResult | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;

  const run = async (): Promise<void> => {
    do {
      again = false;
      try {
        const r = await compileMq5(file, opts);
        if (ctx.json) process.stdout.write(`${JSON.stringify(compileJson(r))}\n`);
        else ctx.out(previous ? formatChange(previous, r, ctx.cwd) : formatResult(r, ctx.cwd));
        previous = r;
      } catch (err) {
        // A bad moment (file deleted mid-save) must not end the watch.
        ctx.err(`dcap: ${(err as Error).message}`);
      }
    } while (again);
  };
  const trigger = (path: string) => {
    if (!/\.(mq5|mqh)$/i.test(path)) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (running) again = true;
      else running = run().finally(() => (running = null));
    }, 200);
  };

  await new Promise<void>((ready) => watcher.once('ready', ready));
  watcher.on('change', trigger).on('add', trigger);
  running = run().finally(() => (running = null));
  if (!ctx.json) ctx.err(`watching ${dir} for changes to .mq5/.mqh files (Ctrl-C to stop)`);
  await new Promise<void>((stop) => {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  if (timer) clearTimeout(timer);
  await watcher.close();
  if (running) await running;
}
