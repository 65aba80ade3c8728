/**
 * The simulated account and trade server: positions, pending orders, deals, balance and margin.
 * Market orders fill at the ask (buy) or bid (sell) of the latest quote; SL/TP and pending orders
 * trigger from the quote stream. Netting keeps one position per symbol (adds, reduces, reverses);
 * hedging opens one position per order. The state is plain data (toJSON/load) so the terminal
 * can persist it like a broker keeps an account across terminal restarts.
 */
import type { Account, MarginMode, PendingOrder, Position } from '../bridge/protocol.js';
import type { SymbolSpec } from '../bridge/symbols.js';
import {
  lots,
  marginFor,
  money,
  pendingPriceRefusal,
  profitFor,
  stopsRefusal,
  tradeModeRefusal,
  triggers,
  volumeRefusal,
  type PendingType,
  type Refusal,
  type Side,
} from './checks.js';
import type { Quote } from './prices.js';

export interface PaperPosition {
  ticket: number;
  symbol: string;
  side: Side;
  volume: number;
  openPrice: number;
  sl: number;
  tp: number;
  comment: string;
  magic: number;
  openTime: number;
}

export interface PaperOrder {
  ticket: number;
  symbol: string;
  type: PendingType;
  volume: number;
  price: number;
  sl: number;
  tp: number;
  comment: string;
  magic: number;
  setupTime: number;
  expiration: number;
}

export interface PaperDeal {
  ticket: number;
  order: number;
  position: number;
  symbol: string;
  side: Side;
  volume: number;
  price: number;
  entry: 'in' | 'out' | 'inout';
  profit: number;
  comment: string;
  magic: number;
  time: number;
  reason: 'expert' | 'sl' | 'tp';
}

/** Orders that left the book: filled, canceled, expired, or rejected at activation. */
export interface HistoryOrder extends PaperOrder {
  state: 'filled' | 'canceled' | 'expired' | 'rejected';
  doneTime: number;
}

export interface SavedAccount {
  v: 1;
  marginMode: MarginMode;
  balance: number;
  nextOrder: number;
  nextDeal: number;
  positions: PaperPosition[];
  orders: PaperOrder[];
  deals: PaperDeal[];
  historyOrders: HistoryOrder[];
}

/** What the server answered to one request. retcode 10009 DONE / 10008 PLACED, or a refusal. */
export interface Reply {
  retcode: number;
  detail?: string;
  order: number;
  deal: number;
  /** Position ticket (or pending order ticket). */
  ticket: number;
  price: number;
  volume: number;
}

/** Something the price stream did: the terminal logs it and rewrites state.json. */
export interface EngineEvent {
  kind: 'sl' | 'tp' | 'filled' | 'expired' | 'rejected';
  symbol: string;
  ticket: number;
  price: number;
  detail?: string;
}

export interface EngineOptions {
  specs: SymbolSpec[];
  marginMode: 'hedging' | 'netting';
  balance: number;
  currency: string;
  leverage: number;
  login: number;
  server: string;
  /** Whether the market of a symbol is open now (sessions, test switches). */
  isOpen?: (symbol: string, now: number) => boolean;
}

/**
 * Deals and history orders kept: the window of the tag search (older jobs are answered from the
 * job memory). account.json is rewritten on every trade, so this also bounds that write (~0.5 MB).
 */
const HISTORY_MAX = 2000;
const refused = (r: Refusal): Reply => ({ ...r, order: 0, deal: 0, ticket: 0, price: 0, volume: 0 });

export class PaperEngine {
  readonly specs = new Map<string, SymbolSpec>();
  readonly quotes = new Map<string, Quote>();
  private s: SavedAccount;

  constructor(private readonly opts: EngineOptions) {
    for (const spec of opts.specs) this.specs.set(spec.symbol, spec);
    this.s = {
      v: 1,
      marginMode: opts.marginMode,
      balance: opts.balance,
      // Realistic-looking tickets; orders and deals count separately, as in MT5.
      nextOrder: 5_000_000_001,
      nextDeal: 4_000_000_001,
      positions: [],
      orders: [],
      deals: [],
      historyOrders: [],
    };
  }

  get marginMode(): 'hedging' | 'netting' {
    return this.s.marginMode as 'hedging' | 'netting';
  }

