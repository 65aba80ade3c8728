/** Number and time formatting shared by the panes. */

export const money = (v: number | null | undefined): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(2) : '-');

/** Signed, for P&L: "+12.30", "-4.00". */
export const pnl = (v: number | null | undefined): string => (typeof v === 'number' && Number.isFinite(v) ? `${v > 0 ? '+' : ''}${v.toFixed(2)}` : '-');

/** A price with the symbol's digits (TuiState.digits). */
export function price(v: number, digits = 5): string {
  return v > 0 ? v.toFixed(digits) : '-';
}

export const lots = (v: number): string => String(Math.round(v * 1e8) / 1e8);

/** "850 ms", "1.2 s", "3 min". */
export function duration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

/** HH:MM:SS, local time. */
export function clock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** A fixed-width cell: cut with "…" when too long, padded otherwise (numbers to the right). */
export function cell(text: string, width: number, right = false): string {
  const t = text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
  return right ? t.padStart(width) : t.padEnd(width);
}
