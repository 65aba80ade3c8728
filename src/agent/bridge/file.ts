/**
 * The agent's side of the bridge file protocol (DESIGN.md section 6, src/bridge/protocol.ts):
 * writes command files atomically, notices result files (chokidar, plus a periodic scan, as
 * chokidar can miss events on network and wine folders), reads hello.json and state.json.
 */
import { watch, type FSWatcher } from 'chokidar';
import { EventEmitter } from 'node:events';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from '../../log.js';
import {
  commandFileName,
  HelloSchema,
  parseCommandFileName,
  resultFileName,
  ResultSchema,
  StateSchema,
  type Hello,
  type Result,
  type State,
} from '../../bridge/protocol.js';

export interface FileBridgeOptions {
  /** The terminal's Common\Files folder. */
  filesDir: string;
  bridgeId: string;
  log: Logger;
  /** How often res/ and state.json are scanned besides chokidar's events. */
  scanMs?: number;
}

export type ReadOutcome<T> = { ok: true; value: T; mtimeMs: number } | { ok: false; missing: boolean; error?: string };

/**
 * Emits `result` (jobId) when res/<jobId>.json appears and `state` when state.json changes. Both
 * may repeat for one file: listeners must be idempotent.
 */
export class FileBridge extends EventEmitter<{ result: [string]; state: [] }> {
  readonly dir: string;
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private stateMtime = 0;

  constructor(private readonly o: FileBridgeOptions) {
    super();
    this.dir = join(o.filesDir, 'dcap', o.bridgeId);
  }

  async start(): Promise<void> {
    await mkdir(join(this.dir, 'cmd'), { recursive: true });
    await mkdir(join(this.dir, 'res'), { recursive: true });
    // Half-written commands of an agent killed mid-write: never renamed, so never seen by the EA.
    for (const name of await readdir(join(this.dir, 'cmd'))) {
      if (name.startsWith('.') && name.endsWith('.tmp')) await rm(join(this.dir, 'cmd', name), { force: true });
    }
    this.watcher = watch([join(this.dir, 'res'), join(this.dir, 'state.json')], { ignoreInitial: false, depth: 0 });
    this.watcher.on('add', (p) => this.onPath(p));
    this.watcher.on('change', (p) => this.onPath(p));
    this.watcher.on('error', (err) => this.o.log.warn({ event: 'bridge.watch_error', err: String(err) }, 'file watcher error; the periodic scan goes on'));
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
    const scanMs = this.o.scanMs ?? 1000;
    this.timer = setInterval(() => void this.scan(), scanMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.watcher?.close();
    this.watcher = undefined;
  }

  private onPath(p: string): void {
    const name = basename(p);
    if (name === 'state.json') return void this.emit('state');
    if (name.startsWith('.') || !name.endsWith('.json')) return;
    this.emit('result', name.slice(0, -'.json'.length));
  }

  /** The fallback for missed watcher events: every result file present, and state.json's mtime. */
  async scan(): Promise<void> {
    try {
      for (const name of await readdir(join(this.dir, 'res'))) this.onPath(name);
      const st = await stat(join(this.dir, 'state.json')).catch(() => undefined);
      if (st && st.mtimeMs !== this.stateMtime) {
        this.stateMtime = st.mtimeMs;
        this.emit('state');
      }
    } catch (err) {
      this.o.log.debug({ event: 'bridge.scan_error', err: String(err) }, 'scan failed');
    }
  }

  /**
   * Writes cmd/<seq>-<jobId>.json atomically: a temporary name starting with '.' (which the EA
   * ignores) in the same folder, fsynced, then renamed into place, so the EA never reads half a file.
   */
  async writeCommand(command: { seq: number; jobId: string } & Record<string, unknown>): Promise<string> {
    const rel = commandFileName(command.seq, command.jobId);
    const final = join(this.dir, rel);
    const tmp = join(this.dir, 'cmd', `.${basename(rel)}.${process.pid}.tmp`);
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(command), 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, final);
    return final;
  }

  /** The command files waiting in cmd/ (the EA deletes each one once it has answered it). */
  async pendingCommands(): Promise<{ seq: number; jobId: string }[]> {
    const names = await readdir(join(this.dir, 'cmd')).catch(() => [] as string[]);
    return names.map(parseCommandFileName).filter((c): c is { seq: number; jobId: string } => c !== null);
  }

  async commandPresent(jobId: string): Promise<boolean> {
    return (await this.pendingCommands()).some((c) => c.jobId === jobId);
  }

  readResult(jobId: string): Promise<ReadOutcome<Result>> {
    return this.readJson(join(this.dir, resultFileName(jobId)), (v) => ResultSchema.safeParse(v));
  }

  /** Called only once the result is safely in agent.db. */
  async deleteResult(jobId: string): Promise<void> {
    await rm(join(this.dir, resultFileName(jobId)), { force: true });
  }

  readHello(): Promise<ReadOutcome<Hello>> {
    return this.readJson(join(this.dir, 'hello.json'), (v) => HelloSchema.safeParse(v));
  }

  readState(): Promise<ReadOutcome<State>> {
    return this.readJson(join(this.dir, 'state.json'), (v) => StateSchema.safeParse(v));
  }

  private async readJson<T>(
    file: string,
    parse: (v: unknown) => { success: true; data: T } | { success: false; error: { message: string } },
  ): Promise<ReadOutcome<T>> {
    let text: string;
    let mtimeMs: number;
    try {
      const [t, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
      text = t.charCodeAt(0) === 0xfeff ? t.slice(1) : t;
      mtimeMs = st.mtimeMs;
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      return { ok: false, missing, error: missing ? undefined : (err as Error).message };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      return { ok: false, missing: false, error: `${basename(file)} is not JSON: ${(err as Error).message}` };
    }
    const parsed = parse(raw);
    if (!parsed.success) return { ok: false, missing: false, error: `${basename(file)}: ${parsed.error.message}` };
    return { ok: true, value: parsed.data, mtimeMs };
  }
}
