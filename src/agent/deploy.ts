/**
 * The agent's own part of the EA jobs (docs/ea-deploy.md). deploy/run: before the bridge command
 * is written, the .ex5, the .mq5 and the chart template are written into the terminal's data
 * folder (the EA cannot: MQL5 file functions only reach MQL5\Files and Common\Files). compile:
 * run here with this machine's MetaEditor, in the background (a compile can take a minute; trade
 * jobs must not wait behind it), its result recorded like a bridge result.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PROTOCOL_VERSION } from '../bridge/protocol.js';
import { RETCODES } from '../bridge/retcodes.js';
import { AttachPayloadSchema, CompilePayloadSchema, expertRelPath, MAX_COMPILED_EX5_BYTES, renderTemplate, templateRelPath, type CompileReport } from '../ea/deploy-payload.js';
import type { CompileOptions } from '../ea/metaeditor.js';
import type { Logger } from '../log.js';
import type { ServerJob } from './client.js';
import { localResult } from './command.js';
import type { AgentStore } from './outbox.js';

const DEPLOY_FILES = 20008;
const UNSUPPORTED = 20006;
const INTERNAL = 20007;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export interface LocalJobsOptions {
  /** The terminal's data folder (the parent of MQL5); undefined: deploy/run fail with a clear error. */
  terminalDir?: string;
  /** MetaEditor options; undefined: compile jobs fail with a clear error. */
  compile?: Omit<CompileOptions, 'syntaxOnly'>;
  /** Scratch space for compiles (the agent's data dir). */
  workDir: string;
  store: AgentStore;
  log: Logger;
  /** A result was recorded: deliver it, and a pipeline slot is free. */
  queued: () => void;
  resolved: () => void;
}

export type Staged = { ok: true; written: string[]; unchanged: string[] } | { ok: false; retcode: number; error: string };

/**
 * Writes a file only when its content differs (a re-delivered job rewrites nothing), through a
 * temporary name and a rename, so the terminal never loads half an .ex5.
 */
