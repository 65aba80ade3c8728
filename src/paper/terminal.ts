/**
 * The paper terminal: a simulated MT5 terminal with DcapBridge attached, speaking the bridge file
 * protocol in `<filesDir>/dcap/<bridgeId>/` (DESIGN.md section 6). The agent's `--bridge paper`
 * runs it in-process; `dcap paper start` runs it alone.
 */
import { readFileSync } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { BRIDGE_VERSION, CommandSchema, PROTOCOL_VERSION, type Hello, type Result, type State, type Ticks } from '../bridge/protocol.js';
import { SymbolsFileSchema, type SymbolSpec } from '../bridge/symbols.js';
import { isWithinHours, parseHours, type TradingHours } from '../core/hours.js';
import type { Logger } from '../log.js';
import { executeCommand, makeResult } from './commands.js';
import { PaperEngine, type SavedAccount } from './engine.js';
import { PaperCharts } from './charts.js';
import { bridgePaths, CommandWatcher, ensureBridgeDirs, paperTerminalDir, LatestWriter, listCommands, writeJsonAtomic, type BridgePaths, type CommandFile } from './files.js';
import { findByTag, JobMemory, recalled, shouldRemember } from './idempotency.js';
import { CsvReplay, RandomWalk, quoteAt, defaultsFor, type PriceFeed, type Quote } from './prices.js';

export interface PaperOptions {
  filesDir: string;
  bridgeId?: string;
  /** Default: fixtures/symbols.json of this package. */
  symbolsFile?: string;
  /** Tick CSV to replay (time,symbol,bid,ask); default: a random walk. */
  pricesFile?: string;
  account?: 'hedging' | 'netting';
  balance?: number;
  /** Must match the symbols file's accountCurrency (its tick values are in it). */
  currency?: string;
  leverage?: number;
  spreadPoints?: number;
  /** Random-walk ticks per second per symbol (default 5); 0 moves prices only through setPrice. */
  tickRate?: number;
  seed?: number;
  log?: Logger;
  /** Relative standard deviation of one random-walk tick (default 2e-5). */
  volatility?: number;
  /** CSV replay speed factor (default 1). */
  priceSpeed?: number;
  /** A slow terminal: wait this long before executing each command (default 0). */
  processingDelayMs?: number;
  /** The EA's Magic input (default 20240601). */
  magic?: number;
  /** Answer MARKET_CLOSED outside each symbol's `sessions` (default false: always open). */
  sessions?: boolean;
  /** Start with a fresh account instead of the one saved in the bridge folder. */
  reset?: boolean;
  /** Symbols subscribed before any subscribe command (default none). */
  subscribe?: string[];
  /** hello.json period (default 1000 ms). */
  helloIntervalMs?: number;
  /** Fallback scan of cmd/ besides the file watcher (default 250 ms). */
  scanIntervalMs?: number;
  /** Rewrites of state.json for floating P&L alone, at most this often (default 1000 ms). */
  stateIntervalMs?: number;
  /** Processed-job memory kept this long (default 30 days). */
  memoryMaxAgeMs?: number;
  /** The terminal's data folder (MQL5/ under it) where deployed EAs are looked for; default paperTerminalDir(). */
  terminalDir?: string;
}

const PACKAGE_SYMBOLS = new URL('../../fixtures/symbols.json', import.meta.url);

export class PaperTerminal {
  readonly paths: BridgePaths;
  readonly bridgeId: string;
  private readonly log: Logger;
  private readonly engine: PaperEngine;
  private readonly feed: PriceFeed;
  private readonly memory: JobMemory;
  readonly charts: PaperCharts;
  private readonly sessions = new Map<string, TradingHours>();
  private readonly closed = new Set<string>();
  private readonly writers: { state: LatestWriter; ticks: LatestWriter; account: LatestWriter };
  private subscribed: string[];
  private connected = true;
  private tradeAllowed = true;
  private paused = false;
  private running = false;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private watcher: CommandWatcher | undefined;
  private helloTimer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private again = false;
  private startedAt = 0;
  private beat = 0;
  private lastSeq = 0;
  private pending = 0;
  private lastStateWrite = 0;
  private specs: SymbolSpec[];

