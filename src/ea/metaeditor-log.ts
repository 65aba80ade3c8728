/**
 * Parser for the log MetaEditor writes with `/log`. Pure: bytes in, structure out.
 *
 * The log is UTF-16LE with a BOM and CRLF line endings, sometimes preceded by blank lines.
 * Line kinds seen across builds (documented in docs/ea-compile.md):
 *
 *   C:\p\x.mq5 : information: compiling 'x.mq5'          (older builds quote the name; newer print the path)
 *   C:\p\x.mq5 : information: checking 'x.mq5'           (`/s` syntax check)
 *   C:\p\x.mq5 : information: including C:\MQL5\Include\Trade\Trade.mqh
 *   C:\p (1)\x.mq5(12,5) : error 256: undeclared identifier 'x'
 *   (1,1) : error 161: unexpected end of program        (no path)
 *   C:\p\x.mq5(14,7) : warning 43: possible loss of data due to type conversion
 *   C:\p\Trade.mqh : information: info    see declaration of class 'CTrade'
 *    : information: generating code 50%   /  : information: code generated
 *   Result: 0 errors, 0 warnings, 724 ms elapsed, cpu='X64 Regular'
 *   Result: 0 errors, 0 warnings, 887 msec elapsed
 *   Result: 17 errors, 0 warnings                        (no timing on failure)
 *    : information: result 0 errors, 0 warnings, 84 ms elapsed, cpu='X64 Regular'   (syntax check)
 *   0 error(s), 0 warning(s)                             (MQL4-era wording)
 */

export type Severity = 'error' | 'warning';

/** One compiler message, as MetaEditor reported it. `file` is the path as written in the log. */
export interface Diagnostic {
  file: string | null;
  line: number | null;
  column: number | null;
  severity: Severity;
  code: number | null;
  message: string;
}

export type LogLineKind =
  | 'compiling'
  | 'checking'
  | 'including'
  | 'error'
  | 'warning'
  | 'info'
  | 'generating'
  | 'result'
  | 'other';

export interface LogLine {
  kind: LogLineKind;
  /** The line as decoded, without its line ending. */
  text: string;
  /** The path before ` : ` when the line has one. */
  file: string | null;
  /** What follows the kind: the compiled/included path, the info text, the progress. */
  detail: string;
}

export interface LogSummary {
  errors: number;
  warnings: number;
  elapsedMs: number | null;
  cpu: string | null;
  /** True when the summary uses the syntax-check wording (` : information: result ...`). */
  syntaxCheck: boolean;
}

export interface ParsedLog {
  /** The decoded log, BOM removed, line endings kept as written. */
  text: string;
  encoding: 'utf-16le' | 'utf-16be' | 'utf-8';
  /** Every non-blank line, classified. */
  lines: LogLine[];
  diagnostics: Diagnostic[];
  /** The summary line, or null when the log has none (MetaEditor stopped early). */
  summary: LogSummary | null;
  /** The file named by the compiling/checking line. */
  source: string | null;
  includes: string[];
}

/** Decodes a MetaEditor log: BOM-detected UTF-16LE/BE or UTF-8; without a BOM, guessed from NUL bytes. */
export function decodeLog(buf: Buffer): { text: string; encoding: ParsedLog['encoding'] } {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return { text: buf.subarray(2).toString('utf16le'), encoding: 'utf-16le' };
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    const le = Buffer.from(buf.subarray(2));
    le.swap16();
    return { text: le.toString('utf16le'), encoding: 'utf-16be' };
  }
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return { text: buf.subarray(3).toString('utf8'), encoding: 'utf-8' };
  // No BOM: ASCII text in UTF-16LE has a NUL in (almost) every odd byte; UTF-8 text has none.
  let oddNuls = 0;
  const sample = Math.min(buf.length, 512);
  for (let i = 1; i < sample; i += 2) if (buf[i] === 0) oddNuls++;
  if (sample >= 2 && oddNuls * 4 >= sample / 2) return { text: buf.subarray(0, buf.length - (buf.length % 2)).toString('utf16le'), encoding: 'utf-16le' };
  return { text: buf.toString('utf8'), encoding: 'utf-8' };
}

