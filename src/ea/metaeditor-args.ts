/**
 * How MetaEditor is started: pure functions, unit-tested for every platform on any platform.
 *
 * MetaEditor reads its own command line and wants the VALUE of a switch quoted:
 * `/compile:"C:\a b\x.mq5"`. Quoting the whole switch (`"/compile:C:\a b\x.mq5"`, which is what
 * any argv-to-command-line escaping produces) makes it exit at once with no log and no .ex5.
 * So on Windows the arguments go verbatim (execa `windowsVerbatimArguments`) with the quotes
 * written here. Under wine the Windows command line is built by wine from argv, which quotes
 * any argument holding a space the wrong way and escapes embedded quotes; the only safe form
 * is an argument with neither, so paths are staged to space-free ones first (see wine.ts).
 */

/** windows: native Windows; wine: `wine metaeditor64.exe ...` on Linux/macOS; direct: run the path as is. */
export type RunMode = 'windows' | 'wine' | 'direct';

export interface MetaEditorPaths {
  /** The .mq5 to compile, in the form MetaEditor will see (Windows form under wine). */
  compile: string;
  log: string;
  /** The MQL5 folder (`/inc:`), when given. */
  include?: string;
  syntaxOnly?: boolean;
}

export interface Invocation {
  /** What is spawned: MetaEditor itself, or the wine binary. */
  file: string;
  args: string[];
  /** Windows only: hand the arguments to CreateProcess as written (they carry their own quotes). */
  windowsVerbatimArguments: boolean;
  /** Windows only: argv[0] quoted, since verbatim mode no longer quotes `C:\Program Files\...`. */
  argv0?: string;
}

/** `--wine`/`--no-wine` force; otherwise a `.exe` runs through wine everywhere but on Windows. */
export function runMode(metaeditor: string, wine: boolean | undefined, platform: NodeJS.Platform): RunMode {
  if (platform === 'win32') return 'windows';
  const useWine = wine ?? /\.exe$/i.test(metaeditor);
  return useWine ? 'wine' : 'direct';
}

/** The switches in the order dcap always passes them: /compile, /log, /inc, /s. */
export function buildArgs(p: MetaEditorPaths, mode: RunMode): string[] {
  const value = (v: string, what: string) => {
    if (mode === 'windows') {
      if (v.includes('"')) throw new Error(`${what} path ${v} contains a double quote, which Windows paths cannot`);
      return `"${v}"`;
    }
    if (mode === 'wine' && /[\s"]/.test(v)) {
      // A bug, not user input: wine.ts stages every path with spaces before it gets here.
      throw new Error(`${what} path ${JSON.stringify(v)} reached the wine command line unstaged`);
    }
    return v;
  };
  const args = [`/compile:${value(p.compile, 'source')}`, `/log:${value(p.log, 'log')}`];
  if (p.include !== undefined) args.push(`/inc:${value(p.include, 'include')}`);
  if (p.syntaxOnly) args.push('/s');
  return args;
}

export function buildInvocation(mode: RunMode, metaeditor: string, paths: MetaEditorPaths, wineBin?: string): Invocation {
  const args = buildArgs(paths, mode);
  switch (mode) {
    case 'windows':
      return { file: metaeditor, args, windowsVerbatimArguments: true, argv0: `"${metaeditor}"` };
    case 'wine':
      if (!wineBin) throw new Error('buildInvocation: wine mode needs the wine binary');
      // wine takes the program as a Unix path; spaces there are fine, wine resolves it itself.
      return { file: wineBin, args: [metaeditor, ...args], windowsVerbatimArguments: false };
    case 'direct':
      return { file: metaeditor, args, windowsVerbatimArguments: false };
  }
}

/** The command line as a user would type it, for error messages and docs. */
export function describeInvocation(inv: Invocation): string {
  const q = (s: string) => (/[\s"'()]/.test(s) && !/^\/\w+:".*"$/.test(s) && !/^".*"$/.test(s) ? `'${s.replace(/'/g, `'\\''`)}'` : s);
  return [inv.argv0 ?? q(inv.file), ...inv.args.map(q)].join(' ');
}
