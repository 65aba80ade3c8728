import type { DB } from '../store/db.js';
import { getAgentById } from '../store/agents.js';
import { table } from '../ui/table.js';
import { positionsView } from './positions.js';

interface SignalRow {
  id: string;
  status: string;
  reason: string | null;
  symbol: string | null;
  action: string | null;
  received_at: number;
  completed_at: number | null;
  result: string | null;
}

/** What `dcap demo` reports: signals by status, fills with alert-to-fill latency, positions, P&L. */
export function demoSummary(db: DB, agentId: string, sent: number) {
  const rows = db.prepare('SELECT id, status, reason, symbol, action, received_at, completed_at, result FROM signals ORDER BY received_at, id').all() as SignalRow[];
  const byStatus: Record<string, number> = {};
  for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const fills = rows
    .filter((r) => r.completed_at !== null)
    .map((r) => {
      const res = r.result ? (JSON.parse(r.result) as Record<string, unknown>) : {};
      return {
        signalId: r.id,
        action: r.action,
        symbol: r.symbol,
        status: r.status,
        price: res.price ?? null,
        volume: res.volume ?? null,
        ticket: res.ticket ?? null,
        retcode: r.status === 'executed' ? `${res.retcode ?? ''} ${res.retcodeText ?? ''}`.trim() : r.reason,
        latencyMs: r.completed_at! - r.received_at,
      };
    });
  const latencies = fills.map((f) => f.latencyMs).sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! : null);
  const agent = getAgentById(db, agentId);
  const view = agent ? positionsView(agent, Date.now()) : null;
  return {
    alerts: sent,
    signals: byStatus,
    fills,
    alertToFillMs: { p50: pct(50), p99: pct(99), max: latencies.at(-1) ?? null },
    account: view?.account ?? null,
    positions: view?.positions ?? [],
  };
}

export type DemoSummary = ReturnType<typeof demoSummary>;

const n2 = (v: unknown) => (typeof v === 'number' ? v.toFixed(2) : '-');

export function formatDemo(s: DemoSummary): string {
  const counts = Object.entries(s.signals)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const parts = [
    `${s.alerts} alerts replayed -> signals: ${counts}`,
    '',
    'fills (alert -> fill recorded):',
    table(
      ['symbol', 'action', 'status', 'volume', 'price', 'ticket', 'retcode', 'latency'],
      s.fills.map((f) => [f.symbol, f.action, f.status, f.volume, f.price, f.ticket, f.retcode, `${f.latencyMs} ms`]),
    ),
    `latency p50 ${s.alertToFillMs.p50 ?? '-'} ms, p99 ${s.alertToFillMs.p99 ?? '-'} ms`,
    '',
    'open positions (paper terminal):',
    s.positions.length
      ? table(
          ['symbol', 'side', 'volume', 'open', 'current', 'P&L', 'ticket'],
          s.positions.map((p) => [p.symbol, p.side, p.volume, p.openPrice, p.currentPrice, n2(p.profit), p.ticket]),
        )
      : '  none',
  ];
  if (s.account) parts.push('', `balance ${n2(s.account.balance)}  equity ${n2(s.account.equity)}  floating P&L ${n2(s.account.profit)} ${s.account.currency ?? ''}`);
  return parts.join('\n');
}
