import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PositionsView } from '../../relay/protocol.js';
import type { DB } from '../../store/db.js';
import { agentView, allAgents, positionsView, recentSignalViews } from '../../store/live-views.js';
import { prepared } from '../../store/prepare.js';
import { authenticateReadToken } from '../../store/read-tokens.js';

/**
 * Read-only HTTP views for read-token holders (dcap tui, dashboards): the same views the relay
 * pushes on its signals/positions/agents channels, plus what the stream does not carry (realised
 * P&L of the day, the server's clock). The TUI reads them once per connection, so it has the full
 * picture even when the relay runs without the store (`dcap relay start`). docs/tui.md.
 *
 *   GET /api/positions            {serverTime, positions: [PositionsView & {dayRealised}]}
 *   GET /api/signals?limit=50     {serverTime, signals: [SignalView]}   newest first, limit 1-500
 *   GET /api/agents               {serverTime, agents: [AgentView]}
 *
 * Auth: `Authorization: Bearer <read token>`; 401 without a live one. A read token never trades.
 */
export type Send = (res: ServerResponse, status: number, body?: unknown, headers?: Record<string, string>) => void;

const DAY_MS = 86_400_000;

export class ReadApi {
  constructor(
    private readonly db: DB,
    private readonly now: () => number = Date.now,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse, path: string, send: Send): void {
    req.resume();
    const route = ROUTES[path];
    if (!route) return send(res, 404, { error: 'not found' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'use GET' }, { Allow: 'GET, HEAD' });
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m || !authenticateReadToken(this.db, m[1]!)) {
      return send(res, 401, { error: 'a read token is required: Authorization: Bearer <token> (dcap token create <name> --read)' }, { 'WWW-Authenticate': 'Bearer' });
    }
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const result = route(this.db, this.now(), query);
    if ('error' in result) return send(res, 400, result);
    send(res, 200, { serverTime: this.now(), ...result });
  }
}

type Route = (db: DB, now: number, q: URLSearchParams) => Record<string, unknown>;

const ROUTES: Record<string, Route> = {
  '/api/positions': (db, now) => ({
    positions: allAgents(db)
      .map((a) => positionsView(a))
      .filter((v): v is PositionsView => v !== undefined)
      .map((v) => ({ ...v, dayRealised: realisedToday(db, v.agentId, now) })),
  }),
  '/api/signals': (db, _now, q) => {
    const raw = q.get('limit');
    const limit = raw === null ? 50 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) return { error: `limit must be an integer from 1 to 500, got "${raw}"` };
    return { signals: recentSignalViews(db, limit).reverse() };
  },
  '/api/agents': (db) => ({ agents: allAgents(db).map(agentView) }),
};

/**
 * Realised P&L of an agent since 00:00 UTC: the profit of its closing trade events, the same
 * kinds the risk gate's daily loss counts (src/store/exposure.ts). Uses trade_events_agent_time.
 */
export function realisedToday(db: DB, agentId: string, now: number): number {
  const dayStart = now - (now % DAY_MS);
  return prepared(
    db,
    `SELECT COALESCE(SUM(profit), 0) FROM trade_events
     WHERE agent_id = ? AND time >= ? AND profit IS NOT NULL AND kind IN ('close','sl','tp','stopout')`,
  )
    .pluck()
    .get(agentId, dayStart) as number;
}
