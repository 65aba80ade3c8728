/**
 * The arithmetic of the bridge, shared by the paper terminal and documented in docs/bridge.md:
 * DcapBridge.mq5 does the same (Include/Dcap/Trade.mqh), so a strategy sized on paper gets the
 * same lots on a real terminal. Pure functions over a SymbolSpec.
 */
import type { SymbolSpec } from './symbols.js';

type Spec = Pick<SymbolSpec, 'digits' | 'point' | 'tickSize' | 'tickValue' | 'volumeMin' | 'volumeStep' | 'volumeMax'>;

/** Tolerance for float noise: 0.3 / 0.1 is 2.9999999999999996, and must count as 3 steps. */
const EPS = 1e-7;

/** One pip: 10 points on 3- and 5-digit symbols (EURUSD 0.0001, USDJPY 0.01), else one point. */
export function pipSize(spec: Pick<SymbolSpec, 'digits' | 'point'>): number {
  return spec.digits === 3 || spec.digits === 5 ? spec.point * 10 : spec.point;
}

function decimals(step: number): number {
  const s = String(step);
  if (s.includes('e-')) return Number(s.split('e-')[1]);
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** A price rounded to the symbol's tick size and digits. */
export function normalisePrice(spec: Pick<SymbolSpec, 'digits' | 'tickSize'>, price: number): number {
  return Number((Math.round(price / spec.tickSize) * spec.tickSize).toFixed(spec.digits));
}

export type VolumeCheck = { ok: true; volume: number; clamped: boolean } | { ok: false; reason: string };

/**
 * Lots rounded DOWN to a multiple of volumeStep (never more than asked), clamped to volumeMax
 * (clamped: true), refused below volumeMin: raising a size silently would risk more than asked.
 */
export function normaliseVolume(spec: Spec, lots: number): VolumeCheck {
  if (!Number.isFinite(lots) || lots <= 0) return { ok: false, reason: `volume ${lots} is not a positive number` };
  const d = decimals(spec.volumeStep);
  const stepped = Number((Math.floor(lots / spec.volumeStep + EPS) * spec.volumeStep).toFixed(d));
  if (stepped > spec.volumeMax + EPS) {
    const max = Number((Math.floor(spec.volumeMax / spec.volumeStep + EPS) * spec.volumeStep).toFixed(d));
    return { ok: true, volume: max, clamped: true };
  }
  if (stepped < spec.volumeMin - EPS) {
    return { ok: false, reason: `volume ${lots} is below the minimum ${spec.volumeMin} (step ${spec.volumeStep})` };
  }
  return { ok: true, volume: stepped, clamped: false };
}

/**
 * Risk sizing: lots such that hitting the stop loses riskPct % of equity.
 * loss per lot = |entry - stop| / tickSize * tickValue; lots = equity * riskPct / 100 / loss per lot,
 * then normalised as above (rounded down, refused below the minimum).
 */
export function riskVolume(spec: Spec, equity: number, riskPct: number, entry: number, stop: number): VolumeCheck {
  const distance = Math.abs(entry - stop);
  if (!(distance > 0)) return { ok: false, reason: 'the stop is at the entry price: risk sizing needs a stop distance' };
  if (!(equity > 0)) return { ok: false, reason: `equity ${equity} leaves nothing to risk` };
  const lossPerLot = (distance / spec.tickSize) * spec.tickValue;
  const money = (equity * riskPct) / 100;
  const check = normaliseVolume(spec, money / lossPerLot);
  if (!check.ok) {
    const minLoss = (lossPerLot * spec.volumeMin).toFixed(2);
    return {
      ok: false,
      reason: `risk ${riskPct}% of ${equity.toFixed(2)} = ${money.toFixed(2)} is less than the minimum volume ${spec.volumeMin} would lose at the stop (${minLoss})`,
    };
  }
  return check;
}

/** Stop/target prices from pip distances (absolute levels win when both are given). */
export function levelsFromPips(
  spec: Pick<SymbolSpec, 'digits' | 'point' | 'tickSize'>,
  side: 'buy' | 'sell',
  entry: number,
  o: { sl?: number; tp?: number; slPips?: number; tpPips?: number },
): { sl: number; tp: number } {
  const pip = pipSize(spec);
  const dir = side === 'buy' ? 1 : -1;
  const sl = o.sl ?? (o.slPips !== undefined ? entry - dir * o.slPips * pip : 0);
  const tp = o.tp ?? (o.tpPips !== undefined ? entry + dir * o.tpPips * pip : 0);
  return { sl: sl > 0 ? normalisePrice(spec, sl) : 0, tp: tp > 0 ? normalisePrice(spec, tp) : 0 };
}

/** The filling policy the EA sends: FOK if allowed, else IOC, else RETURN. */
export function fillingPolicy(spec: Pick<SymbolSpec, 'fillingModes'>): 'fok' | 'ioc' | 'return' {
  if (spec.fillingModes.includes('fok')) return 'fok';
  if (spec.fillingModes.includes('ioc')) return 'ioc';
  return 'return';
}