// A path never contains " : " (Windows forbids ':' outside the drive), so `(?:(?! : ).)*` stops at
// the separator and the position taken is the one right before it, even for `C:\EAs (old)\x.mq5(3,1)`.
const PATH = String.raw`((?:(?! : ).)*?)`;
const DIAG_POS = new RegExp(String.raw`^${PATH}\((\d+)\s*,\s*(\d+)\)\s*:\s*(error|warning)(?:\s+(\d+))?\s*:\s?(.*)$`, 'i');
const DIAG_NOPOS = new RegExp(String.raw`^${PATH}\s*:\s*(error|warning)(?:\s+(\d+))?\s*:\s?(.*)$`, 'i');
const INFO = new RegExp(String.raw`^${PATH}\s*:\s*information:\s*(.*)$`, 'i');
const SUMMARY = /^(?:result:\s*|(?:.* )?:\s*information:\s*result\s+)?(\d+)\s+error(?:s|\(s\))?\s*,\s*(\d+)\s+warning(?:s|\(s\))?(.*)$/i;

/** Parses a MetaEditor log. Never throws: unknown lines are kept as `other`. */
export function parseMetaEditorLog(buf: Buffer): ParsedLog {
  const { text, encoding } = decodeLog(buf);
  const lines: LogLine[] = [];
  const diagnostics: Diagnostic[] = [];
  const includes: string[] = [];
  let summary: LogSummary | null = null;
  let source: string | null = null;

  for (const raw of text.split(/\r\n|\n|\r/)) {
    const line = raw.replace(/^\uFEFF/, '').trimEnd();
    if (line.trim() === '') continue;

    const sum = SUMMARY.exec(line.trim());
    if (sum) {
      summary = {
        errors: Number(sum[1]),
        warnings: Number(sum[2]),
        ...summaryTail(sum[3] ?? ''),
        syntaxCheck: /information:\s*result/i.test(line),
      };
      lines.push({ kind: 'result', text: line, file: null, detail: line.trim() });
      continue;
    }

    const d = DIAG_POS.exec(line);
    const n = d ? null : DIAG_NOPOS.exec(line);
    if (d || n) {
      const severity = (d ? d[4]! : n![2]!).toLowerCase() as Severity;
      const code = d ? d[5] : n![3];
      const file = cleanPath(d ? d[1]! : n![1]!);
      const message = (d ? d[6]! : n![4]!).trim();
      diagnostics.push({
        file,
        line: d ? Number(d[2]) : null,
        column: d ? Number(d[3]) : null,
        severity,
        code: code === undefined ? null : Number(code),
        message,
      });
      lines.push({ kind: severity, text: line, file, detail: message });
      continue;
    }

    const info = INFO.exec(line);
    if (info) {
      const file = cleanPath(info[1]!);
      const body = info[2]!.trim();
      const kind = infoKind(body);
      const detail = kind === 'info' ? body.replace(/^info\b\s*/i, '') : body.replace(/^\S+\s*/, '');
      if (kind === 'including') includes.push(unquote(detail));
      if ((kind === 'compiling' || kind === 'checking') && source === null) source = file ?? unquote(detail);
      lines.push({ kind, text: line, file, detail });
      continue;
    }

    lines.push({ kind: 'other', text: line, file: null, detail: line.trim() });
  }
  return { text, encoding, lines, diagnostics, summary, source, includes };
}

function infoKind(body: string): LogLineKind {
  const word = body.toLowerCase();
  if (word.startsWith('compiling')) return 'compiling';
  if (word.startsWith('checking')) return 'checking';
  if (word.startsWith('including')) return 'including';
  if (word.startsWith('generating code') || word.startsWith('code generated') || word.startsWith('error generating code'))
    return 'generating';
  return 'info';
}

/** `, 724 ms elapsed, cpu='X64 Regular'` / `, 887 msec elapsed` / `` */
function summaryTail(tail: string): { elapsedMs: number | null; cpu: string | null } {
  const ms = /(\d+)\s*(?:ms|msec)\s+elapsed/i.exec(tail);
  const cpu = /cpu\s*=\s*'([^']*)'/i.exec(tail);
  return { elapsedMs: ms ? Number(ms[1]) : null, cpu: cpu ? cpu[1]! : null };
}

function cleanPath(p: string): string | null {
  const t = p.trim();
  return t === '' ? null : t;
}

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.startsWith("'") && t.endsWith("'") ? t.slice(1, -1) : t;
}
