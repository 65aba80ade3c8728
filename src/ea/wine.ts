import { accessSync, constants, mkdirSync, readdirSync, realpathSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, extname, join, posix } from 'node:path';
import { execa } from 'execa';
import { UserError } from '../errors.js';

/** An executable called `name` on PATH (or `name` itself when it is a path), else null. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv): string | null {
  const executable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return executable(name) ? name : null;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** The wine binary: DCAP_WINE, else `wine` on PATH. */
export function resolveWine(env: NodeJS.ProcessEnv): string {
  const wanted = env.DCAP_WINE || 'wine';
  const found = findExecutable(wanted, env);
  if (!found) {
    throw new UserError(
      env.DCAP_WINE
        ? `DCAP_WINE=${env.DCAP_WINE} is not an executable file`
        : 'wine is needed to run MetaEditor (a .exe) here, and `wine` is not on PATH: install wine (see docs/ea-compile.md), set DCAP_WINE, or pass --no-wine',
    );
  }
  return found;
}

/** `winepath` beside the wine binary, else on PATH, else null (then paths map to Z:\ by hand). */
export function resolveWinepath(wineBin: string, env: NodeJS.ProcessEnv): string | null {
  const beside = join(dirname(wineBin), 'winepath');
  if (wineBin.includes('/') && findExecutable(beside, env)) return beside;
  return findExecutable('winepath', env);
}

/** Unix paths to Windows form: `winepath -w` in one call when there is one, else `Z:` + backslashes. */
export async function toWindowsPaths(paths: string[], winepath: string | null, env: NodeJS.ProcessEnv): Promise<string[]> {
  if (winepath && paths.length > 0) {
    const r = await execa(winepath, ['-w', ...paths], { env, reject: false, timeout: 30_000, stdin: 'ignore' });
    const lines = r.exitCode === 0 ? String(r.stdout).split(/\r?\n/).filter((l) => l !== '') : [];
    if (lines.length === paths.length) return lines;
  }
  return paths.map(zDrive);
}

export function zDrive(p: string): string {
  return `Z:${p.replace(/\//g, '\\')}`;
}

/**
 * Maps a Windows path from the log back to a local one: staged paths to their originals, then
 * drive letters through the prefix's dosdevices links (Z: is / by default).
 */
export function fromWindowsPath(win: string, staged: [string, string][], env: NodeJS.ProcessEnv): string {
  for (const [winPrefix, local] of staged) {
    if (win.toLowerCase() === winPrefix.toLowerCase()) return local;
    if (win.toLowerCase().startsWith(`${winPrefix.toLowerCase()}\\`)) return posix.join(local, ...win.slice(winPrefix.length + 1).split('\\'));
  }
  const m = /^([a-zA-Z]):\\?(.*)$/.exec(win);
  if (!m) return win;
  const rest = m[2]!.split('\\').filter(Boolean);
  const prefix = env.WINEPREFIX || join(homedir(), '.wine');
  const device = join(prefix, 'dosdevices', `${m[1]!.toLowerCase()}:`);
  try {
    return posix.join(realpathSync(device), ...rest);
  } catch {
    return m[1]!.toLowerCase() === 'z' ? posix.join('/', ...rest) : win;
  }
}

export const needsStaging = (p: string) => /[\s"]/.test(p);

export interface StagedSource {
  /** What MetaEditor compiles: a space-free path. */
  source: string;
  /** Where MetaEditor writes the .ex5 in the staging folder, to be moved back. */
  ex5: string;
  /** Staged folder -> original folder, and staged file -> original file, for mapping the log back. */
  map: [string, string][];
}

/**
 * Gives a source in a folder with spaces a space-free twin under `stageDir`: a real folder whose
 * entries are symlinks to every entry of the source's folder, so `#include "x.mqh"` and
 * `"sub\\y.mqh"` still resolve, and the source itself linked under a space-free name. The .ex5
 * MetaEditor writes there is a real file, moved back by the caller. Not covered: quoted includes
 * that climb above the source's folder (`"..\\x.mqh"`): keep such projects in a space-free path.
 */
export function stageSource(file: string, stageDir: string): StagedSource {
  const dir = dirname(file);
  const name = basename(file);
  const src = join(stageDir, 'src');
  mkdirSync(src);
  let safe = name.replace(/[\s"]+/g, '_');
  const entries = readdirSync(dir);
  if (safe !== name && entries.includes(safe)) safe = `dcap-${safe}`;
  const ex5Name = `${basename(safe, extname(safe))}.ex5`;
  const originalEx5 = `${basename(name, extname(name))}.ex5`;
  for (const entry of entries) {
    if (entry === name || entry === ex5Name || entry === originalEx5) continue;
    symlinkSync(join(dir, entry), join(src, entry));
  }
  symlinkSync(file, join(src, safe));
  return { source: join(src, safe), ex5: join(src, ex5Name), map: [[join(src, safe), file], [src, dir]] };
}

/** Links an include (MQL5) folder with spaces to `<stageDir>/inc`. */
export function stageInclude(include: string, stageDir: string): { include: string; map: [string, string] } {
  const link = join(stageDir, 'inc');
  symlinkSync(include, link);
  return { include: link, map: [link, include] };
}
