/**
 * An accepted Alert becomes the job the agent executes. Pure. Sizing rules (docs/alerts.md,
 * "Sizing"), first that applies:
 *   1. the alert's qty (lots);
 *   2. the alert's contracts x the strategy's lotsPerContract (1 contract = 1 lot when unset);
 *   3. the alert's risk_pct (needs a stop; the agent computes lots from equity and stop distance);
 *   4. the strategy's riskPct, when the alert has a stop;
 *   5. the strategy's default lots.
 * Closes use only 1-2 (a partial close); without either they close the whole position.
 */
import { isEntry, isPending } from './alert/actions.js';
import { brokerSymbol } from './symbols.js';
import type { Alert, JobSpec, JobType, StrategySettings, TradePayload } from './types.js';

// contracts x lotsPerContract in binary floating point: 3 x 0.1 = 0.30000000000000004.
const roundLots = (lots: number): number => Math.round(lots * 1e8) / 1e8;

const hasStop = (alert: Alert): boolean => alert.sl !== undefined || alert.slPips !== undefined;

function explicitLots(alert: Alert, s: StrategySettings): number | undefined {
  if (alert.qty !== undefined) return alert.qty;
  if (alert.contracts !== undefined) return roundLots(alert.contracts * (s.lotsPerContract ?? 1));
  return undefined;
}

/** The risk % an entry is sized by, when it is sized by risk rather than lots. */
function sizingRiskPct(alert: Alert, s: StrategySettings): number | undefined {
  if (explicitLots(alert, s) !== undefined) return undefined;
  if (alert.riskPct !== undefined) return alert.riskPct;
  if (s.riskPct !== undefined && hasStop(alert)) return s.riskPct;
  return undefined;
}

/**
 * Lots the job will trade, when known before execution: entries sized in lots or contracts or
 * by the default; closes with a partial volume. Undefined for risk-sized entries (the agent
 * computes them), whole-position closes, cancel and modify.
 */
export function resolvedLots(alert: Alert, s: StrategySettings): number | undefined {
  if (alert.action === 'cancel' || alert.action === 'modify') return undefined;
  const lots = explicitLots(alert, s);
  if (lots !== undefined || !isEntry(alert.action)) return lots;
  return sizingRiskPct(alert, s) === undefined ? s.lots : undefined;
}

function jobType(alert: Alert): JobType {
  if (isEntry(alert.action)) return 'trade';
  if (alert.action === 'cancel') return 'cancel';
  if (alert.action === 'modify') return 'modify';
  return 'close';
}

export function toJob(alert: Alert, s: StrategySettings): JobSpec {
  const type = jobType(alert);
  const payload: TradePayload = { action: alert.action };
  // close_all means every position of the strategy: a symbol in the payload would invite an
  // agent to narrow it to one symbol.
  if (alert.symbol !== undefined && alert.action !== 'close_all') {
    payload.symbol = brokerSymbol(alert.symbol, s);
    payload.sourceSymbol = alert.symbol;
  }
  if (type === 'trade') {
    payload.side = alert.action.startsWith('buy') ? 'buy' : 'sell';
    payload.orderType = isPending(alert.action) ? (alert.action.endsWith('_limit') ? 'limit' : 'stop') : 'market';
    const riskPct = sizingRiskPct(alert, s);
    if (riskPct !== undefined) payload.riskPct = riskPct;
    else payload.volume = resolvedLots(alert, s)!;
    if (s.maxLots !== undefined) payload.maxVolume = s.maxLots;
    if (alert.price !== undefined && payload.orderType !== 'market') payload.price = alert.price;
  }
  if (type === 'close') {
    const lots = resolvedLots(alert, s);
    if (lots !== undefined) payload.volume = lots;
  }
  if (type === 'trade' || type === 'modify') {
    if (alert.sl !== undefined) payload.sl = alert.sl;
    if (alert.tp !== undefined) payload.tp = alert.tp;
    if (alert.slPips !== undefined) payload.slPips = alert.slPips;
    if (alert.tpPips !== undefined) payload.tpPips = alert.tpPips;
  }
  if (alert.comment !== undefined) payload.comment = alert.comment;
  return { type, payload };
}
