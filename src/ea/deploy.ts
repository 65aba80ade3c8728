/**
 * Deploying EA versions to agents (docs/ea-deploy.md): a deployment row pinned to one version,
 * and the deploy/run/stop/compile jobs that carry the work to the agent. Each check runs before
 * anything is written; the deployment, its job and their outbox events commit together.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TIMEFRAMES } from '../bridge/protocol.js';
import type { JobType } from '../core/types.js';
import { UserError } from '../errors.js';
import { getAgentByName } from '../store/agents.js';
import type { DB } from '../store/db.js';
import { findDeployments, getDeployment, insertDeployment, recordAction, type Deployment, type DeploymentView } from '../store/ea-deployments.js';
import { newId } from '../store/ids.js';
import { insertJob } from '../store/jobs.js';
import { appendOutbox } from '../store/outbox.js';
import { declaredInputs, INPUT_NAME, MAX_DEPLOY_FILE_BYTES, type AttachPayload, type CompilePayload, type FileBlob, type StopPayload } from './deploy-payload.js';
import { getProject, getVersion, parseTarget, sha256, type EaProject, type EaVersion } from './projects.js';

export interface DeployRequest {
  target: string;
  agent: string;
  symbol?: string;
  timeframe?: string;
  /** `k=v` strings, as typed. */
  inputs?: string[];
  start?: boolean;
}

function agentNamed(db: DB, name: string) {
  const agent = getAgentByName(db, name);
  if (!agent) throw new UserError(`no agent named "${name}" (see dcap agent list; pair one with dcap agent pair ${name})`);
  return agent;
}

/** `k=v` pairs into an object, each name an input the version declares. */
export function parseInputs(pairs: string[], source: string, label: string): Record<string, string> {
  const known = declaredInputs(source);
  const inputs: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UserError(`--inputs "${pair}" is not name=value`);
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (!INPUT_NAME.test(name)) throw new UserError(`--inputs "${pair}": "${name}" is not an MQL5 input name`);
    if (!known.includes(name)) {
      throw new UserError(`--inputs ${name}: ${label} has no input named "${name}" (its inputs: ${known.length ? known.join(', ') : 'none'})`);
    }
    // A template is line-based: a line break in a value would end the inputs section.
    if (/[\r\n<>]/.test(value)) throw new UserError(`--inputs ${name}: the value may not contain line breaks, < or >`);
    if (name in inputs) throw new UserError(`--inputs ${name} is given twice`);
    inputs[name] = value;
  }
  return inputs;
}

function blob(bytes: Buffer, what: string): FileBlob {
  if (bytes.length > MAX_DEPLOY_FILE_BYTES) {
    throw new UserError(`${what} is ${bytes.length} bytes; a deploy carries at most ${MAX_DEPLOY_FILE_BYTES} bytes per file (docs/ea-deploy.md)`);
  }
  return { base64: bytes.toString('base64'), sha256: sha256(bytes), size: bytes.length };
}

/** The compiled .ex5 of a version, checked against the hash recorded when it was compiled. */
function compiledEx5(project: EaProject, version: EaVersion): Buffer {
  const label = `${project.name}@${version.number}`;
  if (version.compileStatus !== 'compiled' || !version.ex5Path || !version.ex5Sha256) {
    const why = version.compileStatus === 'failed' ? 'its last compile failed' : 'it was never compiled';
    throw new UserError(`${label} cannot be deployed: ${why} (run dcap ea compile ${label})`);
  }
  if (!existsSync(version.ex5Path)) throw new UserError(`${label}: its .ex5 ${version.ex5Path} is gone; compile it again (dcap ea compile ${label})`);
  const bytes = readFileSync(version.ex5Path);
  if (sha256(bytes) !== version.ex5Sha256) {
    throw new UserError(`${label}: ${version.ex5Path} changed since it was compiled (sha256 differs); compile it again (dcap ea compile ${label})`);
  }
  return bytes;
}

/** The payload of a deploy or run job: both carry the files, so a run repairs deleted ones. */
function attachPayload(project: EaProject, version: EaVersion, d: Pick<Deployment, 'id' | 'symbol' | 'timeframe' | 'inputs'>, extra: Pick<AttachPayload, 'start'> & { chartId?: string }): AttachPayload {
  return {
    deploymentId: d.id,
    project: project.name,
    version: version.number,
    versionId: version.id,
    expert: `${project.name}_v${version.number}`,
    ex5: blob(compiledEx5(project, version), `${project.name}@${version.number}'s .ex5`),
    mq5: blob(Buffer.from(version.source, 'utf8'), `${project.name}@${version.number}'s source`),
    symbol: d.symbol,
    timeframe: d.timeframe as AttachPayload['timeframe'],
    inputs: d.inputs,
    start: extra.start,
    ...(extra.chartId ? { chartId: extra.chartId } : {}),
  };
}

/** Inserts a job with its job.created event, the file bytes left out of the event (they sync nowhere). */
function addJob(db: DB, type: JobType, agent: string, payload: Record<string, unknown>, now: number): string {
  const job = { id: newId(), signalId: null, strategyId: null, agent, type, payload, createdAt: now, expiresAt: null };
  insertJob(db, job);
  const slim = Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, v && typeof v === 'object' && 'base64' in v ? { ...(v as FileBlob), base64: undefined } : k === 'source' ? `(${String(v).length} characters)` : v]));
  appendOutbox(db, { aggregate: 'job', aggregateId: job.id, type: 'job.created', payload: { ...job, payload: slim, status: 'pending', source: 'ea' } }, now);
  return job.id;
}

