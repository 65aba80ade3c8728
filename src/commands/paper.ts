import type { Ctx } from '../context.js';
import { untilSignal } from '../daemons/lifecycle.js';
import { UserError } from '../errors.js';
import { PaperTerminal, type PaperOptions } from '../paper/terminal.js';

export interface PaperStartOptions {
  filesDir: string;
  bridgeId?: string;
  prices?: string;
  symbols?: string;
  account?: 'hedging' | 'netting';
  balance?: number;
  currency?: string;
  leverage?: number;
  spreadPoints?: number;
  tickRate?: number;
  seed?: number;
  magic?: number;
  sessions?: boolean;
  reset?: boolean;
  processingDelay?: number;
  priceSpeed?: number;
}

/** Every problem with the numeric options at once, so one run shows them all. */
function problems(o: PaperStartOptions): string[] {
  const out: string[] = [];
  const check = (name: string, v: number | undefined, ok: (n: number) => boolean, want: string): void => {
    if (v !== undefined && !ok(v)) out.push(`--${name} ${v}: must be ${want}`);
  };
  check('balance', o.balance, (n) => n > 0, 'above 0');
  check('leverage', o.leverage, (n) => Number.isInteger(n) && n >= 1, 'a whole number from 1');
  check('spread-points', o.spreadPoints, (n) => Number.isInteger(n) && n >= 0, 'a whole number from 0');
  check('tick-rate', o.tickRate, (n) => n >= 0 && n <= 1000, 'from 0 (frozen) to 1000 per second');
  check('seed', o.seed, (n) => Number.isInteger(n), 'a whole number');
  check('magic', o.magic, (n) => Number.isInteger(n) && n >= 0, 'a whole number from 0');
  check('processing-delay', o.processingDelay, (n) => n >= 0, '0 or more milliseconds');
  check('price-speed', o.priceSpeed, (n) => n > 0, 'above 0');
  return out;
}

/** `dcap paper start`: runs a simulated MT5 terminal on a bridge folder until SIGINT/SIGTERM. */
export async function start(ctx: Ctx, opts: PaperStartOptions): Promise<void> {
  const bad = problems(opts);
  if (bad.length > 0) throw new UserError(`paper start: ${bad.join('; ')}`);
  const options: PaperOptions = {
    filesDir: opts.filesDir,
    bridgeId: opts.bridgeId,
    pricesFile: opts.prices,
    symbolsFile: opts.symbols,
    account: opts.account,
    balance: opts.balance,
    currency: opts.currency,
    leverage: opts.leverage,
    spreadPoints: opts.spreadPoints,
    tickRate: opts.tickRate,
    seed: opts.seed,
    magic: opts.magic,
    sessions: opts.sessions,
    reset: opts.reset,
    processingDelayMs: opts.processingDelay,
    priceSpeed: opts.priceSpeed,
    log: ctx.log,
  };
  let terminal: PaperTerminal;
  try {
    terminal = new PaperTerminal(options);
    await terminal.start();
  } catch (err) {
    // Bad symbols/prices files, an unusable folder, a saved account of the other margin mode.
    throw new UserError(`paper start: ${(err as Error).message}`, undefined, { cause: err });
  }
  // Handlers before the ready line: a signal sent the moment it appears must still stop cleanly.
  const stopped = untilSignal(() => terminal.stop(), ctx.log);
  // The line scripts and tests wait for (stdout, even under --json).
  process.stdout.write(`paper terminal running in ${terminal.paths.root}\n`);
  await stopped;
}
