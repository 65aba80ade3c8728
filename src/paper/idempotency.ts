/**
 * Why a re-delivered job never trades twice. Two layers, checked in this order before anything
 * is sent:
 *  1. the processed-job memory: `done/<jobId>.json` in the bridge folder holds the result first
 *     written for the job (kept across restarts, pruned by age);
 *  2. the tag search: a deal, pending order or order in the history whose comment carries the
 *     job's `dcap:<short id>` tag (what survives when the memory was lost, e.g. a crash between
 *     the order and the memory write).
 * Either way the answer is the earlier outcome with source "terminal".
 */
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { commentHasTag, jobTag, ResultSchema, type Command, type Result, type ResultItem } from '../bridge/protocol.js';
import { aggregate, makeResult } from './commands.js';
import type { PaperEngine } from './engine.js';
import { writeJsonAtomic } from './files.js';

/**
 * Results not remembered: nothing was executed and the condition passes (no connection,
 * AutoTrading off, no quotes yet, an unreadable file). Remembering them would fail the same job
 * forever once the agent re-delivers it after the terminal recovered.
 */
const TRANSIENT = new Set([10021, 10027, 10031, 20001]);

export function shouldRemember(r: Result): boolean {
  return !TRANSIENT.has(r.retcode);
}

export class JobMemory {
  private size = 0;

  constructor(private readonly dir: string) {}

  /** Counts the memory and deletes entries older than maxAgeMs. */
  async init(maxAgeMs: number, now = Date.now()): Promise<void> {
    const names = (await readdir(this.dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    let kept = 0;
    for (const name of names) {
      const file = join(this.dir, name);
      const s = await stat(file).catch(() => null);
      if (s && now - s.mtimeMs > maxAgeMs) await unlink(file).catch(() => undefined);
      else if (s) kept++;
    }
    this.size = kept;
  }

  get count(): number {
    return this.size;
  }

  /** The result first written for this job, or null. An unreadable entry counts as absent (the tag search still guards). */
  async recall(jobId: string): Promise<Result | null> {
    const text = await readFile(join(this.dir, `${jobId}.json`), 'utf8').catch(() => null);
    if (text === null) return null;
    try {
      const parsed = ResultSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  async remember(r: Result): Promise<void> {
    await writeJsonAtomic(join(this.dir, `${r.jobId}.json`), r);
    this.size++;
  }
}

/** The earlier result, answered again for a re-written command. */
export function recalled(earlier: Result, seq: number, now: number): Result {
  const note = `job ${earlier.jobId} was already processed at ${new Date(earlier.time).toISOString()}; its result is returned again, nothing was sent`;
  return { ...earlier, seq, source: 'terminal', time: now, warnings: [...(earlier.warnings ?? []), note] };
}

/** The outcome of a trade or close whose orders carry this job's tag, or null when none does. */
export function findByTag(engine: PaperEngine, cmd: Command, now: number): Result | null {
  if (cmd.type !== 'trade' && cmd.type !== 'close') return null;
  const tag = jobTag(cmd.jobId);
  const deals = engine.deals().filter((d) => commentHasTag(d.comment, tag));
  const head = { jobId: cmd.jobId, seq: cmd.seq, type: cmd.type };
  if (cmd.type === 'trade') {
    const side = cmd.action.startsWith('buy') ? ('buy' as const) : ('sell' as const);
    const d = deals[0];
    if (d) {
      return makeResult(head, now, 10009, {
        order: d.order, deal: d.ticket, ticket: d.position, price: d.price, volume: d.volume,
        comment: d.comment, symbol: d.symbol, side, source: 'terminal',
        warnings: [`deal #${d.ticket} with this job's tag was found in the history, nothing was sent again`],
      });
    }
    const o = engine.orders().find((x) => commentHasTag(x.comment, tag)) ?? engine.historyOrders().find((x) => commentHasTag(x.comment, tag));
    if (!o) return null;
    return makeResult(head, now, 10008, {
      order: o.ticket, ticket: o.ticket, price: o.price, volume: o.volume, comment: o.comment, symbol: o.symbol, side, source: 'terminal',
      warnings: [`pending order #${o.ticket} with this job's tag was found, nothing was sent again`],
    });
  }
  if (deals.length === 0) return null;
  const items: ResultItem[] = deals.map((d) => ({
    ticket: d.position, order: d.order, deal: d.ticket, ok: true, retcode: 10009, retcodeText: 'DONE', price: d.price, volume: d.volume, error: null,
  }));
  const r = aggregate(head, now, items, { noun: 'positions', verb: 'closed', symbols: new Map() }, {
    comment: deals[0]!.comment,
    ...(cmd.symbol ? { symbol: cmd.symbol } : {}),
    warnings: [`${deals.length} deal(s) with this job's tag were found in the history, nothing was sent again`],
  });
  return { ...r, source: 'terminal' };
}
