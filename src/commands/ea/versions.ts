import type { Ctx } from '../../context.js';
import { getProject, latestVersion, listVersions } from '../../ea/projects.js';
import { hasUncommittedEdits, projectJson, table, versionSummary, workingFile } from './working.js';

/** `dcap ea versions <name>`: every version, oldest first, with its compile status. */
export async function versions(ctx: Ctx, name: string): Promise<void> {
  const db = ctx.db();
  const project = getProject(db, name);
  const all = listVersions(db, project);
  const edited = hasUncommittedEdits(latestVersion(db, project), project);
  ctx.result({ project: projectJson(project), uncommittedEdits: edited, versions: all.map((v) => versionSummary(project, v)) }, () => {
    const rows = [['VERSION', 'CREATED', 'ORIGIN', 'HASH', 'COMPILE', 'NOTE']];
    for (const v of all) {
      const compile = v.compileStatus === 'none' ? '-' : `${v.compileStatus} (${v.errors ?? 0}E ${v.warnings ?? 0}W)`;
      const note = (v.note ?? '').replace(/\s+/g, ' ');
      rows.push([`${name}@${v.number}`, new Date(v.createdAt).toISOString().slice(0, 19).replace('T', ' '), v.origin, v.contentHash.slice(0, 12), compile, note.length > 50 ? `${note.slice(0, 49)}…` : note]);
    }
    const tail = edited ? `\n${workingFile(project)} has edits in no version (dcap ea commit ${name})` : '';
    return table(rows) + tail;
  });
}
