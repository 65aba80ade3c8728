import type { Ctx } from '../../context.js';
import { createCompileJob } from '../../ea/deploy.js';

/**
 * `dcap ea compile <name@N> --agent NAME`: the agent compiles with its own MetaEditor; its result
 * is stored on the version when it answers (see dcap ea show name@N).
 */
export async function compileOnAgent(ctx: Ctx, target: string, agent: string): Promise<void> {
  const { project, version, jobId } = createCompileJob(ctx.db(), target, agent, Date.now());
  const label = `${project.name}@${version.number}`;
  ctx.result({ version: label, agent, jobId, status: 'pending' }, () => `compile job ${jobId} for ${label} is waiting for agent ${agent}; the result is stored on ${label} when it answers (dcap ea show ${label})`);
}
