/**
 * Durations as users write them: "500ms", "10s", "5m", "24h", "2d", or a bare number of seconds.
 * Pure; used by config, strategy options and CLI flags.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;

/** Milliseconds for `text`, or throws an Error naming what is wrong. */
export function parseDuration(text: string): number {
  const m = DURATION_RE.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration (examples: 500ms, 10s, 5m, 24h, 2d)`);
  const ms = Number(m[1]) * UNIT_MS[m[2] ?? 's']!;
  if (!Number.isFinite(ms)) throw new Error(`"${text}" is too large a duration`);
  return Math.round(ms);
}

/** The shortest exact way to write `ms` ("90s", "24h", "1500ms"). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit]!;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