  constructor(private readonly opts: PaperOptions) {
    this.bridgeId = opts.bridgeId ?? 'default';
    this.paths = bridgePaths(opts.filesDir, this.bridgeId);
    this.log = opts.log ?? pino({ level: 'silent' });
    const file = opts.symbolsFile ?? PACKAGE_SYMBOLS;
    const parsed = SymbolsFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) {
      throw new Error(`${String(file)}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    const currency = opts.currency ?? parsed.data.accountCurrency;
    if (currency !== parsed.data.accountCurrency) {
      throw new Error(`the tick values in ${String(file)} are in ${parsed.data.accountCurrency}: currency ${currency} needs a symbols file with accountCurrency ${currency}`);
    }
    this.specs = parsed.data.symbols;
    for (const s of this.specs) if (s.sessions) this.sessions.set(s.symbol, parseHours(s.sessions));
    this.engine = new PaperEngine({
      specs: this.specs,
      marginMode: opts.account ?? 'hedging',
      balance: opts.balance ?? 10_000,
      currency,
      leverage: opts.leverage ?? 100,
      login: 10_000_001,
      server: 'dcap-paper',
      isOpen: (symbol, now) => this.isOpen(symbol, now),
    });
    const known = new Set(this.specs.map((s) => s.symbol));
    this.feed = opts.pricesFile
      ? CsvReplay.fromFile(opts.pricesFile, known, { speed: opts.priceSpeed ?? 1 })
      : new RandomWalk(this.specs, { tickRate: opts.tickRate ?? 5, spreadPoints: opts.spreadPoints, volatility: opts.volatility, seed: opts.seed });
    this.memory = new JobMemory(this.paths.done);
    this.charts = new PaperCharts(join(this.paths.root, 'paper', 'charts.json'), opts.terminalDir ?? paperTerminalDir(opts.filesDir, this.bridgeId));
    this.subscribed = [...(opts.subscribe ?? [])];
    for (const s of this.subscribed) if (!known.has(s)) throw new Error(`subscribe: the symbols file has no "${s}"`);
    this.writers = {
      state: new LatestWriter(this.paths.state, () => this.snapshot()),
      ticks: new LatestWriter(this.paths.ticks, () => this.ticks()),
      account: new LatestWriter(this.paths.account, () => this.engine.toJSON()),
    };
  }

  /** Creates the folders, restores the saved account, writes state/ticks/hello, starts prices and the command loop. */
  start(): Promise<void> {
    if (this.running) return this.starting ?? Promise.resolve();
    this.running = true;
    this.stopping = undefined;
    this.starting = this.doStart().catch(async (err: unknown) => {
      // Leave nothing running, so the caller can fix the cause and start again.
      this.running = false;
      this.feed.stop();
      clearInterval(this.helloTimer);
      await this.watcher?.stop();
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  private async doStart(): Promise<void> {
    await ensureBridgeDirs(this.paths);
    if (!this.opts.reset) {
      const saved = await readFile(this.paths.account, 'utf8').catch(() => null);
      if (saved !== null) {
        try {
          this.engine.load(JSON.parse(saved) as SavedAccount);
        } catch (err) {
          throw new Error(`${this.paths.account}: ${(err as Error).message} (start with reset to begin a new account)`, { cause: err });
        }
      }
    }
    await this.memory.init(this.opts.memoryMaxAgeMs ?? 30 * 86_400_000);
    await this.charts.load();
    this.onQuotes(this.feed.initial());
    this.startedAt = Date.now();
    this.beat = 0;
    await Promise.all([this.writers.state.write(), this.writers.ticks.write(), this.writers.account.write(), this.hello('running')]);
    this.feed.start((quotes) => this.onQuotes(quotes));
    this.helloTimer = setInterval(() => void this.hello('running').catch((err) => this.fail('hello', err)), this.opts.helloIntervalMs ?? 1000);
    this.watcher = new CommandWatcher(this.paths.cmd, () => this.wake(), this.opts.scanIntervalMs ?? 250);
    await this.watcher.start();
    this.log.info({ event: 'paper.started', dir: this.paths.root, marginMode: this.engine.marginMode, symbols: this.specs.length }, 'paper terminal running');
    this.wake();
  }

  /** Stops intake, lets the command in progress finish, writes a last hello with status "stopped". Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    if (!this.running) return;
    this.running = false;
    this.feed.stop();
    clearInterval(this.helloTimer);
    await this.watcher?.stop();
    await this.draining;
    await Promise.all([this.writers.state.settle(), this.writers.ticks.settle(), this.writers.account.settle()]);
    await this.writers.account.write();
    await this.hello('stopped', 'paper terminal stopped');
    this.starting = undefined;
    this.log.info({ event: 'paper.stopped', dir: this.paths.root }, 'paper terminal stopped');
  }

  /** Account, positions and pending orders as state.json has them. */
  snapshot(): State {
    return {
      v: PROTOCOL_VERSION,
      bridgeId: this.bridgeId,
      time: Date.now(),
      account: this.engine.account(this.tradeAllowed),
      positions: this.engine.positionViews(),
      orders: this.engine.orderViews(),
      charts: this.charts.list(),
    };
  }

  /** Simulates the terminal losing (false) or regaining its trade server connection. */
  setConnected(v: boolean): void {
    this.connected = v;
    if (this.running) void this.hello('running').catch((err) => this.fail('hello', err));
  }

  /** Simulates the AutoTrading button. */
  setTradeAllowed(v: boolean): void {
    this.tradeAllowed = v;
    if (this.running) {
      void this.hello('running').catch((err) => this.fail('hello', err));
      void this.writers.state.write().catch((err) => this.fail('state', err));
    }
  }

  /** Stops taking commands (they wait in cmd/); hello keeps beating, as a busy EA's timer would. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake();
  }

  /** A quote for tests and demos: fills, SL/TP and pending orders react to it as to any tick. */
  setPrice(symbol: string, bid: number, ask?: number): void {
    const spec = this.specs.find((s) => s.symbol === symbol);
    if (!spec) throw new Error(`setPrice: no symbol "${symbol}"`);
    const q: Quote =
      ask === undefined
        ? quoteAt(spec, bid + ((this.opts.spreadPoints ?? defaultsFor(spec).spreadPoints) * spec.point) / 2, this.opts.spreadPoints ?? defaultsFor(spec).spreadPoints, Date.now())
        : { symbol, bid, ask, time: Date.now() };
    if (this.feed instanceof RandomWalk) this.feed.pin(q);
    this.onQuotes([q]);
  }

  /** Closes (or reopens) a symbol's market; "*" closes every symbol. */
  setMarketClosed(symbol: string, closed: boolean): void {
    if (closed) this.closed.add(symbol);
    else this.closed.delete(symbol);
  }

  /** Resolves once cmd/ holds no command and none is being executed (tests). */
  async idle(): Promise<void> {
    for (;;) {
      await this.draining;
      if ((await listCommands(this.paths.cmd)).length === 0 && !this.draining) return;
      await sleep(20);
    }
  }

  private isOpen(symbol: string, now: number): boolean {
    if (this.closed.has('*') || this.closed.has(symbol)) return false;
    const hours = this.opts.sessions ? this.sessions.get(symbol) : undefined;
    return hours ? isWithinHours(hours, now) : true;
  }

  private onQuotes(quotes: Quote[]): void {
    const now = Date.now();
    const events = this.engine.onQuotes(quotes, now);
    for (const e of events) this.log.info({ event: `paper.${e.kind}`, ...e }, `${e.symbol} #${e.ticket} ${e.kind} at ${e.price}`);
    if (!this.running) return;
    if (events.length > 0) {
      void this.writers.account.write().catch((err) => this.fail('account', err));
      this.writeState(now);
    } else if (this.engine.positions().length > 0 && now - this.lastStateWrite >= (this.opts.stateIntervalMs ?? 1000)) {
      this.writeState(now);
    }
    if (quotes.some((q) => this.subscribed.includes(q.symbol))) void this.writers.ticks.write().catch((err) => this.fail('ticks', err));
  }

  private writeState(now: number): void {
    this.lastStateWrite = now;
    void this.writers.state.write().catch((err) => this.fail('state', err));
  }

  private ticks(): Ticks {
    const ticks = this.subscribed.flatMap((s) => {
      const q = this.engine.quotes.get(s);
      return q ? [{ symbol: s, bid: q.bid, ask: q.ask, last: 0, time: q.time }] : [];
    });
    return { v: PROTOCOL_VERSION, bridgeId: this.bridgeId, time: Date.now(), ticks };
  }

  private async hello(status: 'running' | 'stopped', reason?: string): Promise<void> {
    // Counted at each beat, so a paused (busy) terminal still shows its backlog.
    this.pending = (await listCommands(this.paths.cmd)).length;
    const account = this.engine.account(this.tradeAllowed);
    const hello: Hello = {
      v: PROTOCOL_VERSION,
      bridgeId: this.bridgeId,
      bridgeVersion: BRIDGE_VERSION,
      status,
      ...(reason ? { reason } : {}),
      time: Date.now(),
      startedAt: this.startedAt,
      beat: ++this.beat,
      tradeAllowed: status === 'running' && this.connected && this.tradeAllowed,
      terminal: { build: 0, connected: this.connected, tradeAllowed: this.tradeAllowed, company: 'dcap', name: 'dcap paper terminal', pingMs: 0 },
      ea: { tradeAllowed: true, timerMs: this.opts.scanIntervalMs ?? 250, magic: this.magic, lastSeq: this.lastSeq, pending: this.pending, remembered: this.memory.count },
      account: { login: account.login, server: account.server, currency: account.currency, marginMode: account.marginMode, tradeAllowed: true, tradeExpert: true },
      serverTimeOffsetSec: 0,
      subscribed: [...this.subscribed],
    };
    return writeJsonAtomic(this.paths.hello, hello);
  }

  private get magic(): number {
    return this.opts.magic ?? 20240601;
  }

  private fail(what: string, err: unknown): void {
    this.log.error({ event: 'paper.write_failed', what, err }, `could not write ${what}`);
  }

  /** Runs the command loop now (or once more after the current pass): single-flight. */
  private wake(): void {
    if (!this.running || this.paused) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch(async (err) => {
        this.log.error({ event: 'paper.command_failed', err }, 'command loop failed; retrying at the next scan');
      })
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      const files = await listCommands(this.paths.cmd);
      for (const f of files) {
        if (!this.running || this.paused) return;
        if (this.opts.processingDelayMs) await sleep(this.opts.processingDelayMs);
        if (!this.running || this.paused) return;
        await this.process(f);
      }
    } while (this.again && this.running && !this.paused);
  }

