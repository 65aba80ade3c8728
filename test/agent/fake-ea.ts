/**
 * A stand-in for DcapBridge.mq5 used where the paper terminal is not the point: it speaks the
 * bridge file protocol exactly (every file it reads or writes is checked against the protocol's
 * zod schemas), executes commands in seq order, remembers processed jobs (idempotency), and can be
 * paused, slowed, stopped or told to refuse with a retcode.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandSchema, HelloSchema, orderComment, parseCommandFileName, ResultSchema, StateSchema, type Command, type Result } from '../../src/bridge/protocol.js';
import { retcodeName } from '../../src/bridge/retcodes.js';

export interface FakeEaOptions {
  filesDir: string;
  bridgeId?: string;
  /** Per command, before answering. */
  delayMs?: number;
  /** A retcode to refuse a command with (e.g. 10019), or undefined to fill it. */
  refuse?: (c: Command) => number | undefined;
  tradeAllowed?: boolean;
}

export class FakeEa {
  readonly dir: string;
  /** Every order actually sent to the "broker", one per executed trade command. */
  readonly orders: { jobId: string; symbol: string; volume: number; ticket: number }[] = [];
  readonly answered: string[] = [];
  private readonly memory = new Map<string, Result>();
  private helloTimer?: NodeJS.Timeout;
  private cmdTimer?: NodeJS.Timeout;
  private busy = false;
  private beat = 0;
  private lastSeq = 0;
  private ticket = 5_000_000;
  private readonly startedAt = Date.now();
  paused = false;

  constructor(private readonly o: FakeEaOptions) {
    this.dir = join(o.filesDir, 'dcap', o.bridgeId ?? 'default');
    mkdirSync(join(this.dir, 'cmd'), { recursive: true });
    mkdirSync(join(this.dir, 'res'), { recursive: true });
  }

  /** Beats (hello.json every 300 ms) and executes commands. */
  start(): this {
    this.hello();
    this.helloTimer = setInterval(() => this.hello(), 300);
    this.cmdTimer = setInterval(() => void this.process(), 50);
    return this;
  }

  /** The terminal goes away: no more hello, no more execution (hello.json goes stale). */
  stop(): void {
    clearInterval(this.helloTimer);
    clearInterval(this.cmdTimer);
  }

  private hello(): void {
    const allowed = this.o.tradeAllowed ?? true;
    const hello = HelloSchema.parse({
      v: 1,
      bridgeId: this.o.bridgeId ?? 'default',
      bridgeVersion: '1.0.0',
      status: 'running',
      time: Date.now(),
      startedAt: this.startedAt,
      beat: ++this.beat,
      tradeAllowed: allowed,
      terminal: { build: 4755, connected: true, tradeAllowed: allowed },
      ea: { tradeAllowed: true, timerMs: 50, magic: 1, lastSeq: this.lastSeq, pending: 0, remembered: this.memory.size },
      account: { login: 5012345, server: 'Fake-Demo', currency: 'USD', marginMode: 'hedging', tradeAllowed: true, tradeExpert: true },
      serverTimeOffsetSec: 0,
      subscribed: [],
    });
    this.atomicWrite('hello.json', hello);
  }

  /** state.json with one position per order, as the EA rewrites it on change. */
  writeState(): void {
    const positions = this.orders.map((o) => ({
      ticket: o.ticket, symbol: o.symbol, side: 'buy', volume: o.volume, openPrice: 1.08512, currentPrice: 1.08512,
      sl: 0, tp: 0, profit: 0, swap: 0, comment: orderComment(o.jobId), magic: 1, openTime: Date.now(),
    }));
    const account = {
      login: 5012345, server: 'Fake-Demo', currency: 'USD', leverage: 100, marginMode: 'hedging', balance: 10000, equity: 10000,
      margin: 0, freeMargin: 10000, marginLevel: 0, profit: 0, tradeAllowed: true, tradeExpert: true,
    };
    this.atomicWrite('state.json', StateSchema.parse({ v: 1, bridgeId: this.o.bridgeId ?? 'default', time: Date.now(), account, positions, orders: [] }));
  }

  private atomicWrite(rel: string, value: unknown): void {
    const tmp = join(this.dir, `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, join(this.dir, rel));
  }

  private async process(): Promise<void> {
    if (this.busy || this.paused) return;
    this.busy = true;
    try {
      const names = readdirSync(join(this.dir, 'cmd'))
        .filter((n) => parseCommandFileName(n))
        .sort();
      for (const name of names) {
        if (this.paused) return;
        const file = join(this.dir, 'cmd', name);
        const command = CommandSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
        if (this.o.delayMs) await new Promise((r) => setTimeout(r, this.o.delayMs));
        const result = this.memory.get(command.jobId) ? { ...this.memory.get(command.jobId)!, source: 'terminal' as const } : this.execute(command);
        this.memory.set(command.jobId, result);
        this.lastSeq = Math.max(this.lastSeq, command.seq);
        this.atomicWrite(`res/${command.jobId}.json`, ResultSchema.parse(result));
        this.answered.push(command.jobId);
        rmSync(file, { force: true });
      }
    } finally {
      this.busy = false;
    }
  }

  private execute(c: Command): Result {
    const base = { v: 1 as const, jobId: c.jobId, seq: c.seq, type: c.type, source: 'executed' as const, time: Date.now() };
    if (c.type !== 'trade') {
      return { ...base, ok: true, retcode: 20004, retcodeText: 'DCAP_NOTHING_TO_DO', order: 0, deal: 0, ticket: 0, price: 0, volume: 0, comment: '', error: null };
    }
    const refused = this.o.refuse?.(c);
    const comment = orderComment(c.jobId);
    if (refused) {
      const text = retcodeName(refused);
      return { ...base, ok: false, retcode: refused, retcodeText: text, order: 0, deal: 0, ticket: 0, price: 0, volume: 0, comment, error: `${refused} ${text}: refused by the fake broker`, symbol: c.symbol };
    }
    const ticket = ++this.ticket;
    const volume = c.volume ?? 0.01;
    this.orders.push({ jobId: c.jobId, symbol: c.symbol, volume, ticket });
    this.writeState();
    return { ...base, ok: true, retcode: 10009, retcodeText: 'DONE', order: ticket, deal: ticket + 1_000_000, ticket, price: 1.08512, volume, comment, error: null, symbol: c.symbol, side: c.action.startsWith('buy') ? 'buy' : 'sell' };
  }
}
