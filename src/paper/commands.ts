/**
 * Executes one bridge command against the paper engine the way DcapBridge.mq5 does: sizes and
 * normalises with rules.ts, tags every order with orderComment(jobId), sends one request per
 * position or order, and answers a protocol Result (retcodes by number and name).
 */
import {
  BRIDGE_VERSION,
  PROTOCOL_VERSION,
  orderComment,
  type CancelCommand,
  type CloseCommand,
  type Command,
  type ModifyCommand,
  type Result,
  type ResultItem,
  type SubscribeCommand,
  type TradeCommand,
} from '../bridge/protocol.js';
import { RETCODES, retcodeName } from '../bridge/retcodes.js';
import { levelsFromPips, normalisePrice, normaliseVolume, riskVolume } from '../bridge/rules.js';
import type { SymbolSpec } from '../bridge/symbols.js';
import { lots, type PendingType, type Side } from './checks.js';
import type { PaperCharts } from './charts.js';
import type { PaperEngine, Reply } from './engine.js';

export interface ExecEnv {
  engine: PaperEngine;
  now: number;
  /** The EA's Magic input: orders without a magic get it; close/modify/cancel filter by it. */
  magic: number;
  connected: boolean;
  /** AutoTrading on (and the EA allowed to trade). */
  tradeAllowed: boolean;
  subscribe(symbols: string[]): void;
  /** Deployed EAs' charts (charts.ts); absent: deploy/run/stop are not supported. */
  charts?: PaperCharts;
}

interface Head {
  jobId: string;
  seq: number;
  type?: Result['type'];
}

/** The error text of a retcode: "10019 NO_MONEY: No money (...)" for MT5 codes, the bare detail for dcap's. */
export function errorText(retcode: number, detail?: string): string {
  const text = detail ?? RETCODES[retcode]?.meaning ?? 'unknown result';
  return retcode >= 20000 ? text : `${retcode} ${retcodeName(retcode)}: ${text}`;
}

/** A Result with every required field; ok and error follow from the retcode. */
export function makeResult(head: Head, now: number, retcode: number, fields: Partial<Result> & { detail?: string } = {}): Result {
  const { detail, ...rest } = fields;
  const ok = RETCODES[retcode]?.ok ?? false;
  return {
    v: PROTOCOL_VERSION,
    jobId: head.jobId,
    seq: head.seq,
    ...(head.type ? { type: head.type } : {}),
    ok,
    retcode,
    retcodeText: retcodeName(retcode),
    order: 0,
    deal: 0,
    ticket: 0,
    price: 0,
    volume: 0,
    comment: '',
    source: 'executed',
    time: now,
    ...rest,
    error: ok ? null : errorText(retcode, detail),
  };
}

export function executeCommand(cmd: Command, env: ExecEnv): Result {
  switch (cmd.type) {
    case 'trade':
      return trade(cmd, env);
    case 'close':
      return close(cmd, env);
    case 'modify':
      return modify(cmd, env);
    case 'cancel':
      return cancel(cmd, env);
    case 'subscribe':
      return subscribe(cmd, env);
    case 'deploy':
    case 'run':
      if (env.charts) return env.charts.attach(cmd, env.now, (s) => env.engine.specs.has(s));
      break;
    case 'stop':
      if (env.charts) return env.charts.stop(cmd, env.now);
      break;
  }
  switch (cmd.type) {
    default:
      return makeResult(cmd, env.now, 20006, { detail: `command type ${cmd.type} is not supported by DcapBridge ${BRIDGE_VERSION} (paper)` });
  }
}

/** Refusal before any request: unknown symbol, no connection, AutoTrading off. */
function gate(head: Head, env: ExecEnv, symbol: string | undefined, extra: Partial<Result> = {}): Result | null {
  if (symbol !== undefined && !env.engine.specs.has(symbol)) {
    return makeResult(head, env.now, 20002, { ...extra, detail: `the terminal has no symbol "${symbol}"` });
  }
  if (!env.connected) return makeResult(head, env.now, 10031, { ...extra, detail: 'No connection with the trade server' });
  if (!env.tradeAllowed) return makeResult(head, env.now, 10027, { ...extra, detail: 'AutoTrading is disabled in the terminal' });
  return null;
}

