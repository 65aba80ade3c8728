import type { Ctx } from '../../context.js';
import { createDeployment } from '../../ea/deploy.js';
import { deploymentJson } from './deployments.js';

export interface DeployFlags {
  agent: string;
  symbol?: string;
  timeframe?: string;
  inputs?: string[];
  start?: boolean;
}

/** `dcap ea deploy <name@N> --agent NAME`: a deployment pinned to that version, and its deploy job. */
export async function deploy(ctx: Ctx, target: string, flags: DeployFlags): Promise<void> {
  const { deployment: d, jobId } = createDeployment(ctx.db(), { target, agent: flags.agent, symbol: flags.symbol, timeframe: flags.timeframe, inputs: flags.inputs, start: flags.start }, Date.now());
  ctx.result({ ...deploymentJson(d), jobId }, () =>
    [
      `deployment ${d.id}: ${d.project}@${d.version} on agent ${d.agent}, ${d.symbol} ${d.timeframe}${Object.keys(d.inputs).length ? `, inputs ${Object.entries(d.inputs).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`,
      `deploy job ${jobId} is waiting for the agent; follow it with: dcap ea deployments`,
    ].join('\n'),
  );
}
