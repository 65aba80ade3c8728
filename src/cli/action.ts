import type { Command } from 'commander';
import { Ctx, type GlobalOptions } from '../context.js';

/**
 * Wraps a lazily imported handler as a commander action: builds the Ctx from the global
 * options, runs the handler, and always closes what it opened. Errors propagate to src/cli.ts.
 *
 *   .action(action(async (ctx, name, opts) => (await import('../commands/x.js')).run(ctx, name, opts)))
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function action<A extends any[]>(handler: (ctx: Ctx, ...args: A) => Promise<void>) {
  return async (...raw: unknown[]): Promise<void> => {
    const cmd = raw[raw.length - 1] as Command;
    const opts = cmd.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
    const ctx = new Ctx(opts);
    // commander passes (...positional args, options, command); handlers get (ctx, ...positional, options).
    const args = [...raw.slice(0, -2), cmd.opts()] as unknown as A;
    try {
      await handler(ctx, ...args);
    } finally {
      await ctx.close();
    }
  };
}

/** Adds an "Example" section to a command's --help. */
export function examples(cmd: Command, ...lines: string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

/** commander option parser for repeatable options: `--map a=b --map c=d`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** commander option parser for a number, with a clear error naming the option's value. */
export function number(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new Error(`"${value}" is not a number`);
  return n;
}