  /** One command: memory, then tag search, then expiry, then execution; result written before the command is deleted. */
  private async process(f: CommandFile): Promise<void> {
    const file = join(this.paths.cmd, f.name);
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null; // the agent withdrew it
      throw err;
    });
    if (text === null) return;
    const now = Date.now();
    let result: Result;
    let fresh = true;
    const parsed = parseCommand(text, f);
    if ('bad' in parsed) {
      result = makeResult({ jobId: f.jobId, seq: f.seq, ...(parsed.type ? { type: parsed.type } : {}) }, now, 20001, { detail: parsed.bad });
    } else {
      const cmd = parsed.cmd;
      const remembered = await this.memory.recall(cmd.jobId);
      const tagged = remembered ? null : findByTag(this.engine, cmd, now);
      if (remembered) {
        result = recalled(remembered, cmd.seq, now);
        fresh = false;
      } else if (tagged) {
        result = tagged; // remembered below, so the next answer comes from the memory
      } else if (cmd.expiresAt !== undefined && now > cmd.expiresAt) {
        result = makeResult(cmd, now, 20003, { detail: `the command expired at ${new Date(cmd.expiresAt).toISOString()} before the terminal read it` });
      } else {
        result = executeCommand(cmd, {
          engine: this.engine,
          now,
          magic: this.magic,
          connected: this.connected,
          tradeAllowed: this.tradeAllowed,
          subscribe: (symbols) => {
            this.subscribed = symbols;
            void this.writers.ticks.write().catch((err) => this.fail('ticks', err));
          },
          charts: this.charts,
        });
        if (cmd.type === 'deploy' || cmd.type === 'run' || cmd.type === 'stop') await this.charts.save();
        else if (cmd.type !== 'subscribe') await this.writers.account.write();
      }
    }
    // The memory first, then the result, then the command goes: a crash between any two steps
    // leaves either the command (re-read: memory or tag answers) or the result in place.
    if (fresh && shouldRemember(result)) await this.memory.remember(result);
    await writeJsonAtomic(join(this.paths.res, `${f.jobId}.json`), result);
    await unlink(file).catch(() => undefined);
    this.lastSeq = Math.max(this.lastSeq, f.seq);
    this.log.info(
      { event: 'paper.command', jobId: f.jobId, seq: f.seq, type: result.type, retcode: result.retcode, retcodeText: result.retcodeText, source: result.source },
      `${f.name}: ${result.retcode} ${result.retcodeText}`,
    );
    if (result.type !== 'subscribe') this.writeState(now);
  }
}

type Parsed = { cmd: ReturnType<typeof CommandSchema.parse> } | { bad: string; type?: Result['type'] };

const TYPES = new Set(['trade', 'close', 'modify', 'cancel', 'subscribe', 'deploy', 'run', 'stop']);

function parseCommand(text: string, f: CommandFile): Parsed {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    return { bad: `command is not valid JSON: ${(err as Error).message}` };
  }
  const t = (raw as { type?: unknown } | null)?.type;
  const type = typeof t === 'string' && TYPES.has(t) ? (t as Result['type']) : undefined;
  const parsed = CommandSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { bad: `command breaks the protocol: ${issues}`, ...(type ? { type } : {}) };
  }
  if (parsed.data.jobId !== f.jobId || parsed.data.seq !== f.seq) {
    return { bad: `the file name says seq ${f.seq} job ${f.jobId}, the command says seq ${parsed.data.seq} job ${parsed.data.jobId}`, ...(type ? { type } : {}) };
  }
  return { cmd: parsed.data };
}
