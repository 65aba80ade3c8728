import type { Ctx } from '../../context.js';
import { getProject, getVersion, parseTarget } from '../../ea/projects.js';
import { formatDiagnostic } from '../../ea/diagnostics.js';
import { projectJson, versionSummary } from './working.js';

/** `dcap ea show <name>[@N]`: a version's metadata and source (the latest without @N). */
export async function show(ctx: Ctx, target: string): Promise<void> {
  const { name, number } = parseTarget(target);
  const db = ctx.db();
  const project = getProject(db, name);
  const v = getVersion(db, project, number);
  ctx.result({ project: projectJson(project), version: { ...versionSummary(project, v), diagnostics: v.diagnostics, problem: v.problem, source: v.source } }, () => {
    const head = [
      `${name}@${v.number}  (${project.symbol} ${project.timeframe}, ${project.dir})`,
      `created  ${new Date(v.createdAt).toISOString()}  origin ${v.origin}${v.note ? `: ${v.note.replace(/\s+/g, ' ').slice(0, 120)}` : ''}`,
      `sha256   ${v.contentHash}`,
      `compile  ${v.compileStatus}${v.compiledAt ? ` at ${new Date(v.compiledAt).toISOString()}: ${v.errors} errors, ${v.warnings} warnings` : ''}${v.ex5Path ? ` -> ${v.ex5Path}` : ''}`,
      ...(v.problem ? [`         ${v.problem}`] : []),
      ...v.diagnostics.map((d) => `  ${formatDiagnostic(d, ctx.cwd, `${name}.mq5`)}`),
      '',
    ];
    return head.join('\n') + v.source;
  });
}
