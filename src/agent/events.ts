/**
 * Trade events (docs/agent-api.md) derived from bridge results and state changes. Pure. Ids are
 * stable (deal, position ticket), so an event derived twice, from a result and from state.json,
 * or re-sent after a restart, is recognised by the server as a duplicate.
 */
import type { Position, Result } from '../bridge/protocol.js';

export interface TradeEvent {
  id: string;
  kind: 'fill' | 'close' | 'sl' | 'tp';
  time: number;
  jobId?: string;
  signalId?: string | null;
  symbol?: string;
  side?: string;
  volume?: number;
  price?: number;
  profit?: number;
  ticket?: number;
  /** The position's order comment: its dcap:<tag> names the job, hence the strategy, that opened it. */
  comment?: string;
}

/**
 * A close of `volume` lots of position `ticket`: its realised P&L estimated from the position's
 * last reported floating profit and swap (pro rata for a partial close), and its comment, so the
 * server can count the loss against the strategy that opened it (daily loss limit). The result
 * file carries no profit; the terminal's deal history would be exact (docs/agent.md).
 */
function closedPart(ticket: number, volume: number, before: readonly Position[]): Pick<TradeEvent, 'profit' | 'comment'> {
  const p = before.find((x) => x.ticket === ticket);
  if (!p) return {};
  const share = p.volume > 0 ? Math.min(1, volume / p.volume) : 1;
  return { profit: Math.round((p.profit + p.swap) * share * 100) / 100, comment: p.comment };
}

/** Fills of a trade job, and position closes of a close job (`before`: positions last reported). */
export function eventsFromResult(r: Result, signalId: string | null, before: readonly Position[] = []): TradeEvent[] {
  if (r.source !== 'executed') return [];
  const base = { time: r.time, jobId: r.jobId, signalId, symbol: r.symbol, side: r.side };
  if (r.type === 'trade' && r.ok && r.deal > 0 && r.volume > 0) {
    return [{ ...base, id: `fill:${r.deal}`, kind: 'fill', volume: r.volume, price: r.price, ticket: r.ticket }];
  }
  if (r.type === 'close' && r.items) {
    return r.items
      .filter((i) => i.ok && i.deal > 0)
      .map((i) => ({
        ...base,
        id: `close:${i.ticket}:${i.deal}`,
        kind: 'close' as const,
        volume: i.volume,
        price: i.price,
        ticket: i.ticket,
        ...closedPart(i.ticket, i.volume, before),
      }));
  }
  if (r.type === 'close' && r.ok && r.deal > 0) {
    return [{ ...base, id: `close:${r.ticket}:${r.deal}`, kind: 'close', volume: r.volume, price: r.price, ticket: r.ticket, ...closedPart(r.ticket, r.volume, before) }];
  }
  return [];
}

/**
 * Positions that disappeared between two snapshots: an SL or TP hit when the last price seen was
 * at or beyond that level, else a close. `closedByJobs`: tickets a close job of ours just closed
 * (those already have their event from the result).
 */
export function eventsFromStateChange(before: Position[], after: Position[], now: number, closedByJobs: ReadonlySet<number>): TradeEvent[] {
  const still = new Set(after.map((p) => p.ticket));
  const out: TradeEvent[] = [];
  for (const p of before) {
    if (still.has(p.ticket) || closedByJobs.has(p.ticket)) continue;
    const buy = p.side === 'buy';
    const hitSl = p.sl > 0 && (buy ? p.currentPrice <= p.sl : p.currentPrice >= p.sl);
    const hitTp = p.tp > 0 && (buy ? p.currentPrice >= p.tp : p.currentPrice <= p.tp);
    const kind = hitSl ? 'sl' : hitTp ? 'tp' : 'close';
    out.push({
      id: `gone:${p.ticket}`,
      kind,
      time: now,
      symbol: p.symbol,
      side: p.side,
      volume: p.volume,
      price: kind === 'sl' ? p.sl : kind === 'tp' ? p.tp : p.currentPrice,
      profit: Math.round((p.profit + p.swap) * 100) / 100,
      ticket: p.ticket,
      comment: p.comment,
    });
  }
  return out;
}
