import type { Ctx } from '../../context.js';
import { isOnline, listAgents, pairAgent, revokeAgent, type AgentRow } from '../../store/agents.js';
import { table } from '../../ui/table.js';

/** `dcap agent pair <name>`: creates an agent and shows its key once. */
export async function pair(ctx: Ctx, name: string): Promise<void> {
  const { agent, key } = pairAgent(ctx.db(), name, Date.now());
  ctx.result({ agentId: agent.id, key }, () =>
    [
      `paired agent "${agent.name}"`,
      `  agent id: ${agent.id}`,
      `  key:      ${key}`,
      '',
      'Store the key now: it is not shown again (only its hash is kept).',
      'On the MT5 machine:',
      `  dcap agent start --server <URL> --agent-id ${agent.id} --key <key> --bridge file --files-dir <Common\\Files>`,
    ].join('\n'),
  );
}

/** The view of an agent that `list --json` prints. */
export function agentView(a: AgentRow, now: number) {
  const hb = a.heartbeat ?? {};
  return {
    id: a.id,
    name: a.name,
    online: isOnline(a, now),
    heartbeatAgeMs: a.heartbeatAt === null ? null : now - a.heartbeatAt,
    terminalConnected: hb.terminalConnected ?? null,
    tradeAllowed: hb.tradeAllowed ?? null,
    account: hb.account ?? null,
    bridgeVersion: hb.bridgeVersion ?? null,
    waitingFor: hb.waitingFor ?? null,
    lastSeenAt: a.lastSeenAt === null ? null : new Date(a.lastSeenAt).toISOString(),
    createdAt: new Date(a.createdAt).toISOString(),
  };
}

const yesNo = (v: boolean | null) => (v === null ? '-' : v ? 'yes' : 'no');

/** `dcap agent list`. */
export async function list(ctx: Ctx): Promise<void> {
  const now = Date.now();
  const agents = listAgents(ctx.db()).map((a) => agentView(a, now));
  ctx.result(agents, () =>
    agents.length === 0
      ? 'no agents yet: dcap agent pair <name>'
      : table(
          ['name', 'status', 'heartbeat', 'terminal', 'autotrading', 'account', 'bridge', 'waiting for'],
          agents.map((a) => [
            a.name,
            a.online ? 'online' : 'offline',
            a.heartbeatAgeMs === null ? 'never' : `${(a.heartbeatAgeMs / 1000).toFixed(1)}s ago`,
            yesNo(a.terminalConnected),
            yesNo(a.tradeAllowed),
            a.account ? String((a.account as Record<string, unknown>).login ?? '-') : '-',
            a.bridgeVersion ?? '-',
            a.waitingFor ?? '',
          ]),
        ),
  );
}

/** `dcap agent revoke <name>`. */
export async function revoke(ctx: Ctx, name: string): Promise<void> {
  const agent = revokeAgent(ctx.db(), name, Date.now());
  ctx.result({ revoked: agent.name, agentId: agent.id }, () => `revoked agent "${agent.name}": its key no longer works`);
}
