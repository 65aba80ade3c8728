import type { Ctx } from '../../context.js';
import { UserError } from '../../errors.js';
import { getProject, getVersion } from '../../ea/projects.js';

/** `dcap ea diff <name> N M`: a unified diff from version N to version M. */
export async function diff(ctx: Ctx, name: string, n: string, m: string): Promise<void> {
  const db = ctx.db();
  const project = getProject(db, name);
  const [a, b] = [n, m].map((x) => {
    const num = /^@?([1-9]\d{0,8})$/.exec(x.trim());
    if (!num) throw new UserError(`"${x}" is not a version number (see dcap ea versions ${name})`);
    return getVersion(db, project, Number(num[1]));
  });
  const text = unifiedDiff(a!.source, b!.source, `${name}@${a!.number}`, `${name}@${b!.number}`);
  ctx.result({ from: `${name}@${a!.number}`, to: `${name}@${b!.number}`, identical: text === '', diff: text }, () => text || `${name}@${a!.number} and ${name}@${b!.number} are identical`);
}

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

/**
 * A unified diff (3 lines of context) from an LCS of the lines. No library is installed for this
 * and EA sources are small: after trimming the common head and tail, the edited middle of two
 * 2,000-line files is a table of a few million cells at most. Beyond MAX_CELLS the middle is
 * shown as replaced wholesale, which is still a correct diff.
 */
export function unifiedDiff(aText: string, bText: string, aLabel: string, bLabel: string, context = 3): string {
  const a = splitLines(aText);
  const b = splitLines(bText);
  const ops = diffLines(a, b);
  if (ops.every((o) => o.kind === ' ')) return '';
  const out = [`--- ${aLabel}`, `+++ ${bLabel}`];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]!.kind === ' ') {
      i++;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` after the last change within reach.
    const start = Math.max(0, i - context);
    let end = i;
    for (let j = i; j < ops.length; j++) {
      if (ops[j]!.kind !== ' ') end = j;
      else if (j - end > 2 * context) break;
    }
    end = Math.min(ops.length - 1, end + context);
    const hunk = ops.slice(start, end + 1);
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    const aStart = aCount ? hunk.find((o) => o.kind !== '+')!.a + 1 : hunk[0]!.a;
    const bStart = bCount ? hunk.find((o) => o.kind !== '-')!.b + 1 : hunk[0]!.b;
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`, ...hunk.map((o) => `${o.kind}${o.line}`));
    i = end + 1;
  }
  return `${out.join('\n')}\n`;
}

function splitLines(text: string): string[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const MAX_CELLS = 25_000_000;

export function diffLines(a: string[], b: string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  const ops: Op[] = [];
  for (let k = 0; k < head; k++) ops.push({ kind: ' ', line: a[k]!, a: k, b: k });
  const n = am.length;
  const m = bm.length;
  if (n * m > MAX_CELLS) {
    am.forEach((line, k) => ops.push({ kind: '-', line, a: head + k, b: head }));
    bm.forEach((line, k) => ops.push({ kind: '+', line, a: head + n, b: head + k }));
  } else {
    // lcs[i][j] = LCS length of am[i..] and bm[j..], in one flat array.
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = am[i] === bm[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && am[i] === bm[j]) {
        ops.push({ kind: ' ', line: am[i]!, a: head + i, b: head + j });
        i++;
        j++;
      } else if (i < n && (j === m || lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!)) {
        // Removals before additions, as diff(1) prints them.
        ops.push({ kind: '-', line: am[i]!, a: head + i, b: head + j });
        i++;
      } else {
        ops.push({ kind: '+', line: bm[j]!, a: head + i, b: head + j });
        j++;
      }
    }
  }
  for (let k = tail; k > 0; k--) ops.push({ kind: ' ', line: a[a.length - k]!, a: a.length - k, b: b.length - k });
  return ops;
}