function trade(cmd: TradeCommand, env: ExecEnv): Result {
  const side: Side = cmd.action.startsWith('buy') ? 'buy' : 'sell';
  const comment = orderComment(cmd.jobId, cmd.comment);
  const extra = { symbol: cmd.symbol, side, comment };
  const refused = gate(cmd, env, cmd.symbol, extra);
  if (refused) return refused;
  const { engine } = env;
  const spec = engine.specs.get(cmd.symbol)!;
  const pending = cmd.action !== 'buy' && cmd.action !== 'sell';
  const market = engine.openPrice(cmd.symbol, side);
  if (!pending && market === 0) return makeResult(cmd, env.now, 10021, { ...extra, detail: `No quotes for ${cmd.symbol} yet` });
  const entry = pending ? normalisePrice(spec, cmd.price!) : market;
  const { sl, tp } = levelsFromPips(spec, side, entry, cmd);

  const sized =
    cmd.volume !== undefined
      ? normaliseVolume(spec, cmd.volume)
      : sl > 0
        ? riskVolume(spec, engine.account(true).equity, cmd.riskPct!, entry, sl)
        : ({ ok: false, reason: 'risk sizing needs a stop loss' } as const);
  if (!sized.ok) return makeResult(cmd, env.now, 10014, { ...extra, detail: `Invalid volume: ${sized.reason}` });
  const warnings = sized.clamped ? [`volume ${cmd.volume ?? 'from riskPct'} was cut to the maximum ${sized.volume} of ${cmd.symbol}`] : [];
  if (cmd.maxVolume !== undefined && sized.volume > cmd.maxVolume) {
    // The strategy's max lots, which the risk gate could not check for a risk-sized order.
    const capped = normaliseVolume(spec, cmd.maxVolume);
    if (!capped.ok) return makeResult(cmd, env.now, 10014, { ...extra, detail: `Invalid volume: maxVolume ${cmd.maxVolume}: ${capped.reason}` });
    warnings.push(`volume ${sized.volume} was cut to the strategy's maximum ${capped.volume}`);
    sized.volume = capped.volume;
  }

  const magic = cmd.magic ?? env.magic;
  const reply = pending
    ? engine.pending({ symbol: cmd.symbol, type: cmd.action as PendingType, volume: sized.volume, price: entry, sl, tp, comment, magic, expiration: cmd.expiration ?? 0 }, env.now)
    : engine.market({ symbol: cmd.symbol, side, volume: sized.volume, sl, tp, comment, magic }, env.now);
  return fromReply(cmd, env.now, reply, { ...extra, ...(warnings.length ? { warnings } : {}) });
}

function fromReply(head: Head, now: number, reply: Reply, extra: Partial<Result>): Result {
  const ok = RETCODES[reply.retcode]?.ok ?? false;
  const fields = ok ? { order: reply.order, deal: reply.deal, ticket: reply.ticket, price: reply.price, volume: reply.volume } : {};
  return makeResult(head, now, reply.retcode, { ...extra, ...fields, detail: reply.detail });
}

function item(ticket: number, reply: Reply): ResultItem {
  const ok = RETCODES[reply.retcode]?.ok ?? false;
  return {
    ticket,
    order: ok ? reply.order : 0,
    deal: ok ? reply.deal : 0,
    ok,
    retcode: reply.retcode,
    retcodeText: retcodeName(reply.retcode),
    price: ok ? reply.price : 0,
    volume: ok && reply.deal !== 0 ? reply.volume : 0,
    error: ok ? null : errorText(reply.retcode, reply.detail),
  };
}

/**
 * One Result for several requests: ok when all were; else the first failure's retcode, with the
 * fills that did happen still reported (volume-weighted price, total volume).
 */