async function put(file: string, bytes: Buffer): Promise<boolean> {
  const current = await readFile(file).catch(() => null);
  if (current && current.equals(bytes)) return false;
  await mkdir(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  await writeFile(tmp, bytes);
  await rename(tmp, file);
  return true;
}

/** deploy/run: the EA's files and its chart template into `<terminalDir>/MQL5/`. */
export async function stageDeploy(payload: Record<string, unknown>, terminalDir: string | undefined, createMql5 = false): Promise<Staged> {
  if (!terminalDir) {
    return { ok: false, retcode: DEPLOY_FILES, error: 'this agent has no terminal data folder: start it with --terminal-dir DIR (or DCAP_TERMINAL_DIR), the folder that holds MQL5' };
  }
  const parsed = AttachPayloadSchema.safeParse(payload);
  if (!parsed.success) return { ok: false, retcode: 20001, error: `the deploy job's payload is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  const p = parsed.data;
  const mql5 = join(terminalDir, 'MQL5');
  if (createMql5) mkdirSync(mql5, { recursive: true });
  try {
    if (!statSync(mql5).isDirectory()) throw new Error('not a folder');
  } catch {
    return { ok: false, retcode: DEPLOY_FILES, error: `${mql5} does not exist: --terminal-dir must be the terminal's data folder (MT5: File > Open Data Folder), the one holding MQL5` };
  }
  const ex5 = Buffer.from(p.ex5.base64, 'base64');
  const mq5 = Buffer.from(p.mq5.base64, 'base64');
  for (const [what, bytes, blob] of [['.ex5', ex5, p.ex5], ['.mq5', mq5, p.mq5]] as const) {
    if (bytes.length !== blob.size || sha(bytes) !== blob.sha256) return { ok: false, retcode: DEPLOY_FILES, error: `the ${what} in the job does not match its size and sha256: not written` };
  }
  const files: [string, Buffer][] = [
    [join(mql5, expertRelPath(p.expert)), ex5],
    [join(mql5, expertRelPath(p.expert).replace(/\.ex5$/, '.mq5')), mq5],
    [join(mql5, templateRelPath(p.deploymentId)), renderTemplate({ expert: p.expert, inputs: p.inputs })],
  ];
  const written: string[] = [];
  const unchanged: string[] = [];
  try {
    for (const [file, bytes] of files) ((await put(file, bytes)) ? written : unchanged).push(file);
  } catch (err) {
    return { ok: false, retcode: DEPLOY_FILES, error: `cannot write into ${mql5}: ${(err as Error).message}` };
  }
  return { ok: true, written, unchanged };
}

export class LocalJobs {
  private readonly compiling = new Map<string, Promise<void>>();

  constructor(private readonly o: LocalJobsOptions & { createMql5?: boolean }) {}

  /** Jobs the agent runs itself instead of writing a bridge command. */
  takes(job: Pick<ServerJob, 'type'>): boolean {
    return job.type === 'compile';
  }

  /**
   * Before a deploy/run command is written: stage its files. A failure is the job's result (the
   * command is never written); null: go on and write it.
   */
  async beforeCommand(job: ServerJob, seq: number): Promise<Record<string, unknown> | null> {
    if (job.type !== 'deploy' && job.type !== 'run') return null;
    const staged = await stageDeploy(job.payload, this.o.terminalDir, this.o.createMql5);
    if (!staged.ok) {
      this.o.log.warn({ event: 'deploy.stage_failed', jobId: job.id, error: staged.error }, 'deploy files not staged');
      return { ...localResult(job, seq, staged.retcode, staged.error), deploymentId: job.payload.deploymentId };
    }
    this.o.log.info({ event: 'deploy.staged', jobId: job.id, written: staged.written, unchanged: staged.unchanged.length }, 'deploy files in the terminal folder');
    return null;
  }

  /** Starts a compile job in the background; a second call for the same job does nothing. */
  start(job: ServerJob, seq: number): void {
    if (this.compiling.has(job.id)) return;
    const run = this.compile(job, seq)
      .then((result) => {
        if (this.o.store.recordResult(job.id, result, [], Date.now())) {
          this.o.log.info({ event: 'compile.done', jobId: job.id, ok: result.ok }, result.ok ? 'compiled' : `compile failed: ${String(result.error)}`);
        }
        this.o.queued();
        this.o.resolved();
      })
      .catch((err: unknown) => this.o.log.error({ event: 'compile.record_failed', jobId: job.id, err: String(err) }, 'could not record a compile result; reconciliation retries'))
      .finally(() => this.compiling.delete(job.id));
    this.compiling.set(job.id, run);
  }

  /** Waits for compiles in progress (MetaEditor is stopped by its own timeout). */
  async stop(): Promise<void> {
    await Promise.all(this.compiling.values());
  }

  private async compile(job: ServerJob, seq: number): Promise<Record<string, unknown>> {
    if (!this.o.compile) return localResult(job, seq, UNSUPPORTED, 'this agent has no MetaEditor: start it with --metaeditor PATH (or DCAP_METAEDITOR) to take compile jobs');
    const parsed = CompilePayloadSchema.safeParse(job.payload);
    if (!parsed.success) return localResult(job, seq, 20001, `the compile job's payload is not valid: ${parsed.error.message}`);
    const p = parsed.data;
    mkdirSync(this.o.workDir, { recursive: true });
    const dir = mkdtempSync(join(this.o.workDir, 'compile-'));
    try {
      for (const h of p.headers) writeFileSync(join(dir, basename(h.name)), h.text);
      const file = join(dir, p.file);
      writeFileSync(file, p.source);
      // Loaded on the first compile job only: execa and the MetaEditor runner cost ~10 MB of RSS
      // that an agent which never compiles should not carry.
      const { compileMq5 } = await import('../ea/metaeditor.js');
      const r = await compileMq5(file, this.o.compile);
      let ex5: CompileReport['ex5'] = null;
      let problem = r.problem;
      if (r.ex5) {
        const bytes = readFileSync(r.ex5);
        if (bytes.length > MAX_COMPILED_EX5_BYTES) problem = `the .ex5 is ${bytes.length} bytes, over the ${MAX_COMPILED_EX5_BYTES} an agent sends back`;
        else ex5 = { base64: bytes.toString('base64'), sha256: sha(bytes), size: bytes.length };
      }
      // Paths of this scratch folder mean nothing to the server: name files as the project does.
      const diagnostics = r.diagnostics.map((d) => ({ ...d, file: d.file === null ? null : d.file.startsWith(dir) ? d.file.slice(dir.length + 1) : d.file }));
      const ok = r.ok && problem === null;
      const report: CompileReport = { ok, errors: r.errors, warnings: r.warnings, elapsedMs: r.elapsedMs, diagnostics, problem, ex5 };
      const retcode = ok ? 0 : INTERNAL;
      return {
        v: PROTOCOL_VERSION,
        jobId: job.id,
        seq,
        type: 'compile',
        ok,
        retcode,
        retcodeText: RETCODES[retcode]!.name,
        error: ok ? null : (problem ?? `${r.errors} error(s): ${r.diagnostics.find((d) => d.severity === 'error')?.message ?? ''}`.trim()),
        compile: report,
        source: 'agent',
        time: Date.now(),
      };
    } catch (err) {
      return localResult(job, seq, INTERNAL, `compile failed to run: ${(err as Error).message}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
