/**
 * The agent's side of the bridge file protocol (DESIGN.md section 6, src/bridge/protocol.ts):
 * writes command files atomically, notices result files (the OS's folder notifications, plus a
 * periodic scan, as events get lost on network and wine folders), reads hello.json and state.json.
 */
import { EventEmitter } from 'node:events';
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync, type FSWatcher } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { watchDir } from '../../bridge/dir-watch.js';
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
  /** How often res/ and state.json are scanned besides the folder notifications. */
  scanMs?: number;
}

export type ReadOutcome<T> = { ok: true; value: T; mtimeMs: number } | { ok: false; missing: boolean; error?: string };

/**
 * Emits `result` (jobId) when res/<jobId>.json appears and `state` when state.json changes. Both
 * may repeat for one file: listeners must be idempotent.
 */
export class FileBridge extends EventEmitter<{ result: [string]; state: [] }> {
  readonly dir: string;
  private watchers: FSWatcher[] = [];
  private timer?: NodeJS.Timeout;
  private stateMtime = 0;
  /** Result files this agent deleted: their deletion event is not a new result. */
  private readonly deleted = new Set<string>();

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
    const onError = (err: unknown) => this.o.log.warn({ event: 'bridge.watch_error', err: String(err) }, 'file watcher error; the periodic scan goes on');
    const res = watchDir(join(this.dir, 'res'), (name) => (name === null ? void this.scan() : this.onResultName(name)), onError);
    // state.json is replaced by a rename: watched through its folder, as a watch on the file
    // itself would stay on the replaced inode.
    const root = watchDir(this.dir, (name) => (name === null ? void this.scan() : name === 'state.json' && this.emit('state')), onError);
    this.watchers = [res, root].filter((w): w is FSWatcher => w !== undefined);
    // Results written while the agent was away, and the current state.
    await this.scan();
    const scanMs = this.o.scanMs ?? 1000;
    this.timer = setInterval(() => void this.scan(), scanMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  private onResultName(name: string): void {
    if (name.startsWith('.') || !name.endsWith('.json')) return;
    const jobId = name.slice(0, -'.json'.length);
    if (this.deleted.delete(jobId)) return;
    this.emit('result', jobId);
  }

  /** The fallback for missed watcher events: every result file present, and state.json's mtime. */
  async scan(): Promise<void> {
    try {
      for (const name of await readdir(join(this.dir, 'res'))) if (!name.startsWith('.') && name.endsWith('.json')) this.emit('result', name.slice(0, -'.json'.length));
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
   * ignores) in the same folder, fsynced (so a power loss cannot leave a zero-length file under the
   * final name), then renamed into place, so the EA never reads half a file.
   *
   * Synchronous on purpose: it is the one step between a claimed job and the EA, the file is a few
   * hundred bytes, and five awaited fs calls cost five thread-pool round trips and event-loop turns,
   * which on a loaded machine added milliseconds per command (bench/latency.mjs). The fsync blocks
   * this thread about as long as an agent.db commit does.
   */
  async writeCommand(command: { seq: number; jobId: string } & Record<string, unknown>): Promise<string> {
    const rel = commandFileName(command.seq, command.jobId);
    const final = join(this.dir, rel);
    const tmp = join(this.dir, 'cmd', `.${basename(rel)}.${process.pid}.tmp`);
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, JSON.stringify(command), 'utf8');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, final);
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
    try {
      await rm(join(this.dir, resultFileName(jobId)));
      // Bounded: an event that never comes (a lost notification) must not make the set grow for ever.
      if (this.deleted.size > 1000) this.deleted.clear();
      this.deleted.add(jobId);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
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
