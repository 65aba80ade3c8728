/**
 * The bridge folder on disk: paths, atomic JSON writes, the command listing and its watcher.
 * Every file is written to a temporary name starting with "." in the same folder and renamed into
 * place, so a reader never sees half a file; readers skip names starting with "." (and anything
 * parseCommandFileName does not recognise).
 */
import type { FSWatcher } from 'node:fs';
import { mkdir, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { watchDir } from '../bridge/dir-watch.js';
import { parseCommandFileName } from '../bridge/protocol.js';

export interface BridgePaths {
  root: string;
  cmd: string;
  res: string;
  /** The processed-job memory (idempotency.ts). */
  done: string;
  state: string;
  ticks: string;
  hello: string;
  /** The paper account (what a broker would keep): positions, orders, deals, balance. */
  account: string;
}

const BRIDGE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export function bridgePaths(filesDir: string, bridgeId: string): BridgePaths {
  if (!BRIDGE_ID_RE.test(bridgeId)) throw new Error(`bridge id "${bridgeId}" must be 1-64 characters of A-Z, a-z, 0-9, _ and -`);
  const root = join(filesDir, 'dcap', bridgeId);
  return {
    root,
    cmd: join(root, 'cmd'),
    res: join(root, 'res'),
    done: join(root, 'done'),
    state: join(root, 'state.json'),
    ticks: join(root, 'ticks.json'),
    hello: join(root, 'hello.json'),
    account: join(root, 'paper', 'account.json'),
  };
}

/**
 * The paper terminal's own data folder (it holds MQL5\Experts, MQL5\Profiles\Templates): where
 * an agent with `--bridge paper` puts deployed EAs unless given --terminal-dir.
 */
export function paperTerminalDir(filesDir: string, bridgeId: string): string {
  return join(bridgePaths(filesDir, bridgeId).root, 'paper', 'terminal');
}

export async function ensureBridgeDirs(p: BridgePaths): Promise<void> {
  for (const dir of [p.cmd, p.res, p.done, dirname(p.account)]) await mkdir(dir, { recursive: true });
}

let tmpCounter = 0;

/** Writes JSON to `.<name>.<pid>.<n>.tmp` beside `file`, then renames it over `file`. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${++tmpCounter}.tmp`);
  await writeFile(tmp, JSON.stringify(value));
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

export interface CommandFile {
  name: string;
  seq: number;
  jobId: string;
}

/** Command files in cmd/, in seq order (ties by name). Temporary and stray files are skipped. */
export async function listCommands(cmdDir: string): Promise<CommandFile[]> {
  const names = await readdir(cmdDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const files: CommandFile[] = [];
  for (const name of names) {
    const parsed = parseCommandFileName(name);
    if (parsed) files.push({ name, ...parsed });
  }
  return files.sort((a, b) => a.seq - b.seq || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Calls `onChange` when something appears in cmd/: the OS's folder notifications for latency
 * (src/bridge/dir-watch.ts), plus a periodic scan because file events get lost (network shares,
 * wine, an overflowing inotify queue).
 */
export class CommandWatcher {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly onChange: () => void,
    private readonly scanMs: number,
  ) {}

  async start(): Promise<void> {
    // Temporary files (".name.tmp") are not commands yet; the scan below still finds whatever a lost event hid.
    this.watcher = watchDir(this.dir, (name) => name?.startsWith('.') || this.onChange(), () => undefined);
    this.timer = setInterval(this.onChange, this.scanMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }
}

/**
 * A file rewritten with the latest value: writes never overlap, and a call during a write gets one
 * more write after it (with whatever the value is then), so bursts collapse into two writes.
 */
export class LatestWriter {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(
    private readonly file: string,
    private readonly value: () => unknown,
  ) {}

  write(): Promise<void> {
    if (this.queued) return this.queued;
    if (this.running) {
      this.queued = this.running
        .catch(() => undefined)
        .then(() => {
          this.queued = undefined;
          return this.write();
        });
      return this.queued;
    }
    this.running = writeJsonAtomic(this.file, this.value()).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Waits for any write in flight. */
  async settle(): Promise<void> {
    await (this.queued ?? this.running)?.catch(() => undefined);
  }
}
