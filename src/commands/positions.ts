import type { Ctx } from '../context.js';
import { UserError } from '../errors.js';
import { getAgentByName, isOnline, listAgents, type AgentRow } from '../store/agents.js';
import { table } from '../ui/table.js';

export interface PositionsOptions {
  agent?: string;
}

type Rec = Record<string, unknown>;

/** One agent's latest reported account and open positions. */
export function positionsView(a: AgentRow, now: number) {
  const state = a.state ?? {};
  const account = (state.account ?? null) as Rec | null;
  const positions = ((state.positions ?? []) as Rec[]).map((p) => ({
    ticket: p.ticket ?? null,
    symbol: p.symbol ?? null,
    side: p.side ?? null,
    volume: p.volume ?? null,
    openPrice: p.openPrice ?? null,
    currentPrice: p.currentPrice ?? null,
    sl: p.sl ?? null,
    tp: p.tp ?? null,
    profit: p.profit ?? null,
    swap: p.swap ?? null,
    comment: p.comment ?? null,
    openTime: typeof p.openTime === 'number' ? new Date(p.openTime).toISOString() : null,
  }));
  return {
    agent: a.name,
    agentId: a.id,
    online: isOnline(a, now),
    stateAt: a.stateAt === null ? null : new Date(a.stateAt).toISOString(),
    account: account && {
      login: account.login ?? null,
      currency: account.currency ?? null,
      balance: account.balance ?? null,
      equity: account.equity ?? null,
      margin: account.margin ?? null,
      freeMargin: account.freeMargin ?? null,
      profit: account.profit ?? null,
    },
    positions,
  };
}

const money = (v: unknown) => (typeof v === 'number' ? v.toFixed(2) : '-');

/** `dcap positions [--agent NAME]`: account and open positions per agent, from the latest state. */
export async function positions(ctx: Ctx, opts: PositionsOptions): Promise<void> {
  const db = ctx.db();
  const now = Date.now();
  let agents: AgentRow[];
  if (opts.agent) {
    const a = getAgentByName(db, opts.agent);
    if (!a) throw new UserError(`no agent named "${opts.agent}" (see dcap agent list)`);
    agents = [a];
  } else agents = listAgents(db);
  const views = agents.map((a) => positionsView(a, now));
  ctx.result(views, () => {
    if (views.length === 0) return 'no agents yet: dcap agent pair <name>';
    return views
      .map((v) => {
        const head = `${v.agent} (${v.online ? 'online' : 'offline'})${v.stateAt ? `, state at ${v.stateAt}` : ', no state reported yet'}`;
        const acct = v.account
          ? `  balance ${money(v.account.balance)}  equity ${money(v.account.equity)}  margin ${money(v.account.margin)}  free ${money(v.account.freeMargin)} ${v.account.currency ?? ''}`
          : '';
        const rows = v.positions.length
          ? table(
              ['symbol', 'side', 'volume', 'open', 'current', 'P&L', 'ticket', 'comment'],
              v.positions.map((p) => [p.symbol, p.side, p.volume, p.openPrice, p.currentPrice, money(p.profit), p.ticket, p.comment]),
            )
          : '  no open positions';
        return [head, acct, rows].filter(Boolean).join('\n');
      })
      .join('\n\n');
  });
}
