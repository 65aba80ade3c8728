/**
 * Output shared by the `dcap strategy` commands: JSON views (times as ISO 8601 strings), human
 * tables, and the once-only secret notice.
 */
import { formatDuration } from '../../core/duration.js';
import type { Ctx } from '../../context.js';
import { listSecrets, type SecretInfo, type StrategyRow } from '../../store/strategies.js';

export const WEBHOOK_PATH_PREFIX = '/webhooks/tv/';

export function webhookPath(secret: string): string {
  return `${WEBHOOK_PATH_PREFIX}${secret}`;
}

/** The full webhook URL when webhook.publicUrl is configured, else the path. */
export function webhookUrl(ctx: Ctx, secret: string): string | undefined {
  const base = ctx.config().webhook.publicUrl;
  return base ? `${base.replace(/\/+$/, '')}${webhookPath(secret)}` : undefined;
}

export const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** A strategy as `list`/`show`/`set` print it with --json. Never a secret: prefixes only. */
export function strategyView(row: StrategyRow, secrets: SecretInfo[]) {
  return {
    id: row.id,
    name: row.name,
    enabled: row.enabled,
    settings: row.settings,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    secrets: secrets.map((s) => ({ prefix: s.prefix, createdAt: iso(s.createdAt), expiresAt: iso(s.expiresAt) })),
  };
}

export function viewOf(ctx: Ctx, row: StrategyRow, now: number) {
  return strategyView(row, listSecrets(ctx.db(), row.id, now));
}

/** Lines telling the user the secret and where to point TradingView, shown exactly once. */
export function secretNotice(ctx: Ctx, secret: string, indent = ''): string[] {
  const url = webhookUrl(ctx, secret);
  return [
    `${indent}webhook secret: ${secret}`,
    url
      ? `${indent}webhook URL:    ${url}`
      : `${indent}webhook path:   ${webhookPath(secret)}   (set webhook.publicUrl in the config to print the full URL)`,
  ];
}

export function storeItNow(what = 'the secret'): string {
  return `Store ${what} now: it is not shown again (dcap strategy rotate-secret NAME makes a new one).`;
}

export { table } from '../../ui/table.js';

export function rateText(rate: number): string {
  return rate === 0 ? 'off' : `${rate}/s`;
}

/** Every setting as label/value pairs for `show`, with "-" for what is not set. */
export function settingsLines(row: StrategyRow): [string, string][] {
  const s = row.settings;
  const opt = (v: number | string | undefined, unit = '') => (v === undefined ? '-' : `${v}${unit}`);
  const map = Object.entries(s.map);
  return [
    ['symbols', s.symbols.length ? s.symbols.join(', ') : 'any'],
    ['map', map.length ? map.map(([k, v]) => `${k} -> ${v}`).join(', ') : '-'],
    ['suffix', opt(s.suffix)],
    ['lots', String(s.lots)],
    ['max lots', opt(s.maxLots)],
    ['risk %', opt(s.riskPct)],
    ['lots/contract', opt(s.lotsPerContract)],
    ['max positions', opt(s.maxPositions)],
    ['daily loss', opt(s.dailyLoss)],
    ['hours', s.hours ?? 'any time'],
    ['max age', s.maxAgeMs === undefined ? '-' : formatDuration(s.maxAgeMs)],
    ['agent', s.agent ?? 'any'],
    ['rate limit', s.rateLimit === 0 ? 'off' : `${s.rateLimit}/s (burst ${s.rateLimit * 5})`],
  ];
}

export function secretsSummary(secrets: SecretInfo[]): string {
  const expiring = secrets.filter((s) => s.expiresAt !== null).length;
  return expiring ? `${secrets.length} (${expiring} expiring)` : String(secrets.length);
}
