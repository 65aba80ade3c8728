import type { Ctx } from '../../context.js';
import { UserError } from '../../errors.js';
import { displayPath } from '../../ea/diagnostics.js';
import { getProject } from '../../ea/projects.js';
import { commitWorking, versionSummary, workingFile } from './working.js';

/** `dcap ea commit <name>`: the working file becomes the next version when it changed. */
export async function commit(ctx: Ctx, name: string): Promise<void> {
  const project = getProject(ctx.db(), name);
  const r = commitWorking(ctx, project, 'dcap ea commit');
  if (!r) throw new UserError(`${workingFile(project)} does not exist: nothing to commit`);
  const file = displayPath(workingFile(project), ctx.cwd);
  ctx.result({ ...versionSummary(project, r.version), created: r.created }, () =>
    r.created ? `committed ${file} as ${name}@${r.version.number}` : `nothing to commit: ${file} is ${name}@${r.version.number}`,
  );
}