export function aggregate(head: Head, now: number, items: ResultItem[], what: { noun: string; verb: string; symbols: Map<number, string> }, extra: Partial<Result>): Result {
  if (items.length === 0) return makeResult(head, now, 20004, { ...extra, items, detail: `no ${what.noun} matched` });
  const failed = items.filter((i) => !i.ok);
  const done = items.filter((i) => i.ok && i.retcode !== 10025);
  const volume = lots(done.reduce((s, i) => s + i.volume, 0));
  const price = volume > 0 ? done.reduce((s, i) => s + i.price * i.volume, 0) / volume : 0;
  const first = done[0];
  const retcode = failed[0]?.retcode ?? (done.length === 0 ? 10025 : 10009);
  const detail =
    items.length === 1
      ? undefined
      : `${failed.length} of ${items.length} ${what.noun} not ${what.verb}: ${failed.map((f) => `${what.symbols.get(f.ticket) ?? '?'} #${f.ticket}: ${f.retcode} ${f.retcodeText}`).join('; ')}`;
  const result = makeResult(head, now, retcode, {
    ...extra,
    order: first?.order ?? 0,
    deal: first?.deal ?? 0,
    ticket: items.length === 1 ? items[0]!.ticket : 0,
    price: Number(price.toFixed(8)),
    volume,
    items,
  });
  if (!result.ok) result.error = items.length === 1 ? items[0]!.error : `${detail}`;
  return result;
}

function close(cmd: CloseCommand, env: ExecEnv): Result {
  const { engine } = env;
  const comment = orderComment(cmd.jobId, cmd.comment);
  const extra: Partial<Result> = { comment, ...(cmd.symbol ? { symbol: cmd.symbol } : {}) };
  if (cmd.symbol !== undefined && !engine.specs.has(cmd.symbol)) return gate(cmd, env, cmd.symbol, extra)!;
  const magic = cmd.magic ?? env.magic;
  const side = cmd.action === 'close_long' ? 'buy' : cmd.action === 'close_short' ? 'sell' : undefined;
  let targets = engine.positions().filter((p) =>
    cmd.ticket !== undefined ? p.ticket === cmd.ticket : (cmd.symbol === undefined || p.symbol === cmd.symbol) && (side === undefined || p.side === side) && p.magic === magic,
  );
  if (cmd.ticket !== undefined && targets.length === 0) return makeResult(cmd, env.now, 20005, { ...extra, detail: `no open position #${cmd.ticket}` });
  if (targets.length === 0) return aggregate(cmd, env.now, [], { noun: 'positions', verb: 'closed', symbols: new Map() }, extra);
  const refused = gate(cmd, env, undefined, extra);
  if (refused) return refused;
  // Oldest first, so a partial close by volume takes from the oldest position (FIFO-friendly).
  targets = [...targets].sort((a, b) => a.openTime - b.openTime || a.ticket - b.ticket);
  const symbols = new Map(targets.map((p) => [p.ticket, p.symbol]));
  if (cmd.volume !== undefined && targets.length > 0) {
    const check = normaliseVolume(engine.specs.get(targets[0]!.symbol)!, cmd.volume);
    if (!check.ok) return makeResult(cmd, env.now, 10014, { ...extra, detail: `Invalid volume: ${check.reason}` });
  }
  let remaining = cmd.volume;
  const items: ResultItem[] = [];
  for (const p of targets) {
    if (remaining !== undefined && remaining <= 0) break;
    let volume = p.volume;
    if (remaining !== undefined && remaining < p.volume) {
      const check = normaliseVolume(engine.specs.get(p.symbol)!, remaining);
      if (!check.ok) break; // what is left is less than this symbol's minimum: nothing more to close
      volume = check.volume;
    }
    if (remaining !== undefined) remaining = lots(remaining - volume);
    items.push(item(p.ticket, engine.close(p.ticket, volume, comment, env.now)));
  }
  return aggregate(cmd, env.now, items, { noun: 'positions', verb: 'closed', symbols }, extra);
}

/** A new level: absent keeps the current one, 0 removes it, pips count from `from`. */
function level(spec: SymbolSpec, side: Side, from: number, current: number, abs: number | undefined, pips: number | undefined, kind: 'sl' | 'tp'): number {
  if (abs !== undefined) return abs > 0 ? normalisePrice(spec, abs) : 0;
  if (pips === undefined) return current;
  return levelsFromPips(spec, side, from, kind === 'sl' ? { slPips: pips } : { tpPips: pips })[kind];
}