  /** Restores a saved account; its margin mode must match this terminal's. */
  load(saved: SavedAccount): void {
    if (saved.marginMode !== this.opts.marginMode) {
      throw new Error(`the saved paper account is ${saved.marginMode}, not ${this.opts.marginMode}`);
    }
    this.s = saved;
  }

  toJSON(): SavedAccount {
    return this.s;
  }

  positions(): readonly PaperPosition[] {
    return this.s.positions;
  }
  orders(): readonly PaperOrder[] {
    return this.s.orders;
  }
  deals(): readonly PaperDeal[] {
    return this.s.deals;
  }
  historyOrders(): readonly HistoryOrder[] {
    return this.s.historyOrders;
  }

  account(tradeAllowed: boolean): Account {
    const profit = money(this.s.positions.reduce((sum, p) => sum + this.floating(p), 0));
    const equity = money(this.s.balance + profit);
    const margin = money(this.totalMargin(this.s.positions));
    return {
      login: this.opts.login,
      server: this.opts.server,
      name: 'dcap paper',
      company: 'dcap',
      currency: this.opts.currency,
      leverage: this.opts.leverage,
      marginMode: this.marginMode,
      balance: money(this.s.balance),
      equity,
      margin,
      freeMargin: money(equity - margin),
      marginLevel: margin > 0 ? money((equity / margin) * 100) : 0,
      profit,
      tradeAllowed,
      tradeExpert: true,
    };
  }

  positionViews(): Position[] {
    return this.s.positions.map((p) => ({
      ticket: p.ticket,
      symbol: p.symbol,
      side: p.side,
      volume: p.volume,
      openPrice: p.openPrice,
      currentPrice: this.closePrice(p.symbol, p.side),
      sl: p.sl,
      tp: p.tp,
      profit: money(this.floating(p)),
      swap: 0,
      comment: p.comment,
      magic: p.magic,
      openTime: p.openTime,
    }));
  }

  orderViews(): PendingOrder[] {
    return this.s.orders.map((o) => ({
      ticket: o.ticket,
      symbol: o.symbol,
      type: o.type,
      side: o.type.startsWith('buy') ? 'buy' : 'sell',
      volume: o.volume,
      volumeInitial: o.volume,
      price: o.price,
      stopLimit: 0,
      sl: o.sl,
      tp: o.tp,
      comment: o.comment,
      magic: o.magic,
      setupTime: o.setupTime,
      expiration: o.expiration,
    }));
  }

  /** Checks common to every request on a symbol: quotes, session, trade mode. */
  marketRefusal(symbol: string, now: number, opening: Side | null): Refusal | null {
    const spec = this.specs.get(symbol)!;
    if (!this.quotes.has(symbol)) return { retcode: 10021, detail: `No quotes for ${symbol} yet` };
    if (this.opts.isOpen && !this.opts.isOpen(symbol, now)) return { retcode: 10018, detail: `Market closed for ${symbol}` };
    return tradeModeRefusal(spec, opening);
  }

  market(req: { symbol: string; side: Side; volume: number; sl: number; tp: number; comment: string; magic: number }, now: number): Reply {
    const spec = this.specs.get(req.symbol)!;
    const refusal =
      this.marketRefusal(req.symbol, now, this.opensOn(req.symbol, req.side, req.volume)) ??
      volumeRefusal(spec, req.volume) ??
      stopsRefusal(spec, req.side, this.closePrice(req.symbol, req.side), req.sl, req.tp);
    if (refusal) return refused(refusal);
    const price = this.openPrice(req.symbol, req.side);
    const noMoney = this.marginRefusal(req.symbol, req.side, req.volume, price);
    if (noMoney) return refused(noMoney);
    const order = this.s.nextOrder++;
    return this.fill(order, { ...req, price }, now, 'expert');
  }

  pending(
    req: { symbol: string; type: PendingType; volume: number; price: number; sl: number; tp: number; comment: string; magic: number; expiration: number },
    now: number,
  ): Reply {
    const spec = this.specs.get(req.symbol)!;
    const side: Side = req.type.startsWith('buy') ? 'buy' : 'sell';
    const refusal =
      this.marketRefusal(req.symbol, now, this.opensOn(req.symbol, side, req.volume)) ??
      volumeRefusal(spec, req.volume) ??
      this.pendingPriceRefusal(req) ??
      stopsRefusal(spec, side, req.price, req.sl, req.tp);
    if (refusal) return refused(refusal);
    if (req.expiration > 0 && req.expiration <= now) return refused({ retcode: 10022, detail: `Invalid expiration: ${new Date(req.expiration).toISOString()} has passed` });
    const ticket = this.s.nextOrder++;
    this.s.orders.push({ ...req, ticket, setupTime: now });
    return { retcode: 10008, order: ticket, deal: 0, ticket, price: req.price, volume: req.volume };
  }

