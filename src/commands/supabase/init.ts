import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Ctx } from '../../context.js';
import { UserError } from '../../errors.js';
import { bundledMigrations } from '../../supabase/migrations.js';

export interface InitOptions {
  dir?: string;
}

export interface InitResult {
  dir: string;
  written: string[];
  unchanged: string[];
}

/**
 * Copies the bundled migrations into `<dir>/migrations/`. A file already there with the same
 * content is left alone; one with the same name but other content is never overwritten: the
 * command checks every file first, so on a conflict nothing at all is written.
 */
export async function init(ctx: Ctx, opts: InitOptions): Promise<void> {
  const dir = resolve(ctx.cwd, opts.dir ?? 'supabase');
  const target = join(dir, 'migrations');
  const migrations = bundledMigrations();

  const conflicts: string[] = [];
  const plan = migrations.map((m) => {
    const dest = join(target, m.file);
    if (!existsSync(dest)) return { m, dest, write: true };
    if (readFileSync(dest, 'utf8') !== m.sql) conflicts.push(dest);
    return { m, dest, write: false };
  });
  if (conflicts.length > 0) {
    throw new UserError(
      `refusing to overwrite ${conflicts.length === 1 ? 'a file that differs' : 'files that differ'} from dcap's migration:\n` +
        conflicts.map((f) => `  ${f}`).join('\n') +
        `\nNothing was written. Move or delete ${conflicts.length === 1 ? 'it' : 'them'} (or pass another --dir) and run it again.`,
    );
  }

  try {
    mkdirSync(target, { recursive: true });
    for (const p of plan) if (p.write) writeFileSync(p.dest, p.m.sql, { flag: 'wx' });
  } catch (err) {
    throw new UserError(`cannot write to ${target}: ${(err as Error).message}`, undefined, { cause: err });
  }

  const result: InitResult = {
    dir: target,
    written: plan.filter((p) => p.write).map((p) => p.m.file),
    unchanged: plan.filter((p) => !p.write).map((p) => p.m.file),
  };
  if (!existsSync(join(dir, 'config.toml'))) {
    ctx.err(`note: ${join(dir, 'config.toml')} does not exist; run \`supabase init\` there first (or pass --dir) before \`supabase db push\``);
  }
  ctx.result(result, () => {
    const shown = relative(ctx.cwd, target) || '.';
    const lines = [
      ...result.written.map((f) => `wrote      ${join(shown, f)}`),
      ...result.unchanged.map((f) => `unchanged  ${join(shown, f)}`),
    ];
    lines.push('', 'Next: `supabase link --project-ref <ref>` then `supabase db push` (see docs/supabase.md).');
    return lines.join('\n');
  });
}
