import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../../errors.js';
import type { ReplayResult } from './result.js';

/** The fields --expect compares; everything else (summary, timings) is ignored. */
const KEYS = ['strategy', 'status', 'httpStatus', 'reason'] as const;

const ExpectSchema = z.object({
  results: z.array(
    z.object({
      index: z.int().min(0),
      strategy: z.string(),
      status: z.string(),
      httpStatus: z.int(),
      reason: z.string().nullable(),
    }),
  ),
});

export function readExpect(file: string): ReplayResult[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const hint = (err as NodeJS.ErrnoException).code === 'ENOENT' ? ' (create it with --update-expect)' : '';
    throw new UserError(`cannot read expectation ${file}${hint}: ${(err as Error).message}`, undefined, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`expectation ${file} is not valid JSON: ${(err as Error).message}`, undefined, { cause: err });
  }
  const parsed = ExpectSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 10).map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new UserError(`expectation ${file} is not in the replay --json format:\n${issues.join('\n')}`);
  }
  return parsed.data.results.map((r) => ({ index: r.index, strategy: r.strategy, status: r.status, httpStatus: r.httpStatus, reason: r.reason }));
}

const describe = (r: ReplayResult) => `${r.strategy}: ${r.status} http=${r.httpStatus} reason=${r.reason ?? '-'}`;

/** One readable line per difference; empty when the results match. Compared by index. */
export function diffResults(expected: ReplayResult[], got: ReplayResult[], where: (index: number) => string = () => ''): string[] {
  const byIndex = new Map(expected.map((r) => [r.index, r]));
  const lines: string[] = [];
  for (const g of got) {
    const e = byIndex.get(g.index);
    byIndex.delete(g.index);
    const at = where(g.index);
    const prefix = `#${g.index}${at ? ` (${at})` : ''}`;
    if (!e) {
      lines.push(`${prefix}: extra line, got ${describe(g)}`);
      continue;
    }
    const changed = KEYS.filter((k) => e[k] !== g[k]);
    if (changed.length > 0) lines.push(`${prefix} differs in ${changed.join(', ')}\n    expected ${describe(e)}\n    got      ${describe(g)}`);
  }
  for (const e of [...byIndex.values()].sort((a, b) => a.index - b.index)) {
    lines.push(`#${e.index}: missing line, expected ${describe(e)}`);
  }
  return lines;
}

/**
 * The expectation file: the replay --json shape, one result per line so that a changed
 * outcome shows as a one-line diff in code review. Timings are left out: they change every run.
 */
export function writeExpect(file: string, results: ReplayResult[]): void {
  const byStatus: Record<string, number> = {};
  for (const r of results) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const rows = results.map((r) => `    ${JSON.stringify({ index: r.index, strategy: r.strategy, status: r.status, httpStatus: r.httpStatus, reason: r.reason })}`);
  const text = `{\n  "results": [\n${rows.join(',\n')}\n  ],\n  "summary": ${JSON.stringify({ total: results.length, byStatus })}\n}\n`;
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new UserError(`cannot write expectation ${file}: ${(err as Error).message}`, undefined, { cause: err });
  }
}