  close(ticket: number, volume: number, comment: string, now: number): Reply {
    const p = this.s.positions.find((x) => x.ticket === ticket);
    if (!p) return refused({ retcode: 10036, detail: `Position #${ticket} is already closed` });
    const spec = this.specs.get(p.symbol)!;
    const refusal = this.marketRefusal(p.symbol, now, null) ?? volumeRefusal(spec, volume);
    if (refusal) return refused(refusal);
    if (volume > p.volume + 1e-9) return refused({ retcode: 10038, detail: `Close volume ${volume} exceeds the position's ${p.volume}` });
    const order = this.s.nextOrder++;
    return this.reduce(p, order, volume, this.closePrice(p.symbol, p.side), comment, p.magic, now, 'expert');
  }

  modifyPosition(ticket: number, sl: number, tp: number, now: number): Reply {
    const p = this.s.positions.find((x) => x.ticket === ticket);
    if (!p) return refused({ retcode: 10036, detail: `Position #${ticket} is already closed` });
    const base = { order: 0, deal: 0, ticket, price: p.openPrice, volume: p.volume };
    if (p.sl === sl && p.tp === tp) return { ...base, retcode: 10025 };
    const refusal = this.marketRefusal(p.symbol, now, null) ?? stopsRefusal(this.specs.get(p.symbol)!, p.side, this.closePrice(p.symbol, p.side), sl, tp);
    if (refusal) return refused(refusal);
    p.sl = sl;
    p.tp = tp;
    return { ...base, retcode: 10009 };
  }

  modifyOrder(ticket: number, price: number, sl: number, tp: number, now: number): Reply {
    const o = this.s.orders.find((x) => x.ticket === ticket);
    if (!o) return refused({ retcode: 10013, detail: `Order #${ticket} is not pending` });
    const base = { order: ticket, deal: 0, ticket, price, volume: o.volume };
    if (o.price === price && o.sl === sl && o.tp === tp) return { ...base, retcode: 10025 };
    const side: Side = o.type.startsWith('buy') ? 'buy' : 'sell';
    const next = { ...o, price, sl, tp };
    const refusal = this.marketRefusal(o.symbol, now, null) ?? this.pendingPriceRefusal(next) ?? stopsRefusal(this.specs.get(o.symbol)!, side, price, sl, tp);
    if (refusal) return refused(refusal);
    Object.assign(o, { price, sl, tp });
    return { ...base, retcode: 10009 };
  }

  cancel(ticket: number, now: number, state: HistoryOrder['state'] = 'canceled'): Reply {
    const i = this.s.orders.findIndex((x) => x.ticket === ticket);
    if (i < 0) return refused({ retcode: 10013, detail: `Order #${ticket} is not pending` });
    const o = this.s.orders[i]!;
    if (state === 'canceled') {
      const refusal = this.marketRefusal(o.symbol, now, null);
      if (refusal) return refused(refusal);
    }
    this.s.orders.splice(i, 1);
    this.archive(o, state, now);
    return { retcode: 10009, order: ticket, deal: 0, ticket, price: o.price, volume: o.volume };
  }

