import { isAbsolute, relative } from 'node:path';
import type { Diagnostic } from './metaeditor-log.js';
import type { CompileResult } from './metaeditor.js';

/** The `--json` shape of a compile (docs/ea-compile.md). */
export interface CompileJson {
  ok: boolean;
  errors: number;
  warnings: number;
  elapsedMs: number | null;
  diagnostics: Diagnostic[];
  ex5: string | null;
  problem: string | null;
}

export function compileJson(r: CompileResult): CompileJson {
  return { ok: r.ok, errors: r.errors, warnings: r.warnings, elapsedMs: r.elapsedMs, diagnostics: r.diagnostics, ex5: r.ex5, problem: r.problem };
}

/** A path as short as it can be while staying clickable: relative when under cwd. */
export function displayPath(p: string, cwd: string): string {
  if (!isAbsolute(p)) return p;
  const rel = relative(cwd, p);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
}

/**
 * `file:line:col: error 256: message`, the form editors and terminals turn into links. A
 * diagnostic MetaEditor printed without a path is shown against the compiled file.
 */
export function formatDiagnostic(d: Diagnostic, cwd: string, fallbackFile: string): string {
  const file = displayPath(d.file ?? fallbackFile, cwd);
  const pos = d.line !== null ? `:${d.line}${d.column !== null ? `:${d.column}` : ''}` : '';
  const code = d.code !== null ? ` ${d.code}` : '';
  return `${file}${pos}: ${d.severity}${code}: ${d.message}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function formatSummary(r: CompileResult, cwd: string): string {
  const counts = `${plural(r.errors, 'error')}, ${plural(r.warnings, 'warning')}${r.elapsedMs !== null ? `, ${r.elapsedMs} ms` : ''}`;
  const src = displayPath(r.source, cwd);
  if (r.ok) return r.syntaxOnly ? `checked ${src}: ${counts}` : `compiled ${src} -> ${displayPath(r.ex5!, cwd)}: ${counts}`;
  return `FAILED ${src}: ${counts}${r.problem ? `\n  ${r.problem.replace(/\n/g, '\n  ')}` : ''}`;
}

/** Every diagnostic line, then the summary. */
export function formatResult(r: CompileResult, cwd: string): string {
  return [...r.diagnostics.map((d) => formatDiagnostic(d, cwd, r.source)), formatSummary(r, cwd)].join('\n');
}

const key = (d: Diagnostic) => JSON.stringify([d.file, d.line, d.column, d.severity, d.code, d.message]);

/** What changed between two runs: diagnostics that appeared, and ones that are gone. */
export function diffDiagnostics(prev: Diagnostic[], next: Diagnostic[]): { added: Diagnostic[]; fixed: Diagnostic[] } {
  const before = new Set(prev.map(key));
  const after = new Set(next.map(key));
  return { added: next.filter((d) => !before.has(key(d))), fixed: prev.filter((d) => !after.has(key(d))) };
}

/** Watch-mode output for a run after the first: `+ new`, `- fixed`, then the summary. */
export function formatChange(prev: CompileResult, next: CompileResult, cwd: string): string {
  const { added, fixed } = diffDiagnostics(prev.diagnostics, next.diagnostics);
  const lines = [
    ...fixed.map((d) => `- fixed: ${formatDiagnostic(d, cwd, next.source)}`),
    ...added.map((d) => formatDiagnostic(d, cwd, next.source)),
  ];
  if (lines.length === 0 && prev.ok === next.ok && prev.problem === next.problem) lines.push('(no change in diagnostics)');
  lines.push(formatSummary(next, cwd));
  return lines.join('\n');
}
