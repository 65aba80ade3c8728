/**
 * EA deployments (schema: migrations/005-ea-deployments.ts): the rows, and how a finished
 * deploy/run/stop job moves a deployment's status. Every change writes its outbox event in the
 * same transaction (aggregate `ea_deployment`: the Supabase table ea_deployments).
 */
import type { DB } from './db.js';
import { appendOutbox } from './outbox.js';
import { prepared } from './prepare.js';

export type DeploymentStatus = 'pending' | 'deployed' | 'running' | 'stopped' | 'failed';
export type DeploymentAction = 'deploy' | 'run' | 'stop';

export interface Deployment {
  id: string;
  projectId: string;
  versionId: string;
  agentId: string;
  agent: string;
  symbol: string;
  timeframe: string;
  inputs: Record<string, string>;
  status: DeploymentStatus;
  chartId: string | null;
  lastAction: DeploymentAction;
  lastJobId: string;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

/** With what lists and JSON show: the project name and version number, and the last job's status. */
export interface DeploymentView extends Deployment {
  project: string;
  version: number;
  lastJobStatus: string | null;
}

type Row = Record<string, unknown>;

function fromRow(r: Row): DeploymentView {
  return {
    id: r.id as string,
    projectId: r.project_id as string,
    versionId: r.version_id as string,
    agentId: r.agent_id as string,
    agent: r.agent as string,
    symbol: r.symbol as string,
    timeframe: r.timeframe as string,
    inputs: JSON.parse(r.inputs as string) as Record<string, string>,
    status: r.status as DeploymentStatus,
    chartId: (r.chart_id as string | null) ?? null,
    lastAction: r.last_action as DeploymentAction,
    lastJobId: r.last_job_id as string,
    lastError: (r.last_error as string | null) ?? null,
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
    project: r.project as string,
    version: r.version as number,
    lastJobStatus: (r.job_status as string | null) ?? null,
  };
}

const SELECT = `SELECT d.*, p.name AS project, v.number AS version, j.status AS job_status
  FROM ea_deployments d JOIN ea_projects p ON p.id = d.project_id JOIN ea_versions v ON v.id = d.version_id
  LEFT JOIN jobs j ON j.id = d.last_job_id`;

/** The Supabase row's fields (no chart id, no names: the table has neither). */
function syncPayload(d: Deployment) {
  return {
    id: d.id,
    versionId: d.versionId,
    agentId: d.agentId,
    symbol: d.symbol,
    timeframe: d.timeframe,
    inputs: d.inputs,
    status: d.status,
    error: d.lastError,
    chartId: d.chartId,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

export function insertDeployment(db: DB, d: Deployment, now: number): void {
  prepared(
    db,
    `INSERT INTO ea_deployments (id, project_id, version_id, agent_id, agent, symbol, timeframe, inputs, status, chart_id, last_action, last_job_id, last_error, created_at, updated_at)
     VALUES (@id, @projectId, @versionId, @agentId, @agent, @symbol, @timeframe, @inputs, @status, @chartId, @lastAction, @lastJobId, @lastError, @createdAt, @updatedAt)`,
  ).run({ ...d, inputs: JSON.stringify(d.inputs) });
  appendOutbox(db, { aggregate: 'ea_deployment', aggregateId: d.id, type: 'ea_deployment.created', payload: syncPayload(d) }, now);
}

export function getDeployment(db: DB, id: string): DeploymentView | undefined {
  const r = prepared(db, `${SELECT} WHERE d.id = ?`).get(id) as Row | undefined;
  return r && fromRow(r);
}

/** Deployments whose id starts with `prefix` (users type the first characters of an id). */
export function findDeployments(db: DB, prefix: string): DeploymentView[] {
  return (prepared(db, `${SELECT} WHERE d.id >= ? AND d.id < ? ORDER BY d.id LIMIT 10`).all(prefix, `${prefix}\uffff`) as Row[]).map(fromRow);
}

export function listDeployments(db: DB, agent?: string): DeploymentView[] {
  const rows = agent === undefined ? prepared(db, `${SELECT} ORDER BY d.agent, d.created_at`).all() : prepared(db, `${SELECT} WHERE d.agent = ? ORDER BY d.created_at`).all(agent);
  return (rows as Row[]).map(fromRow);
}

/** The deployment whose last job this is, if any. */
export function deploymentOfJob(db: DB, jobId: string): Deployment | undefined {
  const r = prepared(db, `${SELECT} WHERE d.last_job_id = ?`).get(jobId) as Row | undefined;
  return r && fromRow(r);
}

function update(db: DB, d: Deployment, change: Partial<Pick<Deployment, 'status' | 'chartId' | 'lastAction' | 'lastJobId' | 'lastError'>>, now: number): void {
  const next: Deployment = { ...d, ...change, updatedAt: now };
  prepared(db, 'UPDATE ea_deployments SET status = ?, chart_id = ?, last_action = ?, last_job_id = ?, last_error = ?, updated_at = ? WHERE id = ?').run(
    next.status, next.chartId, next.lastAction, next.lastJobId, next.lastError, now, d.id,
  );
  appendOutbox(
    db,
    { aggregate: 'ea_deployment', aggregateId: d.id, type: 'ea_deployment.updated', payload: { id: d.id, status: next.status, error: next.lastError, chartId: next.chartId, updatedAt: now } },
    now,
  );
}

/** A run or stop job was created for the deployment: it becomes the one its status follows. */
export function recordAction(db: DB, d: Deployment, action: DeploymentAction, jobId: string, now: number): void {
  update(db, d, { lastAction: action, lastJobId: jobId }, now);
}

/**
 * The deployment's status once its last job finished (call inside the job's completing
 * transaction). deploy/run ok: running on the chart the result names (deploy with start false:
 * deployed); failed: failed. stop ok: stopped; a failed stop leaves the status as it was. A job
 * that is no longer the deployment's last changes nothing (a late answer to an older action).
 */
export function applyDeploymentResult(db: DB, jobId: string, ok: boolean, result: Record<string, unknown>, reason: string | null, now: number): void {
  const d = deploymentOfJob(db, jobId);
  if (!d) return;
  const chartId = typeof result.chartId === 'string' && result.chartId !== '' ? result.chartId : null;
  if (d.lastAction === 'stop') {
    if (ok) update(db, d, { status: 'stopped', chartId: null, lastError: null }, now);
    else update(db, d, { lastError: reason ?? 'stop failed' }, now);
    return;
  }
  if (!ok) return update(db, d, { status: 'failed', lastError: reason ?? 'failed' }, now);
  if (chartId === null) return update(db, d, { status: 'deployed', chartId: null, lastError: null }, now);
  update(db, d, { status: 'running', chartId, lastError: null }, now);
}