  /** Takes new quotes, then expires/triggers pending orders and hits SL/TP on those symbols. */
  onQuotes(quotes: Quote[], now: number): EngineEvent[] {
    const events: EngineEvent[] = [];
    for (const q of quotes) {
      if (!this.specs.has(q.symbol)) continue;
      this.quotes.set(q.symbol, q);
      for (const o of this.s.orders.filter((x) => x.symbol === q.symbol)) {
        if (o.expiration > 0 && now >= o.expiration) {
          this.cancel(o.ticket, now, 'expired');
          events.push({ kind: 'expired', symbol: o.symbol, ticket: o.ticket, price: o.price });
        } else if (triggers(o.type, o.price, q.bid, q.ask)) {
          events.push(this.activate(o, now));
        }
      }
      for (const p of this.s.positions.filter((x) => x.symbol === q.symbol)) {
        const px = this.closePrice(p.symbol, p.side);
        const dir = p.side === 'buy' ? 1 : -1;
        const hit: 'sl' | 'tp' | null = p.sl > 0 && dir * (px - p.sl) <= 1e-9 ? 'sl' : p.tp > 0 && dir * (px - p.tp) >= -1e-9 ? 'tp' : null;
        if (!hit) continue;
        const level = hit === 'sl' ? p.sl : p.tp;
        const spec = this.specs.get(p.symbol)!;
        // MT5 writes the triggering level into the closing deal's comment: "[sl 1.08000]".
        this.reduce(p, this.s.nextOrder++, p.volume, px, `[${hit} ${level.toFixed(spec.digits)}]`, p.magic, now, hit);
        events.push({ kind: hit, symbol: p.symbol, ticket: p.ticket, price: px });
      }
    }
    return events;
  }

  private activate(o: PaperOrder, now: number): EngineEvent {
    const side: Side = o.type.startsWith('buy') ? 'buy' : 'sell';
    const price = this.openPrice(o.symbol, side);
    this.s.orders = this.s.orders.filter((x) => x.ticket !== o.ticket);
    const refusal = this.marginRefusal(o.symbol, side, o.volume, price) ?? tradeModeRefusal(this.specs.get(o.symbol)!, this.opensOn(o.symbol, side, o.volume));
    if (refusal) {
      this.archive(o, 'rejected', now);
      return { kind: 'rejected', symbol: o.symbol, ticket: o.ticket, price, detail: refusal.detail };
    }
    this.archive(o, 'filled', now);
    this.fill(o.ticket, { symbol: o.symbol, side, volume: o.volume, price, sl: o.sl, tp: o.tp, comment: o.comment, magic: o.magic }, now, 'expert');
    return { kind: 'filled', symbol: o.symbol, ticket: o.ticket, price };
  }

  /** Executes an order at `price`: a new position, or (netting) into the symbol's position. */
  private fill(
    order: number,
    r: { symbol: string; side: Side; volume: number; price: number; sl: number; tp: number; comment: string; magic: number },
    now: number,
    reason: PaperDeal['reason'],
  ): Reply {
    const existing = this.marginMode === 'netting' ? this.s.positions.find((p) => p.symbol === r.symbol) : undefined;
    if (existing && existing.side !== r.side) {
      const closing = Math.min(existing.volume, r.volume);
      const rest = lots(r.volume - closing);
      if (rest <= 0) return this.reduce(existing, order, closing, r.price, r.comment, r.magic, now, reason);
      // A reversal: one "inout" deal closes the position and opens the rest the other way.
      const profit = profitFor(this.specs.get(r.symbol)!, existing.side, closing, existing.openPrice, r.price);
      this.s.balance += money(profit);
      Object.assign(existing, { side: r.side, volume: rest, openPrice: r.price, sl: r.sl, tp: r.tp });
      const deal = this.addDeal({ order, position: existing.ticket, ...r, entry: 'inout', profit: money(profit), time: now, reason });
      return { retcode: 10009, order, deal, ticket: existing.ticket, price: r.price, volume: r.volume };
    }
    if (existing) {
      const volume = lots(existing.volume + r.volume);
      const spec = this.specs.get(r.symbol)!;
      existing.openPrice = Number(((existing.openPrice * existing.volume + r.price * r.volume) / volume).toFixed(spec.digits + 3));
      existing.volume = volume;
      if (r.sl > 0) existing.sl = r.sl;
      if (r.tp > 0) existing.tp = r.tp;
      const deal = this.addDeal({ order, position: existing.ticket, ...r, entry: 'in', profit: 0, time: now, reason });
      return { retcode: 10009, order, deal, ticket: existing.ticket, price: r.price, volume: r.volume };
    }
    // MT5 gives a new position the ticket of the order that opened it.
    this.s.positions.push({ ticket: order, symbol: r.symbol, side: r.side, volume: r.volume, openPrice: r.price, sl: r.sl, tp: r.tp, comment: r.comment, magic: r.magic, openTime: now });
    const deal = this.addDeal({ order, position: order, ...r, entry: 'in', profit: 0, time: now, reason });
    return { retcode: 10009, order, deal, ticket: order, price: r.price, volume: r.volume };
  }