/** `dcap ea deploy`: a pending deployment and its deploy job. */
export function createDeployment(db: DB, req: DeployRequest, now: number): { deployment: DeploymentView; jobId: string } {
  const { name, number } = parseTarget(req.target);
  return db.transaction(() => {
    const project = getProject(db, name);
    const version = getVersion(db, project, number);
    const agent = agentNamed(db, req.agent);
    const symbol = req.symbol ?? project.symbol;
    if (!/^[A-Za-z0-9._#+-]{1,64}$/.test(symbol)) throw new UserError(`--symbol "${symbol}" is not a symbol name`);
    const timeframe = (req.timeframe ?? project.timeframe).toUpperCase();
    if (!(TIMEFRAMES as readonly string[]).includes(timeframe)) throw new UserError(`--timeframe "${req.timeframe}" is not one of ${TIMEFRAMES.join(' ')}`);
    const inputs = parseInputs(req.inputs ?? [], version.source, `${project.name}@${version.number}`);
    const d: Deployment = {
      id: newId(),
      projectId: project.id,
      versionId: version.id,
      agentId: agent.id,
      agent: agent.name,
      symbol,
      timeframe,
      inputs,
      status: 'pending',
      chartId: null,
      lastAction: 'deploy',
      lastJobId: '',
      lastError: null,
      createdAt: now,
      updatedAt: now,
    };
    const payload = attachPayload(project, version, d, { start: req.start ?? true });
    d.lastJobId = addJob(db, 'deploy', agent.name, payload, now);
    insertDeployment(db, d, now);
    return { deployment: getDeployment(db, d.id)!, jobId: d.lastJobId };
  }).immediate();
}

/** A deployment by its id or the start of it (at least 4 characters, and unambiguous). */
export function resolveDeployment(db: DB, idOrPrefix: string): DeploymentView {
  const exact = getDeployment(db, idOrPrefix);
  if (exact) return exact;
  if (idOrPrefix.length < 4) throw new UserError(`"${idOrPrefix}": give a deployment id, or at least its first 4 characters (see dcap ea deployments)`);
  const found = findDeployments(db, idOrPrefix);
  if (found.length === 0) throw new UserError(`no deployment ${idOrPrefix} (see dcap ea deployments)`);
  if (found.length > 1) throw new UserError(`"${idOrPrefix}" matches several deployments (${found.map((d) => d.id).join(', ')}): give more of the id`);
  return found[0]!;
}

/** `dcap ea run|stop`: the job, refused when it would do nothing or race an unfinished one. */
export function createAction(db: DB, idOrPrefix: string, action: 'run' | 'stop', now: number): { deployment: DeploymentView; jobId: string } {
  return db.transaction(() => {
    const d = resolveDeployment(db, idOrPrefix);
    const label = `deployment ${d.id} (${d.project}@${d.version} on ${d.agent})`;
    if (d.lastJobStatus === 'pending' || d.lastJobStatus === 'running') {
      throw new UserError(`${label}: its ${d.lastAction} job ${d.lastJobId} has not finished yet; wait for it (dcap ea deployments)`);
    }
    let payload: AttachPayload | StopPayload;
    if (action === 'stop') {
      if (d.status === 'stopped') throw new UserError(`${label} is stopped already`);
      if (d.chartId === null) throw new UserError(`${label} has no chart to stop (status ${d.status})`);
      payload = { deploymentId: d.id, expert: `${d.project}_v${d.version}`, chartId: d.chartId };
    } else {
      if (d.status === 'running') throw new UserError(`${label} is running already, on chart ${d.chartId}`);
      const project = getProject(db, d.project);
      const version = getVersion(db, project, d.version);
      payload = attachPayload(project, version, d, { start: true, ...(d.chartId ? { chartId: d.chartId } : {}) });
    }
    const agent = getAgentByName(db, d.agent);
    if (!agent || agent.id !== d.agentId) throw new UserError(`${label}: agent "${d.agent}" was revoked or paired again since; deploy the version to a current agent`);
    const jobId = addJob(db, action, d.agent, payload, now);
    recordAction(db, d, action, jobId, now);
    return { deployment: getDeployment(db, d.id)!, jobId };
  }).immediate();
}

/** `dcap ea compile <name@N> --agent NAME`: the version's source (and the headers beside it) for the agent's MetaEditor. */
export function createCompileJob(db: DB, target: string, agentName: string, now: number): { project: EaProject; version: EaVersion; jobId: string } {
  const { name, number } = parseTarget(target);
  return db.transaction(() => {
    const project = getProject(db, name);
    const version = getVersion(db, project, number);
    const agent = agentNamed(db, agentName);
    let headers: CompilePayload['headers'] = [];
    try {
      headers = readdirSync(project.dir)
        .filter((f) => /\.mqh$/i.test(f))
        .map((f) => ({ name: f, text: readFileSync(join(project.dir, f), 'utf8') }));
    } catch {
      // the project folder is gone: the stored source is all there is
    }
    const payload: CompilePayload = { project: project.name, version: version.number, versionId: version.id, file: `${project.name}.mq5`, source: version.source, sha256: version.contentHash, headers };
    return { project, version, jobId: addJob(db, 'compile', agent.name, payload, now) };
  }).immediate();
}
