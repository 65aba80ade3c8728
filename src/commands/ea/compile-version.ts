import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from '../../context.js';
import { UserError } from '../../errors.js';
import { compileJson, formatResult } from '../../ea/diagnostics.js';
import { compileMq5 } from '../../ea/metaeditor.js';
import { getProject, getVersion, parseTarget, recordCompile, sha256, type EaProject, type EaVersion } from '../../ea/projects.js';
import { compileOptions, type CompileFlags } from './compile.js';
import { commitWorking } from './working.js';

/**
 * `dcap ea compile <name>[@N]`. Without @N the working file is committed first when it changed
 * (an edit becomes a version when compiled). The version's own source is written to
 * `<dir>/build/v<N>/<name>.mq5` and compiled there, so every version keeps its own .ex5 for a
 * deployment to pin, and the working file is never touched. Headers (.mqh) beside the working
 * file are copied next to it, so `#include "x.mqh"` resolves as it does in the project.
 */
export async function compileVersion(ctx: Ctx, target: string, flags: CompileFlags): Promise<void> {
  const { name, number } = parseTarget(target);
  if (flags.watch) throw new UserError(`--watch compiles a file: use dcap ea compile <dir>/${name}.mq5 --watch, then dcap ea commit ${name}`);
  const opts = compileOptions(ctx, flags);
  const db = ctx.db();
  const project = getProject(db, name);
  let committed = false;
  if (number === null) committed = commitWorking(ctx, project, 'dcap ea compile')?.created ?? false;
  const version = getVersion(db, project, number);
  const file = stage(project, version);

  const result = await compileMq5(file, opts);
  let stored: EaVersion | null = null;
  if (!flags.syntaxOnly) {
    const ex5 = result.ex5 ? { path: result.ex5, sha256: sha256(readFileSync(result.ex5)), size: statSync(result.ex5).size } : null;
    stored = recordCompile(db, version, { ok: result.ok, errors: result.errors, warnings: result.warnings, diagnostics: result.diagnostics, problem: result.problem, ex5 }, Date.now());
  }
  const label = `${name}@${version.number}`;
  ctx.result({ ...compileJson(result), version: label, committed, stored: stored !== null }, () =>
    [
      ...(committed ? [`committed the working file as ${label}`] : []),
      formatResult(result, ctx.cwd),
      stored ? `stored on ${label}: ${stored.compileStatus}` : `not stored on ${label} (--syntax-only)`,
    ].join('\n'),
  );
  if (!result.ok) process.exitCode = 1;
}

function stage(project: EaProject, version: EaVersion): string {
  const dir = join(project.dir, 'build', `v${version.number}`);
  mkdirSync(dir, { recursive: true });
  let headers: string[] = [];
  try {
    headers = readdirSync(project.dir).filter((f) => /\.mqh$/i.test(f));
  } catch {
    // the project folder is gone: the stored source is all there is
  }
  for (const h of headers) copyFileSync(join(project.dir, h), join(dir, h));
  const file = join(dir, `${project.name}.mq5`);
  writeFileSync(file, version.source);
  return file;
}
