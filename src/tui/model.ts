/**
 * The TUI's state and the pure reducer that builds it from what the server sends: the relay's
 * snapshot and updates, and the HTTP reads of src/daemons/webhook/read-api.ts. No I/O, no clock:
 * every time comes in a message, so tests replay a session message by message.
 *
 * P&L per tick (docs/tui.md, "What the numbers mean"): a position's profit is the last profit
 * its agent reported, moved by the price change since that report:
 *   profit = reportedProfit + dir * (price - reportedPrice) * volume * k
 * where price is the bid for a buy and the ask for a sell (what closing it would get), dir is
 * +1 for a buy and -1 for a sell, and k is the account-currency value of a 1.0 price move for one
 * lot: tickValue / tickSize when the state carries the symbol's spec, else learned from the
 * reported figures themselves, k = reportedProfit / (dir * (reportedPrice - openPrice) * volume),
 * from any position of that symbol on that agent whose price has moved since it opened. That is
 * exact while the profit currency's rate to the account currency holds still; each new state
 * from the agent resets the basis, so the estimate never drifts further than one report.
 * Until k is known (a lone position still at its open price) the reported profit is shown as is.
 */
import type { AgentView, PositionsView, SignalView, Tick } from '../relay/protocol.js';
import { OFFLINE_AFTER_MS } from '../store/agents.js';

export type Side = 'buy' | 'sell';

export interface LivePosition {
  ticket: number;
  symbol: string;
  side: Side;
  volume: number;
  openPrice: number;
  /** Latest price: the bid for a buy, the ask for a sell. */
  price: number;
  /** Profit at `price`, account currency, without swap. */
  profit: number;
  swap: number;
  /** What the agent last reported; the basis of the per-tick estimate. */
  reportedPrice: number;
  reportedProfit: number;
  /** True once `profit` has been moved by a tick (an estimate until the next state report). */
  estimated: boolean;
  comment: string;
}

export interface Book {
  agentId: string;
  agent: string;
  /** When the agent reported this state (server ms). */
  time: number;
  account: Record<string, unknown> | null;
  positions: LivePosition[];
  /** Symbol -> k, account currency per 1.0 price move per lot. */
  valuePerUnit: Record<string, number>;
  /** Realised P&L since 00:00 UTC from trade events (HTTP read); null when the server did not say. */
  dayRealised: number | null;
}

export type Connection =
  | { status: 'connecting' }
  | { status: 'open' }
  | { status: 'waiting'; retryAt: number; error?: string }
  | { status: 'unauthorized'; error: string };

export interface TuiState {
  connection: Connection;
  ticks: Record<string, Tick>;
  books: Book[];
  /** Newest first. */
  signals: SignalView[];
  agents: AgentView[];
  /** Symbol specs when the server sends them (tickSize, tickValue). */
  specs: Record<string, { tickSize: number; tickValue: number }>;
  /** Decimals to show per symbol: the spec's digits, else the most any price of it has shown. */
  digits: Record<string, number>;
  /** Server clock minus ours (ms), learned from HTTP reads; 0 until then. */
  clockOffsetMs: number;
  /** A line for the status bar: the outcome of the last action, or a read that failed. */
  notice: string | null;
}

export const MAX_SIGNALS = 50;

export type Msg =
  | { type: 'connection'; connection: Connection }
  | { type: 'snapshot'; ticks: Tick[]; signals?: SignalView[]; positions?: PositionsViewIn[]; agents?: AgentView[] }
  /** Ticks, batched by the data source (several per render frame under load). */
  | { type: 'ticks'; ticks: Tick[] }
  | { type: 'positions'; view: PositionsViewIn }
  | { type: 'signal'; signal: SignalView }
  | { type: 'agent'; agent: AgentView }
  /** HTTP reads: `serverTime` and `receivedAt` (our clock) give the clock offset. */
  | { type: 'reads'; positions?: PositionsViewIn[]; signals?: SignalView[]; agents?: AgentView[]; serverTime?: number; receivedAt?: number }
  | { type: 'notice'; text: string | null };

/** A positions view as sent, optionally with realised day P&L (HTTP) and symbol specs (newer agents). */
export type PositionsViewIn = PositionsView & { dayRealised?: number | null; symbols?: unknown[] };

export function initialState(): TuiState {
  return { connection: { status: 'connecting' }, ticks: {}, books: [], signals: [], agents: [], specs: {}, digits: {}, clockOffsetMs: 0, notice: null };
}

const num = (v: unknown, dflt = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : dflt);