  /** Closes `volume` lots of a position at `price` and books the profit. */
  private reduce(p: PaperPosition, order: number, volume: number, price: number, comment: string, magic: number, now: number, reason: PaperDeal['reason']): Reply {
    const profit = money(profitFor(this.specs.get(p.symbol)!, p.side, volume, p.openPrice, price));
    this.s.balance += profit;
    p.volume = lots(p.volume - volume);
    if (p.volume <= 0) this.s.positions = this.s.positions.filter((x) => x !== p);
    const side: Side = p.side === 'buy' ? 'sell' : 'buy';
    const deal = this.addDeal({ order, position: p.ticket, symbol: p.symbol, side, volume, price, entry: 'out', profit, comment, magic, time: now, reason });
    return { retcode: 10009, order, deal, ticket: p.ticket, price, volume };
  }

  private addDeal(d: Omit<PaperDeal, 'ticket'> & { sl?: number; tp?: number }): number {
    const ticket = this.s.nextDeal++;
    const { sl: _sl, tp: _tp, ...deal } = d;
    this.s.deals.push({ ...deal, ticket });
    if (this.s.deals.length > HISTORY_MAX) this.s.deals.splice(0, this.s.deals.length - HISTORY_MAX);
    return ticket;
  }

  private archive(o: PaperOrder, state: HistoryOrder['state'], now: number): void {
    this.s.historyOrders.push({ ...o, state, doneTime: now });
    if (this.s.historyOrders.length > HISTORY_MAX) this.s.historyOrders.splice(0, this.s.historyOrders.length - HISTORY_MAX);
  }

  private pendingPriceRefusal(o: { symbol: string; type: PendingType; price: number }): Refusal | null {
    const q = this.quotes.get(o.symbol)!;
    return pendingPriceRefusal(this.specs.get(o.symbol)!, o.type, q.bid, q.ask, o.price);
  }

  /** The side a request would open (null when it only reduces a netting position). */
  private opensOn(symbol: string, side: Side, volume: number): Side | null {
    if (this.marginMode !== 'netting') return side;
    const p = this.s.positions.find((x) => x.symbol === symbol);
    return p && p.side !== side && p.volume >= volume - 1e-9 ? null : side;
  }

  private marginRefusal(symbol: string, side: Side, volume: number, price: number): Refusal | null {
    const spec = this.specs.get(symbol)!;
    const before = this.totalMargin(this.s.positions);
    let after: number;
    if (this.marginMode === 'netting') {
      const p = this.s.positions.find((x) => x.symbol === symbol);
      const signed = (p ? (p.side === 'buy' ? p.volume : -p.volume) : 0) + (side === 'buy' ? volume : -volume);
      const others = this.s.positions.filter((x) => x !== p);
      after = this.totalMargin(others) + marginFor(spec, Math.abs(signed), price, this.opts.leverage);
    } else {
      after = before + marginFor(spec, volume, price, this.opts.leverage);
    }
    const needed = after - before;
    const free = this.account(true).freeMargin;
    if (needed <= 0 || needed <= free + 1e-9) return null;
    const cur = this.opts.currency;
    return { retcode: 10019, detail: `No money (free margin ${free.toFixed(2)} ${cur}, needed ${needed.toFixed(2)} ${cur} for ${volume} lots)` };
  }

  private totalMargin(positions: readonly PaperPosition[]): number {
    return positions.reduce((sum, p) => sum + marginFor(this.specs.get(p.symbol)!, p.volume, p.openPrice, this.opts.leverage), 0);
  }

  private floating(p: PaperPosition): number {
    return profitFor(this.specs.get(p.symbol)!, p.side, p.volume, p.openPrice, this.closePrice(p.symbol, p.side));
  }

  /** Buys open at the ask; sells at the bid. */
  openPrice(symbol: string, side: Side): number {
    const q = this.quotes.get(symbol);
    return q ? (side === 'buy' ? q.ask : q.bid) : 0;
  }

  /** A buy position closes at the bid; a sell at the ask. */
  closePrice(symbol: string, side: Side): number {
    const q = this.quotes.get(symbol);
    return q ? (side === 'buy' ? q.bid : q.ask) : 0;
  }
}
