import type { Ctx } from '../../context.js';
import { listDeployments, type DeploymentView } from '../../store/ea-deployments.js';
import { table } from './working.js';

/** The --json form of a deployment (docs/ea-deploy.md). */
export function deploymentJson(d: DeploymentView) {
  return {
    id: d.id,
    ea: `${d.project}@${d.version}`,
    project: d.project,
    version: d.version,
    agent: d.agent,
    symbol: d.symbol,
    timeframe: d.timeframe,
    inputs: d.inputs,
    status: d.status,
    chartId: d.chartId,
    lastAction: d.lastAction,
    lastJobId: d.lastJobId,
    lastJobStatus: d.lastJobStatus,
    lastError: d.lastError,
    createdAt: new Date(d.createdAt).toISOString(),
    updatedAt: new Date(d.updatedAt).toISOString(),
  };
}

/** `dcap ea deployments [--agent NAME]`: every deployment with its status, grouped by agent. */
export async function deployments(ctx: Ctx, opts: { agent?: string }): Promise<void> {
  const all = listDeployments(ctx.db(), opts.agent);
  ctx.result(all.map(deploymentJson), () => {
    if (all.length === 0) return opts.agent ? `no deployments on agent ${opts.agent}` : 'no deployments yet (dcap ea deploy <name@N> --agent NAME)';
    const rows = [['AGENT', 'DEPLOYMENT', 'EA', 'CHART', 'STATUS', 'CHART ID', 'LAST', 'ERROR']];
    for (const d of all) {
      const pending = d.lastJobStatus === 'pending' || d.lastJobStatus === 'running';
      rows.push([
        d.agent,
        d.id,
        `${d.project}@${d.version}`,
        `${d.symbol} ${d.timeframe}`,
        d.status,
        d.chartId ?? '-',
        `${d.lastAction} ${pending ? `(${d.lastJobStatus})` : d.lastJobStatus ?? ''}`.trim(),
        (d.lastError ?? '').replace(/\s+/g, ' ').slice(0, 80),
      ]);
    }
    return table(rows);
  });
}
