import type { Ctx } from '../../context.js';
import { createAction } from '../../ea/deploy.js';
import { deploymentJson } from './deployments.js';

/** `dcap ea run|stop <deployment>`: a run or stop job for the deployment's agent. */
export async function action(ctx: Ctx, id: string, kind: 'run' | 'stop'): Promise<void> {
  const { deployment: d, jobId } = createAction(ctx.db(), id, kind, Date.now());
  ctx.result({ ...deploymentJson(d), jobId }, () =>
    `${kind} job ${jobId} for deployment ${d.id} (${d.project}@${d.version} on ${d.agent}) is waiting for the agent; follow it with: dcap ea deployments`,
  );
}

export const run = (ctx: Ctx, id: string) => action(ctx, id, 'run');
