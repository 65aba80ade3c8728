import { setTimeout as sleep } from 'node:timers/promises';
import type { Ctx } from '../../context.js';
import { ExitError, EXIT, UserError } from '../../errors.js';
import { diffResults, readExpect, writeExpect } from './expect.js';
import { loadFixtures, type FixtureLine } from './fixtures.js';
import { HttpRunner } from './http.js';
import { InProcessRunner, strategiesFromDataDir, strategiesFromFile } from './in-process.js';
import { summarize, toResult, type Reply, type ReplayResult, type ReplaySummary } from './result.js';
import { loadSecrets } from './secrets.js';
import { formatTable } from './table.js';

export interface ReplayOptions {
  strategies?: string;
  target?: string;
  secret?: string[];
  speed?: string;
  expect?: string;
  updateExpect?: boolean;
}

interface Runner {
  send(lines: FixtureLine[]): Reply[] | Promise<Reply[]>;
  close(): void | Promise<void>;
}

/** Lines per transaction (in-process) or per progress update (HTTP) when not paced. */
const BATCH = 2000;

/** `max` -> 0 (no pacing); `1x` -> 1, `10x` -> 10 (recorded gaps divided by it). */
export function parseSpeed(text: string): number {
  if (text === 'max') return 0;
  const m = /^(\d+(?:\.\d+)?)x$/.exec(text);
  const factor = m ? Number(m[1]) : NaN;
  if (!(factor > 0) || !Number.isFinite(factor)) throw new UserError(`--speed: "${text}" is not max or a factor such as 1x or 10x`);
  return factor;
}

export async function replay(ctx: Ctx, paths: string[], opts: ReplayOptions): Promise<void> {
  if (opts.updateExpect && !opts.expect) throw new UserError('--update-expect needs --expect FILE (the file to write)');
  if (opts.target && opts.strategies) throw new UserError('--strategies applies to in-process replays; with --target the daemon uses its own strategies');
  const speed = parseSpeed(opts.speed ?? 'max');
  const lines = loadFixtures(paths, ctx.cwd);
  const expected = opts.expect && !opts.updateExpect ? readExpect(opts.expect) : undefined;

  const runner = createRunner(ctx, lines, opts);
  ctx.onClose(() => runner.close());
  const spinner = await progress(ctx, lines.length);

  const started = performance.now();
  const results: ReplayResult[] = [];
  try {
    for (let i = 0; i < lines.length; ) {
      const count = speed > 0 ? 1 : Math.min(BATCH, lines.length - i);
      if (speed > 0 && i > 0) {
        const gap = (lines[i]!.at - lines[i - 1]!.at) / speed;
        if (gap > 0) await sleep(gap);
      }
      const chunk = lines.slice(i, i + count);
      const replies = await runner.send(chunk);
      replies.forEach((reply, k) => results.push(toResult(i + k, chunk[k]!.strategy, reply)));
      i += count;
      spinner?.update(i);
      // Let the spinner draw between in-process batches, which never yield on their own.
      if (spinner) await new Promise((r) => setImmediate(r));
    }
  } finally {
    spinner?.stop();
  }
  const summary = summarize(results, performance.now() - started);

  ctx.result({ results, summary }, () => `${formatTable(
    ['#', 'strategy', 'status', 'http', 'reason'],
    results.map((r) => [r.index, r.strategy, r.status, r.httpStatus, r.reason]),
  )}\n\n${formatSummary(summary)}`);

  if (opts.updateExpect) {
    writeExpect(opts.expect!, results);
    ctx.err(`wrote ${results.length} expected results to ${opts.expect}`);
    return;
  }
  if (expected) {
    const diff = diffResults(expected, results, (index) => lines[index]?.where ?? '');
    if (diff.length > 0) {
      ctx.err(`replay differs from ${opts.expect} in ${diff.length} line${diff.length === 1 ? '' : 's'}:\n${diff.join('\n')}`);
      ctx.err(`(if the change is intended, rewrite it with --update-expect and review the diff)`);
      throw new ExitError(EXIT.FAILURE);
    }
    ctx.err(`all ${results.length} results match ${opts.expect}`);
  }
}

function createRunner(ctx: Ctx, lines: FixtureLine[], opts: ReplayOptions): Runner {
  const config = ctx.config();
  if (opts.target) {
    const secrets = loadSecrets(config.dataDir, opts.secret ?? [], (t) => ctx.err(t));
    const missing = [...new Set(lines.map((l) => l.strategy))].filter((n) => !Object.hasOwn(secrets, n));
    if (missing.length > 0) {
      ctx.err(`note: no secret for ${missing.join(', ')}: their alerts go to an unknown secret (expect not_found); add --secret NAME=SECRET or ${config.dataDir}/secrets.json`);
    }
    return new HttpRunner(opts.target, secrets);
  }
  const strategies = opts.strategies ? strategiesFromFile(opts.strategies) : strategiesFromDataDir(config.dataDir);
  return new InProcessRunner(strategies, config.webhook.dedupWindow);
}

function formatSummary(s: ReplaySummary): string {
  const counts = Object.entries(s.byStatus)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `${s.total} alerts: ${counts || 'none'}\n${s.elapsedMs} ms, ${s.alertsPerSecond} alerts/s`;
}

/** An ora spinner on stderr, only for a person watching (TTY) and never under --json. */
async function progress(ctx: Ctx, total: number): Promise<{ update(done: number): void; stop(): void } | undefined> {
  // A pty reporting 0 columns (some CI runners) makes ora erase lines without end: no spinner there.
  if (ctx.json || !process.stderr.isTTY || !(process.stderr.columns > 0) || total === 0) return undefined;
  const { default: ora } = await import('ora');
  const spinner = ora({ text: `replaying 0/${total}`, stream: process.stderr }).start();
  return {
    update: (done) => {
      spinner.text = `replaying ${done}/${total}`;
    },
    stop: () => spinner.stop(),
  };
}
