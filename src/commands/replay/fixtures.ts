import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from '../../errors.js';

/**
 * One recorded alert (a line of a fixture file, as `dcap signals export` writes it):
 * {"strategy","contentType","body","at"}; `note` is free text for the people reading fixtures.
 */
export interface FixtureLine {
  /** Where it came from, for error messages: "fixtures/alerts/a.jsonl:12". */
  where: string;
  strategy: string;
  contentType?: string;
  body: string;
  /** ms since the epoch: the time the alert was received. */
  at: number;
}

const LineSchema = z.strictObject({
  strategy: z.string().min(1),
  contentType: z.string().nullable().optional(),
  body: z.string(),
  at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'not an ISO date/time' }),
  note: z.string().optional(),
});

/** The *.jsonl files a path names: the file itself, or every *.jsonl of a directory, sorted by name. */
export function fixtureFiles(paths: string[], cwd = process.cwd()): string[] {
  const files: string[] = [];
  for (const p of paths) {
    const abs = resolve(cwd, p);
    let isDir: boolean;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      throw new UserError(`no such fixture file or directory: ${p}`);
    }
    if (!isDir) {
      files.push(abs);
      continue;
    }
    const inside = readdirSync(abs)
      .filter((n) => n.endsWith('.jsonl'))
      .sort()
      .map((n) => join(abs, n));
    if (inside.length === 0) throw new UserError(`no *.jsonl fixture files in ${p}`);
    files.push(...inside);
  }
  return files;
}

/**
 * Reads every line of every file, in order. All bad lines are reported at once (file:line and
 * what is wrong), before anything is replayed: a half-run replay would be harder to read.
 */
export function loadFixtures(paths: string[], cwd = process.cwd()): FixtureLine[] {
  const lines: FixtureLine[] = [];
  const problems: string[] = [];
  for (const file of fixtureFiles(paths, cwd)) {
    const name = relative(cwd, file) || file;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UserError(`cannot read fixture file ${name}: ${(err as Error).message}`, undefined, { cause: err });
    }
    const raw = text.split('\n');
    for (let i = 0; i < raw.length; i++) {
      const where = `${name}:${i + 1}`;
      const source = raw[i]!.trim();
      if (source === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(source);
      } catch (err) {
        problems.push(`${where}: not JSON (${(err as Error).message})`);
        continue;
      }
      const fast = quickLine(value);
      if (fast) {
        lines.push({ where, ...fast });
        continue;
      }
      const parsed = LineSchema.safeParse(value);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((is) => `${is.path.join('.') || '(line)'}: ${is.message}`);
        problems.push(`${where}: ${issues.join('; ')}`);
        continue;
      }
      const { strategy, contentType, body, at } = parsed.data;
      lines.push({ where, strategy, body, at: Date.parse(at), ...(contentType ? { contentType } : {}) });
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 50);
    const more = problems.length > shown.length ? `\n  ... and ${problems.length - shown.length} more` : '';
    throw new UserError(
      `${problems.length} bad fixture line${problems.length === 1 ? '' : 's'} (expected {"strategy","contentType","body","at"}); nothing was replayed:\n  ${shown.join('\n  ')}${more}`,
    );
  }
  return lines;
}

const KEYS = new Set(['strategy', 'contentType', 'body', 'at', 'note']);

/**
 * The common case without zod: a well-formed line, checked field by field exactly as LineSchema
 * does. Replays of 100,000 recorded alerts spent a third of their time in per-line schema
 * parsing; LineSchema still runs for any line this refuses, to explain what is wrong.
 */
function quickLine(v: unknown): Omit<FixtureLine, 'where'> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.has(k)) return undefined;
  const { strategy, contentType, body, at, note } = o;
  if (typeof strategy !== 'string' || strategy === '' || typeof body !== 'string' || typeof at !== 'string') return undefined;
  if (contentType !== undefined && contentType !== null && typeof contentType !== 'string') return undefined;
  if (note !== undefined && typeof note !== 'string') return undefined;
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) return undefined;
  return { strategy, body, at: ms, ...(contentType ? { contentType } : {}) };
}
