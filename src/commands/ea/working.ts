import { table as sharedTable } from '../../ui/table.js';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Ctx } from '../../context.js';
import { UserError } from '../../errors.js';
import { addVersion, createProject, findProject, latestVersion, sha256, TIMEFRAMES, type EaProject, type EaVersion, type NewProject, type NewVersion } from '../../ea/projects.js';
import { SYMBOL } from '../../ea/spec.js';

/** The project's working file: `<dir>/<name>.mq5`, the one the user edits. */
export function workingFile(p: EaProject): string {
  return join(p.dir, `${p.name}.mq5`);
}

export function readWorking(p: EaProject): string | null {
  const file = workingFile(p);
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/** True when the working file holds edits that no version has (so overwriting it would lose them). */
export function hasUncommittedEdits(latest: EaVersion | undefined, p: EaProject): boolean {
  const text = readWorking(p);
  return text !== null && (!latest || sha256(text) !== latest.contentHash);
}

export function checkSymbol(symbol: string): string {
  if (!SYMBOL.test(symbol)) throw new UserError(`--symbol "${symbol}" is not a symbol name (letters, digits and . _ # + -, e.g. EURUSD or XAUUSD.m)`);
  return symbol;
}

export function checkTimeframe(tf: string): string {
  const up = tf.toUpperCase();
  if (!(TIMEFRAMES as readonly string[]).includes(up)) throw new UserError(`--timeframe "${tf}" is not one of ${TIMEFRAMES.join(' ')}`);
  return up;
}

/**
 * Creates a project and writes its working file inside the same transaction: if the insert
 * fails no file is left, and if the file cannot be written no row is.
 */
export function createWithFile(ctx: Ctx, p: Omit<NewProject, 'dir'> & { dir?: string }, v: NewVersion): { project: EaProject; version: EaVersion } {
  const dir = resolve(ctx.cwd, p.dir ?? join('ea', p.name));
  const file = join(dir, `${p.name}.mq5`);
  const db = ctx.db();
  if (findProject(db, p.name)) throw new UserError(`an EA project named "${p.name}" already exists (see dcap ea show ${p.name})`);
  if (existsSync(file)) throw new UserError(`${file} already exists: nothing was changed (pick another --dir or name)`);
  let wrote = false;
  try {
    return createProject(db, { ...p, dir }, v, Date.now(), () => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, v.source, { flag: 'wx' });
      wrote = true;
    });
  } catch (err) {
    if (wrote) rmSync(file, { force: true });
    throw err;
  }
}

/** Adds a version and makes it the working file (refusing to overwrite edits no version holds). */
export function addVersionWithFile(ctx: Ctx, project: EaProject, v: NewVersion): { version: EaVersion; created: boolean } {
  const db = ctx.db();
  const last = latestVersion(db, project);
  if (hasUncommittedEdits(last, project)) {
    throw new UserError(`${workingFile(project)} has edits that are in no version: run "dcap ea commit ${project.name}" first (nothing was changed)`);
  }
  const file = workingFile(project);
  const before = readWorking(project);
  try {
    return addVersion(db, project, v, Date.now(), () => {
      mkdirSync(project.dir, { recursive: true });
      writeFileSync(file, v.source);
    });
  } catch (err) {
    // The version was not stored: put the working file back as it was.
    if (before !== null) writeFileSync(file, before);
    else rmSync(file, { force: true });
    throw err;
  }
}

/** The working file as a new version when it differs from the latest (origin edit). */
export function commitWorking(ctx: Ctx, project: EaProject, note: string): { version: EaVersion; created: boolean } | null {
  const text = readWorking(project);
  if (text === null) return null;
  return addVersion(ctx.db(), project, { source: text, origin: 'edit', note }, Date.now());
}

/** A version without its source: what lists and --json summaries show. */
export function versionSummary(p: EaProject, v: EaVersion) {
  return {
    name: `${p.name}@${v.number}`,
    number: v.number,
    contentHash: v.contentHash,
    origin: v.origin,
    note: v.note,
    createdAt: new Date(v.createdAt).toISOString(),
    compileStatus: v.compileStatus,
    errors: v.errors,
    warnings: v.warnings,
    compiledAt: v.compiledAt === null ? null : new Date(v.compiledAt).toISOString(),
    ex5: v.ex5Path === null ? null : { path: v.ex5Path, sha256: v.ex5Sha256, size: v.ex5Size },
  };
}

export function projectJson(p: EaProject) {
  return { name: p.name, template: p.template, symbol: p.symbol, timeframe: p.timeframe, dir: p.dir, workingFile: workingFile(p), createdAt: new Date(p.createdAt).toISOString() };
}

/** Fixed-width columns for human tables. */
/** A table whose first row is its header (the shared plain-text table, src/ui/table.ts). */
export function table(rows: string[][]): string {
  return sharedTable(rows[0] ?? [], rows.slice(1));
}
