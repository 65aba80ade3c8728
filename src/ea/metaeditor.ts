import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { UserError } from '../errors.js';
import { buildInvocation, describeInvocation, runMode, type MetaEditorPaths, type RunMode } from './metaeditor-args.js';
import { parseMetaEditorLog, type Diagnostic } from './metaeditor-log.js';
import { fromWindowsPath, needsStaging, resolveWine, resolveWinepath, stageInclude, stageSource, toWindowsPaths } from './wine.js';

export type { Diagnostic } from './metaeditor-log.js';

export const DEFAULT_TIMEOUT_MS = 120_000;

/** One compile attempt, complete enough to be stored on a version as it is. */
export interface CompileResult {
  ok: boolean;
  errors: number;
  warnings: number;
  /** MetaEditor's own figure from its summary line; null when it printed none. */
  elapsedMs: number | null;
  /** Files are local paths (under wine, mapped back from the Windows paths in the log). */
  diagnostics: Diagnostic[];
  /** The fresh .ex5; null for a failed compile and for --syntax-only. */
  ex5: string | null;
  /** The raw decoded log ('' when MetaEditor wrote none). */
  log: string;
  /** Why the compile failed when the diagnostics do not say it (no log, no .ex5, timeout); else null. */
  problem: string | null;
  source: string;
  syntaxOnly: boolean;
}

