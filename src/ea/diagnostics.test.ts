import { describe, expect, it } from 'vitest';
import { diffDiagnostics, formatChange, formatDiagnostic, formatResult, formatSummary } from './diagnostics.js';
import type { Diagnostic } from './metaeditor-log.js';
import type { CompileResult } from './metaeditor.js';

const cwd = '/home/dev/proj';
const src = '/home/dev/proj/experts/ma cross (v2).mq5';
const d = (over: Partial<Diagnostic>): Diagnostic => ({ file: src, line: 12, column: 5, severity: 'error', code: 256, message: "undeclared identifier 'x'", ...over });
const result = (over: Partial<CompileResult>): CompileResult => ({
  ok: false, errors: 0, warnings: 0, elapsedMs: null, diagnostics: [], ex5: null, log: '', problem: null, source: src, syntaxOnly: false, ...over,
});

describe('formatting', () => {
  it('prints file:line:col: severity code: message, relative to cwd when under it', () => {
    expect(formatDiagnostic(d({}), cwd, src)).toBe("experts/ma cross (v2).mq5:12:5: error 256: undeclared identifier 'x'");
    expect(formatDiagnostic(d({ file: '/opt/MQL5/Include/Trade.mqh', severity: 'warning', code: 43, message: 'm' }), cwd, src)).toBe('/opt/MQL5/Include/Trade.mqh:12:5: warning 43: m');
  });

  it('a diagnostic without a path is shown against the compiled file; without a position, without one', () => {
    expect(formatDiagnostic(d({ file: null, line: 1, column: 1, code: 161, message: 'unexpected end of program' }), cwd, src)).toBe(
      'experts/ma cross (v2).mq5:1:1: error 161: unexpected end of program',
    );
    expect(formatDiagnostic(d({ line: null, column: null, code: null }), cwd, src)).toBe("experts/ma cross (v2).mq5: error: undeclared identifier 'x'");
  });

  it('summaries for success, syntax check and failure', () => {
    expect(formatSummary(result({ ok: true, warnings: 1, elapsedMs: 412, ex5: '/home/dev/proj/experts/ma cross (v2).ex5' }), cwd)).toBe(
      'compiled experts/ma cross (v2).mq5 -> experts/ma cross (v2).ex5: 0 errors, 1 warning, 412 ms',
    );
    expect(formatSummary(result({ ok: true, syntaxOnly: true, elapsedMs: 84 }), cwd)).toBe('checked experts/ma cross (v2).mq5: 0 errors, 0 warnings, 84 ms');
    expect(formatSummary(result({ problem: 'MetaEditor wrote no log' }), cwd)).toBe('FAILED experts/ma cross (v2).mq5: 0 errors, 0 warnings\n  MetaEditor wrote no log');
    expect(formatResult(result({ errors: 1, diagnostics: [d({})] }), cwd).split('\n')).toEqual([
      "experts/ma cross (v2).mq5:12:5: error 256: undeclared identifier 'x'",
      'FAILED experts/ma cross (v2).mq5: 1 error, 0 warnings',
    ]);
  });
});

describe('watch output', () => {
  it('reports new and fixed diagnostics only', () => {
    const a = d({});
    const b = d({ line: 20, code: 149, message: 'unexpected token' });
    const c = d({ severity: 'warning', code: 43, line: 3, message: 'loss of data' });
    expect(diffDiagnostics([a, b], [b, c])).toEqual({ added: [c], fixed: [a] });
    const text = formatChange(result({ errors: 2, diagnostics: [a, b] }), result({ errors: 1, warnings: 1, diagnostics: [b, c] }), cwd);
    expect(text.split('\n')).toEqual([
      "- fixed: experts/ma cross (v2).mq5:12:5: error 256: undeclared identifier 'x'",
      'experts/ma cross (v2).mq5:3:5: warning 43: loss of data',
      'FAILED experts/ma cross (v2).mq5: 1 error, 1 warning',
    ]);
    expect(formatChange(result({ diagnostics: [a] }), result({ diagnostics: [a] }), cwd)).toMatch(/^\(no change in diagnostics\)\n/);
  });
});