export function reduce(state: TuiState, msg: Msg): TuiState {
  switch (msg.type) {
    case 'connection':
      return { ...state, connection: msg.connection };
    case 'notice':
      return { ...state, notice: msg.text };
    case 'ticks':
      return applyTicks(state, msg.ticks);
    case 'positions':
      return withBooks(state, [msg.view]);
    case 'signal':
      return { ...state, signals: mergeSignals(state.signals, [msg.signal]) };
    case 'agent':
      return { ...state, agents: mergeAgents(state.agents, [msg.agent]) };
    case 'snapshot':
    case 'reads': {
      let s = state;
      if (msg.type === 'reads' && msg.serverTime !== undefined && msg.receivedAt !== undefined) {
        s = { ...s, clockOffsetMs: msg.serverTime - msg.receivedAt };
      }
      // Absent keys mean "not part of this message", never "now empty": the relay sends a
      // ticks-only snapshot whenever the TUI subscribes to one more symbol.
      if (msg.agents) s = { ...s, agents: mergeAgents(s.agents, msg.agents) };
      if (msg.signals) s = { ...s, signals: mergeSignals(s.signals, msg.signals) };
      if (msg.positions) s = withBooks(s, msg.positions);
      if (msg.type === 'snapshot') s = applyTicks(s, msg.ticks);
      return s;
    }
  }
}

function mergeSignals(current: SignalView[], incoming: SignalView[]): SignalView[] {
  const byId = new Map(current.map((s) => [s.id, s]));
  for (const s of incoming) {
    const old = byId.get(s.id);
    if (!old || s.updatedAt >= old.updatedAt) byId.set(s.id, s);
  }
  return [...byId.values()].sort((a, b) => b.receivedAt - a.receivedAt || (a.id < b.id ? 1 : -1)).slice(0, MAX_SIGNALS);
}

