/**
 * What the server does when an EA job finishes (called by src/store/jobs.ts inside the job's
 * completing transaction): a deploy/run/stop moves its deployment's status; a compile done by an
 * agent is stored on its version, like a local compile, with the .ex5 written where a local
 * compile puts it. Returns the result to keep on the job: without the .ex5 bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DB } from '../store/db.js';
import { applyDeploymentResult } from '../store/ea-deployments.js';
import { prepared } from '../store/prepare.js';
import { CompilePayloadSchema, CompileReportSchema } from './deploy-payload.js';
import { getProject, getVersion, recordCompile, sha256 } from './projects.js';

export const EA_JOB_TYPES: ReadonlySet<string> = new Set(['deploy', 'run', 'stop', 'compile']);

export function applyEaJobResult(db: DB, jobId: string, type: string, ok: boolean, result: Record<string, unknown>, reason: string | null, now: number): Record<string, unknown> {
  if (type === 'compile') return applyCompile(db, jobId, result, now);
  applyDeploymentResult(db, jobId, ok, result, reason, now);
  return result;
}

function applyCompile(db: DB, jobId: string, result: Record<string, unknown>, now: number): Record<string, unknown> {
  const raw = prepared(db, 'SELECT payload FROM jobs WHERE id = ?').pluck().get(jobId) as string | undefined;
  const payload = raw === undefined ? undefined : CompilePayloadSchema.safeParse(JSON.parse(raw));
  const report = CompileReportSchema.safeParse(result.compile);
  // No report: the agent could not compile at all (no MetaEditor): the version keeps its status.
  if (!payload?.success || !report.success) return result;
  const p = payload.data;
  const r = report.data;
  const projectName = prepared(db, 'SELECT p.name FROM ea_versions v JOIN ea_projects p ON p.id = v.project_id WHERE v.id = ?').pluck().get(p.versionId) as string | undefined;
  if (projectName === undefined) return result;
  const project = getProject(db, projectName);
  const version = getVersion(db, project, p.version);
  let problem = r.problem;
  let ex5: { path: string; sha256: string; size: number } | null = null;
  if (r.ex5) {
    const bytes = Buffer.from(r.ex5.base64, 'base64');
    if (bytes.length !== r.ex5.size || sha256(bytes) !== r.ex5.sha256) {
      problem = `the .ex5 the agent sent does not match its size and sha256 (${bytes.length} bytes received)`;
    } else {
      const dir = join(project.dir, 'build', `v${version.number}`);
      const path = join(dir, `${project.name}.ex5`);
      try {
        mkdirSync(dir, { recursive: true });
        writeFileSync(path, bytes);
        ex5 = { path, sha256: r.ex5.sha256, size: r.ex5.size };
      } catch (err) {
        problem = `compiled on the agent, but the .ex5 could not be stored at ${path}: ${(err as Error).message}`;
      }
    }
  }
  if (r.ok && problem === null && ex5 === null) problem = 'the agent reported a successful compile but sent no .ex5';
  const compiled = r.ok && problem === null && ex5 !== null;
  recordCompile(db, version, { ok: compiled, errors: r.errors, warnings: r.warnings, diagnostics: r.diagnostics, problem, ex5 }, now);
  return { ...result, compile: { ...r, problem, ex5: ex5 && { path: ex5.path, sha256: ex5.sha256, size: ex5.size } } };
}
