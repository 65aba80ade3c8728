import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ctx } from '../context.js';
import { UserError } from '../errors.js';

/** templates/init/, both from src/commands (tests) and dist/commands (the built CLI). */
const TEMPLATE_DIR = fileURLToPath(new URL('../../templates/init/', import.meta.url));

/**
 * npm drops files named .gitignore from published packages, so templates carry them without
 * the dot and get it back here.
 */
const RENAMES: Record<string, string> = { gitignore: '.gitignore' };

function templateFiles(dir = TEMPLATE_DIR, base = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = base ? `${base}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...templateFiles(join(dir, entry.name), rel));
    else files.push(rel);
  }
  return files;
}

function target(rel: string): string {
  const parts = rel.split('/');
  const last = parts.pop()!;
  return [...parts, RENAMES[last] ?? last].join('/');
}

/**
 * Scaffolds a project folder: config, an example strategy, example fixtures with their
 * expectation, a README with the next commands. Checks every path before writing any, so a
 * refusal leaves the folder exactly as it was.
 */
export async function init(ctx: Ctx, dir: string | undefined, opts: { force?: boolean }): Promise<void> {
  const root = resolve(ctx.cwd, dir ?? '.');
  if (existsSync(root) && !statSync(root).isDirectory()) throw new UserError(`${root} is not a directory`);
  const files = templateFiles().map((rel) => ({ from: join(TEMPLATE_DIR, rel), to: join(root, target(rel)) }));
  const existing = files.filter((f) => existsSync(f.to));
  if (existing.length > 0 && !opts.force) {
    throw new UserError(
      `not overwriting existing files (use --force to replace them):\n${existing.map((f) => `  ${relative(ctx.cwd, f.to) || f.to}`).join('\n')}`,
    );
  }
  for (const f of files) {
    mkdirSync(dirname(f.to), { recursive: true });
    copyFileSync(f.from, f.to);
  }
  const written = files.map((f) => relative(ctx.cwd, f.to) || f.to);
  const cd = root === ctx.cwd ? '' : `cd ${relative(ctx.cwd, root) || root} && `;
  ctx.result({ dir: root, files: written }, () =>
    [
      `created a dcap project in ${root}:`,
      ...written.map((p) => `  ${p}`),
      '',
      'next:',
      `  ${cd}dcap replay fixtures/alerts --strategies strategies.json --expect fixtures/alerts/expect.json`,
      '  then read README.md: import the strategy, start the webhook daemon, point TradingView at it',
    ].join('\n'),
  );
}