function mergeAgents(current: AgentView[], incoming: AgentView[]): AgentView[] {
  const byId = new Map(current.map((a) => [a.id, a]));
  for (const a of incoming) {
    const old = byId.get(a.id);
    if (!old || (a.heartbeatAt ?? 0) >= (old.heartbeatAt ?? 0)) byId.set(a.id, a);
  }
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** New states replace older ones per agent (HTTP and relay can deliver the same state twice, in either order). */
function withBooks(state: TuiState, views: PositionsViewIn[]): TuiState {
  const books = new Map(state.books.map((b) => [b.agentId, b]));
  let specs = state.specs;
  let digits = state.digits;
  for (const v of views) {
    const old = books.get(v.agentId);
    const dayRealised = v.dayRealised !== undefined ? v.dayRealised : (old?.dayRealised ?? null);
    if (old && v.time < old.time) {
      if (v.dayRealised !== undefined) books.set(v.agentId, { ...old, dayRealised });
      continue;
    }
    specs = withSpecs(specs, v.symbols);
    const book = toBook(v, dayRealised, old);
    for (const p of book.positions) digits = learnDigits(digits, p.symbol, p.openPrice, p.reportedPrice);
    for (const s of (v.symbols ?? []) as Record<string, unknown>[]) {
      if (typeof s?.symbol === 'string' && Number.isInteger(s.digits)) digits = { ...digits, [s.symbol]: s.digits as number };
    }
    books.set(v.agentId, book);
  }
  const next = { ...state, specs, digits, books: [...books.values()].sort((a, b) => a.agent.localeCompare(b.agent)) };
  // A state may be older than ticks already received: re-price it at once.
  return applyTicks(next, Object.values(state.ticks));
}

function withSpecs(specs: TuiState['specs'], symbols: unknown[] | undefined): TuiState['specs'] {
  if (!symbols?.length) return specs;
  const next = { ...specs };
  for (const s of symbols as Record<string, unknown>[]) {
    if (typeof s?.symbol === 'string' && num(s.tickSize) > 0 && num(s.tickValue) > 0) {
      next[s.symbol] = { tickSize: num(s.tickSize), tickValue: num(s.tickValue) };
    }
  }
  return next;
}

function toBook(v: PositionsViewIn, dayRealised: number | null, old: Book | undefined): Book {
  const positions: LivePosition[] = [];
  for (const p of v.positions) {
    const side = p.side === 'sell' ? 'sell' : p.side === 'buy' ? 'buy' : undefined;
    if (!side || typeof p.symbol !== 'string') continue;
    const price = num(p.currentPrice);
    const profit = num(p.profit);
    positions.push({
      ticket: num(p.ticket),
      symbol: p.symbol,
      side,
      volume: num(p.volume),
      openPrice: num(p.openPrice),
      price,
      profit,
      swap: num(p.swap),
      reportedPrice: price,
      reportedProfit: profit,
      estimated: false,
      comment: typeof p.comment === 'string' ? p.comment : '',
    });
  }
  // Learned k survives a state in which every position of the symbol sits at its open price.
  const valuePerUnit: Record<string, number> = { ...(old?.valuePerUnit ?? {}) };
  for (const p of positions) {
    const move = (p.side === 'buy' ? 1 : -1) * (p.reportedPrice - p.openPrice);
    if (p.volume > 0 && p.reportedPrice > 0 && Math.abs(move) > 1e-12 && p.reportedProfit !== 0) {
      valuePerUnit[p.symbol] = p.reportedProfit / (move * p.volume);
    }
  }
  return { agentId: v.agentId, agent: v.agent, time: v.time, account: v.account, positions, valuePerUnit, dayRealised };
}

function applyTicks(state: TuiState, ticks: Tick[]): TuiState {
  if (ticks.length === 0) return state;
  const latest = { ...state.ticks };
  for (const t of ticks) {
    const old = latest[t.symbol];
    if (!old || t.time >= old.time) latest[t.symbol] = t;
  }
  let digits = state.digits;
  for (const t of ticks) digits = learnDigits(digits, t.symbol, t.bid, t.ask);
  const touched = new Set(ticks.map((t) => t.symbol));
  const books = state.books.map((b) =>
    b.positions.some((p) => touched.has(p.symbol))
      ? { ...b, positions: b.positions.map((p) => (touched.has(p.symbol) ? reprice(p, latest[p.symbol]!, kFor(state, b, p.symbol)) : p)) }
      : b,
  );
  return { ...state, ticks: latest, books, digits };
}

/** Prices arrive as JS numbers (1.085 for 1.08500): the most decimals seen so far is the best guess of the symbol's digits. */
function learnDigits(digits: TuiState['digits'], symbol: string, ...prices: number[]): TuiState['digits'] {
  const most = Math.min(6, Math.max(digits[symbol] ?? 2, ...prices.map(decimalsOf)));
  return most === digits[symbol] ? digits : { ...digits, [symbol]: most };
}

function decimalsOf(n: number): number {
  if (!(n > 0) || !Number.isFinite(n)) return 0;
  const s = String(n);
  return s.includes('e') ? 6 : (s.split('.')[1]?.length ?? 0);
}

function kFor(state: TuiState, book: Book, symbol: string): number | undefined {
  const spec = state.specs[symbol];
  if (spec) return spec.tickValue / spec.tickSize;
  return book.valuePerUnit[symbol];
}

function reprice(p: LivePosition, tick: Tick, k: number | undefined): LivePosition {
  const price = p.side === 'buy' ? tick.bid : tick.ask;
  if (!(price > 0)) return p;
  if (k === undefined) return { ...p, price };
  const dir = p.side === 'buy' ? 1 : -1;
  return { ...p, price, profit: p.reportedProfit + dir * (price - p.reportedPrice) * p.volume * k, estimated: price !== p.reportedPrice };
}

export interface AccountLine {
  currency: string;
  balance: number | null;
  /** Reported equity moved by the positions' estimated P&L change. */
  equity: number | null;
  margin: number | null;
  /** Realised since 00:00 UTC plus floating (profit + swap) now; null without the realised part. */
  dayPnl: number | null;
  floating: number;
}

export function accountLine(b: Book): AccountLine {
  const a = b.account ?? {};
  const floating = b.positions.reduce((s, p) => s + p.profit + p.swap, 0);
  const moved = b.positions.reduce((s, p) => s + (p.profit - p.reportedProfit), 0);
  const equity = typeof a.equity === 'number' ? a.equity + moved : null;
  return {
    currency: typeof a.currency === 'string' ? a.currency : '',
    balance: typeof a.balance === 'number' ? a.balance : null,
    equity,
    margin: typeof a.margin === 'number' ? a.margin : null,
    dayPnl: b.dayRealised === null ? null : b.dayRealised + floating,
    floating,
  };
}

/** Every position in display order (agent by agent), for selection by index. */
export function positionRows(state: TuiState): { book: Book; position: LivePosition }[] {
  return state.books.flatMap((book) => book.positions.map((position) => ({ book, position })));
}

/** Online when the last heartbeat, on the server's clock, is younger than three intervals (as isOnline in src/store/agents.ts). */
export function agentHealth(a: AgentView, now: number, clockOffsetMs: number): { online: boolean; ageMs: number | null } {
  if (a.heartbeatAt === null) return { online: false, ageMs: null };
  const ageMs = Math.max(0, now + clockOffsetMs - a.heartbeatAt);
  return { online: ageMs < OFFLINE_AFTER_MS, ageMs };
}