export interface CompileOptions {
  metaeditor: string;
  /** The MQL5 folder, passed as `/inc:`. */
  include?: string;
  syntaxOnly?: boolean;
  /** Force (true) or forbid (false) running through wine; default: a .exe on a non-Windows OS. */
  wine?: boolean;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

/**
 * Compiles one .mq5 with MetaEditor. MetaEditor's exit code means nothing, so: the old .ex5 is
 * deleted first, and success is a summary with 0 errors in the log AND (unless syntax-only) an
 * .ex5 that exists afterwards. Throws UserError only for input that cannot be compiled at all
 * (missing file, MetaEditor or wine not found); every attempt that ran returns a result.
 */
export async function compileMq5(file: string, opts: CompileOptions): Promise<CompileResult> {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const source = resolve(file);
  const syntaxOnly = opts.syntaxOnly ?? false;
  checkFile(source, 'source file', /\.mq5$/i);
  const metaeditor = resolve(opts.metaeditor);
  checkFile(metaeditor, 'MetaEditor');
  const include = opts.include === undefined ? undefined : resolve(opts.include);
  if (include !== undefined && !isDir(include)) throw new UserError(`--include ${include} is not a folder (it should be a terminal's MQL5 folder)`);
  const mode = runMode(metaeditor, opts.wine, platform);
  const wineBin = mode === 'wine' ? resolveWine(env) : undefined;

  const ex5 = join(dirname(source), `${basename(source, extname(source))}.ex5`);
  removeOld(ex5);

  // A space-free scratch folder: the log always goes here, so a log left from an earlier run can never be read.
  const base = mode !== 'windows' && needsStaging(tmpdir()) ? '/tmp' : tmpdir();
  const scratch = mkdtempSync(join(base, 'dcap-me-'));
  const logFile = join(scratch, 'compile.log');
  try {
    const run = await prepare(mode, { source, include, logFile, scratch, syntaxOnly }, wineBin, env);
    const inv = buildInvocation(mode, metaeditor, run.paths, wineBin);
    const r = await execa(inv.file, inv.args, {
      windowsVerbatimArguments: inv.windowsVerbatimArguments,
      ...(inv.argv0 ? { argv0: inv.argv0 } : {}),
      cwd: scratch,
      env: mode === 'wine' ? { WINEDEBUG: '-all', ...env } : env,
      extendEnv: false,
      reject: false,
      timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      forceKillAfterDelay: 5_000,
      stdin: 'ignore',
      // Files, not pipes: wineserver inherits our stdio and would hold a pipe open long after MetaEditor exits.
      stdout: { file: join(scratch, 'stdout.txt') },
      stderr: { file: join(scratch, 'stderr.txt') },
    });
    if (r.failed && !r.timedOut && r.exitCode === undefined && !r.isTerminated) {
      throw new UserError(`cannot start ${describeInvocation(inv)}: ${r.originalMessage ?? r.shortMessage}`, undefined, { cause: r });
    }
    if (run.stagedEx5 && existsSync(run.stagedEx5)) {
      copyFileSync(run.stagedEx5, ex5);
      rmSync(run.stagedEx5, { force: true });
    }

    const result: CompileResult = { ok: false, errors: 0, warnings: 0, elapsedMs: null, diagnostics: [], ex5: null, log: '', problem: null, source, syntaxOnly };
    const timeoutNote = r.timedOut ? `MetaEditor did not finish within ${Math.round((opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s and was stopped` : null;
    if (!existsSync(logFile)) {
      result.problem = timeoutNote ?? `MetaEditor wrote no log: it did not understand the command line (${describeInvocation(inv)})${tail(scratch)}`;
      return result;
    }
    const parsed = parseMetaEditorLog(readFileSync(logFile));
    const mapFile = (f: string | null) => (f === null ? null : mode === 'wine' ? fromWindowsPath(f, run.map, env) : f);
    result.log = parsed.text;
    result.diagnostics = parsed.diagnostics.map((d) => ({ ...d, file: mapFile(d.file) }));
    // The summary is authoritative, but never let it hide a diagnostic the log did print.
    const count = (s: Diagnostic['severity']) => parsed.diagnostics.filter((d) => d.severity === s).length;
    result.errors = Math.max(parsed.summary?.errors ?? 0, count('error'));
    result.warnings = Math.max(parsed.summary?.warnings ?? 0, count('warning'));
    result.elapsedMs = parsed.summary?.elapsedMs ?? null;
    const fresh = !syntaxOnly && existsSync(ex5);

    if (timeoutNote) result.problem = timeoutNote;
    else if (!parsed.summary) result.problem = 'MetaEditor stopped before writing its result line';
    else if (result.errors === 0 && !syntaxOnly && !fresh) result.problem = `MetaEditor reported 0 errors but wrote no ${basename(ex5)}`;
    result.ok = result.problem === null && result.errors === 0;
    result.ex5 = result.ok && fresh ? ex5 : null;
    return result;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

interface Prepared {
  paths: MetaEditorPaths;
  /** Windows path -> local path, for the file names in the log. */
  map: [string, string][];
  stagedEx5: string | null;
}

/** The paths MetaEditor sees: as they are natively; under wine in Windows form, staged when they hold spaces. */
async function prepare(
  mode: RunMode,
  p: { source: string; include: string | undefined; logFile: string; scratch: string; syntaxOnly: boolean },
  wineBin: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<Prepared> {
  if (mode !== 'wine') {
    return { paths: { compile: p.source, log: p.logFile, include: p.include, syntaxOnly: p.syntaxOnly }, map: [], stagedEx5: null };
  }
  const local: [string, string][] = [];
  let source = p.source;
  let stagedEx5: string | null = null;
  if (needsStaging(p.source)) {
    const s = stageSource(p.source, p.scratch);
    source = s.source;
    stagedEx5 = s.ex5;
    local.push(...s.map);
  }
  let include = p.include;
  if (include !== undefined && needsStaging(include)) {
    const s = stageInclude(include, p.scratch);
    include = s.include;
    local.push(s.map);
  }
  const wanted = [source, p.logFile, ...(include !== undefined ? [include] : []), ...local.map(([staged]) => staged)];
  const win = await toWindowsPaths(wanted, resolveWinepath(wineBin!, env), env);
  const stagedWin = win.slice(include !== undefined ? 3 : 2);
  return {
    paths: { compile: win[0]!, log: win[1]!, include: include !== undefined ? win[2]! : undefined, syntaxOnly: p.syntaxOnly },
    map: local.map(([, original], i) => [stagedWin[i]!, original]),
    stagedEx5,
  };
}

function checkFile(path: string, what: string, ext?: RegExp): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new UserError(`${what} ${path} does not exist`);
  }
  if (!st.isFile()) throw new UserError(`${what} ${path} is not a file`);
  if (ext && !ext.test(path)) throw new UserError(`${what} ${path} is not an .mq5 file`);
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function removeOld(ex5: string): void {
  try {
    rmSync(ex5, { force: true });
  } catch (err) {
    throw new UserError(`cannot delete the old ${ex5} before compiling (is it open in a terminal?): ${(err as Error).message}`, undefined, { cause: err });
  }
}

/** The end of what MetaEditor (or wine) printed, to explain a run that left no log. */
function tail(scratch: string): string {
  const text = ['stderr.txt', 'stdout.txt']
    .map((f) => (existsSync(join(scratch, f)) ? readFileSync(join(scratch, f), 'utf8').trim() : ''))
    .filter(Boolean)
    .join('\n');
  return text ? `; it printed:\n${text.split('\n').slice(-5).join('\n')}` : '';
}
