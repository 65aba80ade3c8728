import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import type { DB } from '../store/db.js';
import { newId } from '../store/ids.js';
import { appendOutbox } from '../store/outbox.js';
import { prepared } from '../store/prepare.js';
import type { Diagnostic } from './metaeditor-log.js';

/**
 * EA projects and their versions (schema: src/store/migrations/004-ea.ts). A version is
 * immutable: its source and hash never change, only its compile result does. Every change
 * writes its outbox event in the same transaction (aggregates `ea_project`, `ea_version`,
 * `ea_artifact`: the Supabase tables of templates/supabase/migrations/20261121000004_dcap_ea.sql).
 */

/** A name is a file name (`<name>.mq5`), a folder, and the left side of `name@N`. */
export const EA_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
export const TIMEFRAMES = ['M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M10', 'M12', 'M15', 'M20', 'M30', 'H1', 'H2', 'H3', 'H4', 'H6', 'H8', 'H12', 'D1', 'W1', 'MN1'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];
export const ORIGINS = ['template', 'spec', 'prompt', 'edit'] as const;
export type Origin = (typeof ORIGINS)[number];
export type CompileStatus = 'none' | 'compiled' | 'failed';

export interface EaProject {
  id: string;
  name: string;
  template: string | null;
  symbol: string;
  timeframe: string;
  dir: string;
  description: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface EaVersion {
  id: string;
  projectId: string;
  number: number;
  contentHash: string;
  source: string;
  origin: Origin;
  note: string | null;
  createdAt: number;
  updatedAt: number;
  compileStatus: CompileStatus;
  errors: number | null;
  warnings: number | null;
  diagnostics: Diagnostic[];
  problem: string | null;
  ex5Path: string | null;
  ex5Sha256: string | null;
  ex5Size: number | null;
  compiledAt: number | null;
}

/** The compile outcome stored on a version (a subset of metaeditor.ts CompileResult). */
export interface CompileRecord {
  ok: boolean;
  errors: number;
  warnings: number;
  diagnostics: Diagnostic[];
  problem: string | null;
  ex5: { path: string; sha256: string; size: number } | null;
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

export function checkName(name: string): string {
  if (!EA_NAME.test(name)) {
    throw new UserError(`"${name}" is not a valid EA name: start with a letter, then up to 62 of A-Z a-z 0-9 _ - (it becomes <name>.mq5)`);
  }
  return name;
}

/** `name` or `name@N`. */
export function parseTarget(target: string): { name: string; number: number | null } {
  const m = /^([^@]+)(?:@(.*))?$/.exec(target);
  if (!m) throw new UserError(`"${target}" is not an EA name or name@N`);
  const name = checkName(m[1]!);
  if (m[2] === undefined) return { name, number: null };
  if (!/^[1-9]\d{0,8}$/.test(m[2])) throw new UserError(`"${target}": the version after @ must be a number from 1 (see dcap ea versions ${name})`);
  return { name, number: Number(m[2]) };
}

type Row = Record<string, unknown>;

function toProject(r: Row): EaProject {
  return {
    id: r.id as string,
    name: r.name as string,
    template: (r.template as string | null) ?? null,
    symbol: r.symbol as string,
    timeframe: r.timeframe as string,
    dir: r.dir as string,
    description: (r.description as string | null) ?? null,
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

function toVersion(r: Row): EaVersion {
  return {
    id: r.id as string,
    projectId: r.project_id as string,
    number: r.number as number,
    contentHash: r.content_hash as string,
    source: r.source as string,
    origin: r.origin as Origin,
    note: (r.note as string | null) ?? null,
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
    compileStatus: r.compile_status as CompileStatus,
    errors: (r.errors as number | null) ?? null,
    warnings: (r.warnings as number | null) ?? null,
    diagnostics: r.diagnostics ? (JSON.parse(r.diagnostics as string) as Diagnostic[]) : [],
    problem: (r.problem as string | null) ?? null,
    ex5Path: (r.ex5_path as string | null) ?? null,
    ex5Sha256: (r.ex5_sha256 as string | null) ?? null,
    ex5Size: (r.ex5_size as number | null) ?? null,
    compiledAt: (r.compiled_at as number | null) ?? null,
  };
}

export function findProject(db: DB, name: string): EaProject | undefined {
  const r = prepared(db, 'SELECT * FROM ea_projects WHERE name = ?').get(name) as Row | undefined;
  return r ? toProject(r) : undefined;
}

export function getProject(db: DB, name: string): EaProject {
  const p = findProject(db, checkName(name));
  if (!p) throw new UserError(`no EA project named "${name}" (create it with: dcap ea new ${name})`);
  return p;
}

export function listProjects(db: DB): EaProject[] {
  return (prepared(db, 'SELECT * FROM ea_projects ORDER BY name').all() as Row[]).map(toProject);
}

/** Every version, oldest first. */
export function listVersions(db: DB, project: EaProject): EaVersion[] {
  return (prepared(db, 'SELECT * FROM ea_versions WHERE project_id = ? ORDER BY number').all(project.id) as Row[]).map(toVersion);
}

export function latestVersion(db: DB, project: EaProject): EaVersion | undefined {
  const r = prepared(db, 'SELECT * FROM ea_versions WHERE project_id = ? ORDER BY number DESC LIMIT 1').get(project.id) as Row | undefined;
  return r ? toVersion(r) : undefined;
}

/** Version `number`, or the latest when null. */
export function getVersion(db: DB, project: EaProject, number: number | null): EaVersion {
  if (number === null) {
    const v = latestVersion(db, project);
    if (!v) throw new UserError(`EA project "${project.name}" has no version yet`);
    return v;
  }
  const r = prepared(db, 'SELECT * FROM ea_versions WHERE project_id = ? AND number = ?').get(project.id, number) as Row | undefined;
  if (!r) {
    const last = latestVersion(db, project)?.number ?? 0;
    throw new UserError(`${project.name}@${number} does not exist: "${project.name}" has versions 1 to ${last} (see dcap ea versions ${project.name})`);
  }
  return toVersion(r);
}

export interface NewProject {
  name: string;
  template: string | null;
  symbol: string;
  timeframe: string;
  dir: string;
  description?: string | null;
}

export interface NewVersion {
  source: string;
  origin: Origin;
  note?: string | null;
}

/**
 * Creates a project with its version 1. `sideEffect` (writing the working file) runs inside the
 * transaction, so a failure there leaves no rows, and a failed insert leaves no file written.
 */
export function createProject(db: DB, p: NewProject, v: NewVersion, now: number, sideEffect?: () => void): { project: EaProject; version: EaVersion } {
  checkName(p.name);
  return db.transaction(() => {
    if (findProject(db, p.name)) throw new UserError(`an EA project named "${p.name}" already exists (see dcap ea show ${p.name})`);
    const project: EaProject = {
      id: newId(),
      name: p.name,
      template: p.template,
      symbol: p.symbol,
      timeframe: p.timeframe,
      dir: p.dir,
      description: p.description ?? null,
      createdAt: now,
      updatedAt: now,
    };
    prepared(
      db,
      `INSERT INTO ea_projects (id, name, template, symbol, timeframe, dir, description, created_at, updated_at)
       VALUES (@id, @name, @template, @symbol, @timeframe, @dir, @description, @createdAt, @updatedAt)`,
    ).run(project);
    appendOutbox(db, { aggregate: 'ea_project', aggregateId: project.id, type: 'ea_project.created', payload: project }, now);
    const version = insertVersion(db, project, 1, v, now);
    sideEffect?.();
    return { project, version };
  }).immediate();
}

/**
 * Adds the next version unless `source` is what the latest version already holds (then that
 * version is returned with created: false). Taken under BEGIN IMMEDIATE so two commits of one
 * project cannot both pick the same number.
 */
export function addVersion(db: DB, project: EaProject, v: NewVersion, now: number, sideEffect?: () => void): { version: EaVersion; created: boolean } {
  return db.transaction(() => {
    const last = latestVersion(db, project);
    if (last && last.contentHash === sha256(v.source)) return { version: last, created: false };
    const version = insertVersion(db, project, (last?.number ?? 0) + 1, v, now);
    prepared(db, 'UPDATE ea_projects SET updated_at = ? WHERE id = ?').run(now, project.id);
    sideEffect?.();
    return { version, created: true };
  }).immediate();
}

function insertVersion(db: DB, project: EaProject, number: number, v: NewVersion, now: number): EaVersion {
  const version: EaVersion = {
    id: newId(),
    projectId: project.id,
    number,
    contentHash: sha256(v.source),
    source: v.source,
    origin: v.origin,
    note: v.note ?? null,
    createdAt: now,
    updatedAt: now,
    compileStatus: 'none',
    errors: null,
    warnings: null,
    diagnostics: [],
    problem: null,
    ex5Path: null,
    ex5Sha256: null,
    ex5Size: null,
    compiledAt: null,
  };
  prepared(
    db,
    `INSERT INTO ea_versions (id, project_id, number, content_hash, source, origin, note, created_at, updated_at)
     VALUES (@id, @projectId, @number, @contentHash, @source, @origin, @note, @createdAt, @updatedAt)`,
  ).run({ id: version.id, projectId: version.projectId, number, contentHash: version.contentHash, source: v.source, origin: v.origin, note: version.note, createdAt: now, updatedAt: now });
  appendOutbox(
    db,
    {
      aggregate: 'ea_version',
      aggregateId: version.id,
      type: 'ea_version.created',
      payload: { id: version.id, projectId: project.id, projectName: project.name, number, contentHash: version.contentHash, source: v.source, origin: v.origin, note: version.note, compileStatus: 'none', diagnostics: [], createdAt: now, updatedAt: now },
    },
    now,
  );
  return version;
}

/** Stores a compile result on its version (the one change a version allows), and the .ex5 as an artifact. */
export function recordCompile(db: DB, version: EaVersion, r: CompileRecord, now: number): EaVersion {
  const status: CompileStatus = r.ok ? 'compiled' : 'failed';
  return db.transaction(() => {
    prepared(
      db,
      `UPDATE ea_versions SET compile_status = ?, errors = ?, warnings = ?, diagnostics = ?, problem = ?,
         ex5_path = ?, ex5_sha256 = ?, ex5_size = ?, compiled_at = ?, updated_at = ? WHERE id = ?`,
    ).run(status, r.errors, r.warnings, JSON.stringify(r.diagnostics), r.problem, r.ex5?.path ?? null, r.ex5?.sha256 ?? null, r.ex5?.size ?? null, now, now, version.id);
    appendOutbox(
      db,
      {
        aggregate: 'ea_version',
        aggregateId: version.id,
        type: 'ea_version.compiled',
        payload: { id: version.id, projectId: version.projectId, number: version.number, compileStatus: status, errors: r.errors, warnings: r.warnings, diagnostics: r.diagnostics, problem: r.problem, compiledAt: now, updatedAt: now },
      },
      now,
    );
    if (r.ex5) {
      const artifact = { id: newId(), versionId: version.id, kind: 'ex5', path: r.ex5.path, sizeBytes: r.ex5.size, sha256: r.ex5.sha256, createdAt: now };
      prepared(db, 'INSERT INTO ea_artifacts (id, version_id, kind, path, size_bytes, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        artifact.id, artifact.versionId, artifact.kind, artifact.path, artifact.sizeBytes, artifact.sha256, now,
      );
      appendOutbox(db, { aggregate: 'ea_artifact', aggregateId: artifact.id, type: 'ea_artifact.recorded', payload: artifact }, now);
    }
    return toVersion(prepared(db, 'SELECT * FROM ea_versions WHERE id = ?').get(version.id) as Row);
  }).immediate();
}