function modify(cmd: ModifyCommand, env: ExecEnv): Result {
  const { engine } = env;
  const extra: Partial<Result> = cmd.symbol ? { symbol: cmd.symbol } : {};
  if (cmd.symbol !== undefined && !engine.specs.has(cmd.symbol)) return gate(cmd, env, cmd.symbol, extra)!;
  const magic = cmd.magic ?? env.magic;
  const positions = engine.positions().filter((p) =>
    cmd.ticket !== undefined ? p.ticket === cmd.ticket : p.symbol === cmd.symbol && (cmd.side === undefined || p.side === cmd.side) && p.magic === magic,
  );
  const orders = cmd.ticket !== undefined ? engine.orders().filter((o) => o.ticket === cmd.ticket) : [];
  if (cmd.ticket !== undefined && positions.length + orders.length === 0) {
    return makeResult(cmd, env.now, 20005, { ...extra, detail: `no open position or pending order #${cmd.ticket}` });
  }
  const what = { noun: 'positions', verb: 'modified', symbols: new Map([...positions, ...orders].map((x) => [x.ticket, x.symbol])) };
  if (positions.length + orders.length === 0) return aggregate(cmd, env.now, [], what, extra);
  const refused = gate(cmd, env, undefined, extra);
  if (refused) return refused;
  const items: ResultItem[] = [];
  for (const p of [...positions]) {
    const spec = engine.specs.get(p.symbol)!;
    const sl = level(spec, p.side, p.openPrice, p.sl, cmd.sl, cmd.slPips, 'sl');
    const tp = level(spec, p.side, p.openPrice, p.tp, cmd.tp, cmd.tpPips, 'tp');
    items.push(item(p.ticket, engine.modifyPosition(p.ticket, sl, tp, env.now)));
  }
  for (const o of [...orders]) {
    const spec = engine.specs.get(o.symbol)!;
    const side: Side = o.type.startsWith('buy') ? 'buy' : 'sell';
    const price = cmd.price !== undefined ? normalisePrice(spec, cmd.price) : o.price;
    const sl = level(spec, side, price, o.sl, cmd.sl, cmd.slPips, 'sl');
    const tp = level(spec, side, price, o.tp, cmd.tp, cmd.tpPips, 'tp');
    items.push(item(o.ticket, engine.modifyOrder(o.ticket, price, sl, tp, env.now)));
  }
  const warnings = cmd.price !== undefined && orders.length === 0 ? ['price applies to pending orders only; it was ignored'] : undefined;
  return aggregate(cmd, env.now, items, what, { ...extra, ...(warnings ? { warnings } : {}) });
}

function cancel(cmd: CancelCommand, env: ExecEnv): Result {
  const { engine } = env;
  const extra: Partial<Result> = cmd.symbol ? { symbol: cmd.symbol } : {};
  if (cmd.symbol !== undefined && !engine.specs.has(cmd.symbol)) return gate(cmd, env, cmd.symbol, extra)!;
  const magic = cmd.magic ?? env.magic;
  const orders = engine.orders().filter((o) =>
    cmd.ticket !== undefined
      ? o.ticket === cmd.ticket
      : (cmd.symbol === undefined || o.symbol === cmd.symbol) && (cmd.side === undefined || o.type.startsWith(cmd.side)) && o.magic === magic,
  );
  if (cmd.ticket !== undefined && orders.length === 0) return makeResult(cmd, env.now, 20005, { ...extra, detail: `no pending order #${cmd.ticket}` });
  const what = { noun: 'orders', verb: 'canceled', symbols: new Map(orders.map((o) => [o.ticket, o.symbol])) };
  if (orders.length === 0) return aggregate(cmd, env.now, [], what, extra);
  const refused = gate(cmd, env, undefined, extra);
  if (refused) return refused;
  const items = [...orders].map((o) => item(o.ticket, engine.cancel(o.ticket, env.now)));
  return aggregate(cmd, env.now, items, what, extra);
}

function subscribe(cmd: SubscribeCommand, env: ExecEnv): Result {
  const unknown = cmd.symbols.filter((s) => !env.engine.specs.has(s));
  if (unknown.length > 0) {
    // Nothing changes: a half-applied subscription would hide the typo behind missing ticks.
    return makeResult(cmd, env.now, 20002, { detail: `the terminal has no symbol ${unknown.map((s) => `"${s}"`).join(', ')}; the subscription is unchanged` });
  }
  const symbols = [...new Set(cmd.symbols)];
  env.subscribe(symbols);
  return makeResult(cmd, env.now, 0, { symbols: symbols.map((s) => env.engine.specs.get(s)!) });
}
