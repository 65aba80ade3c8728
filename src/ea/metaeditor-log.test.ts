import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseMetaEditorLog } from './metaeditor-log.js';

const DIR = fileURLToPath(new URL('../../fixtures/metaeditor/', import.meta.url));
const fixture = (name: string) => parseMetaEditorLog(readFileSync(`${DIR}${name}.log`));
const SPACED = String.raw`C:\Users\dev\My EAs (old)\MA Cross (v2)\MA Cross.mq5`;
const SIMPLE = String.raw`Z:\home\dev\ea\ma_cross.mq5`;

describe('parseMetaEditorLog over the fixtures', () => {
  it('the committed fixtures are in the real format: UTF-16LE, BOM, CRLF', () => {
    const raw = readFileSync(`${DIR}errors.log`);
    expect([...raw.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(raw.subarray(2).toString('utf16le')).toMatch(/^\r\n.*\r\n/);
    expect(raw.subarray(2).toString('utf16le')).not.toMatch(/[^\r]\n/);
  });

  it('success, older build: msec elapsed, no cpu, leading blank lines, quoted name', () => {
    const log = fixture('success-msec');
    expect(log.encoding).toBe('utf-16le');
    expect(log.summary).toEqual({ errors: 0, warnings: 0, elapsedMs: 123, cpu: null, syntaxCheck: false });
    expect(log.source).toBe(SIMPLE);
    expect(log.includes).toHaveLength(2);
    expect(log.includes[0]).toMatch(/Include\\Trade\\Trade\.mqh$/);
    expect(log.diagnostics).toEqual([]);
    expect(log.lines.map((l) => l.kind)).toEqual(['compiling', 'including', 'including', 'generating', 'generating', 'generating', 'result']);
  });

  it("success, newer build: ms elapsed with cpu='X64 Regular', progress and an info line", () => {
    const log = fixture('success-ms-cpu');
    expect(log.summary).toEqual({ errors: 0, warnings: 0, elapsedMs: 412, cpu: 'X64 Regular', syntaxCheck: false });
    const info = log.lines.filter((l) => l.kind === 'info');
    expect(info).toHaveLength(1);
    expect(info[0]!.file).toBeNull();
    expect(info[0]!.detail).toMatch(/^property tester_indicator "Examples\\ZigZag"/);
    expect(log.lines.filter((l) => l.kind === 'generating')).toHaveLength(5);
  });

  it('errors: paths with spaces and parentheses, a diagnostic with no path, no timing', () => {
    const log = fixture('errors');
    expect(log.summary).toEqual({ errors: 3, warnings: 1, elapsedMs: null, cpu: null, syntaxCheck: false });
    expect(log.source).toBe(SPACED);
    expect(log.diagnostics).toEqual([
      { file: SPACED, line: 12, column: 5, severity: 'error', code: 256, message: "undeclared identifier 'x'" },
      { file: SPACED, line: 39, column: 22, severity: 'error', code: 254, message: "empty class 'CAccountInfo' cannot be used" },
      { file: SPACED, line: 14, column: 7, severity: 'warning', code: 43, message: "possible loss of data due to type conversion from 'double' to 'int'" },
      { file: null, line: 1, column: 1, severity: 'error', code: 161, message: 'unexpected end of program' },
    ]);
    const info = log.lines.find((l) => l.kind === 'info')!;
    expect(info.file).toMatch(/AccountInfo\.mqh$/);
    expect(info.detail).toBe("see declaration of class 'CAccountInfo'");
  });

  it('warnings only', () => {
    const log = fixture('warnings');
    expect(log.summary).toMatchObject({ errors: 0, warnings: 2, elapsedMs: 388 });
    expect(log.diagnostics.map((d) => [d.severity, d.code, d.line, d.column])).toEqual([
      ['warning', 43, 14, 7],
      ['warning', 68, 20, 11],
    ]);
  });

  it('syntax check wording: checking line and the lower-case result line', () => {
    const ok = fixture('syntax-ok');
    expect(ok.summary).toEqual({ errors: 0, warnings: 0, elapsedMs: 84, cpu: 'X64 Regular', syntaxCheck: true });
    expect(ok.lines[0]!.kind).toBe('checking');
    expect(ok.source).toBe(SIMPLE);
    const bad = fixture('syntax-errors');
    expect(bad.summary).toEqual({ errors: 1, warnings: 0, elapsedMs: null, cpu: null, syntaxCheck: true });
    expect(bad.diagnostics[0]).toMatchObject({ line: 7, column: 1, code: 149, message: "'void' - unexpected token" });
  });

  it('a log that stops before its summary has no summary but keeps its diagnostics', () => {
    const log = fixture('no-summary');
    expect(log.summary).toBeNull();
    expect(log.diagnostics).toHaveLength(1);
  });

  it('the MQL4-era "error(s)" wording', () => {
    expect(fixture('legacy-wording').summary).toMatchObject({ errors: 0, warnings: 0, elapsedMs: null });
  });

  it.each(['utf8-nobom', 'utf8-bom', 'utf16-nobom'])('tolerates %s', (name) => {
    const log = fixture(name);
    expect(log.summary).toEqual({ errors: 0, warnings: 0, elapsedMs: 97, cpu: 'X64 Regular', syntaxCheck: false });
    expect(log.source).toBe(SIMPLE);
    expect(log.text).not.toMatch(/^\uFEFF/);
  });

  it('every fixture on disk is covered by a test above', () => {
    const covered = ['success-msec', 'success-ms-cpu', 'errors', 'warnings', 'syntax-ok', 'syntax-errors', 'no-summary', 'legacy-wording', 'utf8-nobom', 'utf8-bom', 'utf16-nobom'];
    const onDisk = readdirSync(DIR).filter((f) => f.endsWith('.log')).map((f) => f.slice(0, -4));
    expect(onDisk.sort()).toEqual(covered.sort());
  });
});

describe('parseMetaEditorLog edge cases', () => {
  const utf16 = (s: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s.replace(/\n/g, '\r\n'), 'utf16le')]);

  it('takes the position right before " : error", even when the path has (n,n) in it', () => {
    const log = parseMetaEditorLog(utf16(String.raw`C:\EAs (1,2)\x (copy).mq5(3,4) : error 256: undeclared identifier 'y'` + '\n'));
    expect(log.diagnostics[0]).toMatchObject({ file: String.raw`C:\EAs (1,2)\x (copy).mq5`, line: 3, column: 4, code: 256 });
  });

  it('a diagnostic with a path but no position, and messages containing " : "', () => {
    const log = parseMetaEditorLog(utf16(String.raw`C:\a\x.mq5 : error 123: 'a : b' - something` + '\n'));
    expect(log.diagnostics[0]).toEqual({ file: String.raw`C:\a\x.mq5`, line: null, column: null, severity: 'error', code: 123, message: "'a : b' - something" });
  });

  it('unknown lines are kept as other; an empty buffer parses to nothing', () => {
    expect(parseMetaEditorLog(utf16('MetaEditor 5 build 4885 started\n')).lines[0]!.kind).toBe('other');
    const empty = parseMetaEditorLog(Buffer.alloc(0));
    expect(empty.lines).toEqual([]);
    expect(empty.summary).toBeNull();
  });
});
