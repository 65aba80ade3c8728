import { Worker } from 'node:worker_threads';
import type { Logger } from '../../log.js';
import type { DbOps, FromWorker, OpName, ToWorker } from './db-ops.js';
import type { WorkerData } from './db-worker-thread.js';
import { CommitError, emptyStats, type CommitStats } from './group-commit.js';

export interface DbWorkerOptions {
  /** The database file (the worker opens its own connection: SQLite connections are per thread). */
  file: string;
  dedupWindowMs: number;
  log: Logger;
  maxBatch?: number;
  /** The compiled worker script; tests may point elsewhere. */
  script?: URL;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

const MAX_RESTART_DELAY_MS = 30_000;

/**
 * The main thread's handle on the store worker (db-worker-thread.ts): write() posts a named op
 * and resolves with its result once the batch holding it has committed (rejects with CommitError
 * when that commit failed, or with the op's own error when it alone rolled back).
 *
 * A worker that dies (a bug: an exception escaping its loop) fails every op in flight with
 * CommitError, so those requests get 503 and TradingView resends; then it is restarted with
 * backoff rather than taking the process down, because the HTTP side (long-polls, relay
 * sockets in `dcap up`, /healthz showing `degraded`) stays useful and nothing was acknowledged
 * that is not committed. The crash is logged at error level every time.
 */
export class DbWorker {
  private worker?: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closing?: Promise<void>;
  private restartDelay = 500;
  private idleWaiters: (() => void)[] = [];
  stats: CommitStats = emptyStats();
  /** Why the worker is not running, while it is down. */
  down: string | null = 'not started';

  constructor(private readonly o: DbWorkerOptions) {}

  /** Starts the worker; resolves once it has opened the store. */
  async start(): Promise<void> {
    const worker = new Worker(this.o.script ?? new URL('./db-worker-thread.js', import.meta.url), {
      workerData: { file: this.o.file, dedupWindowMs: this.o.dedupWindowMs, maxBatch: this.o.maxBatch ?? 512 } satisfies WorkerData,
    });
    this.worker = worker;
    await new Promise<void>((resolve, reject) => {
      const failed = (err: Error) => reject(new Error(`store worker could not start: ${err.message}`, { cause: err }));
      worker.once('error', failed);
      worker.once('message', (msg: FromWorker) => {
        worker.off('error', failed);
        if (msg.type === 'ready') resolve();
        else failed(new Error(`unexpected ${msg.type}`));
      });
    });
    this.down = null;
    let crash: Error | undefined;
    worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    worker.on('error', (err) => (crash = err));
    worker.on('exit', (code) => this.onExit(worker, code, crash));
  }

  write<K extends OpName>(op: K, ...args: Parameters<DbOps[K]>): Promise<ReturnType<DbOps[K]>> {
    if (!this.worker || this.down !== null || this.closing) {
      return Promise.reject(new CommitError(`store unavailable: ${this.closing ? 'stopping' : `store worker down (${this.down})`}`));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker!.postMessage({ type: 'op', id, op, args } satisfies ToWorker);
    });
  }

  /** Resolves once every op posted so far has committed or failed. */
  drain(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Lets every posted op commit, then stops the worker (it closes its connection). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const worker = this.worker;
      if (!worker || this.down !== null) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ type: 'close' } satisfies ToWorker);
      await exited;
    })();
    return this.closing;
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type !== 'batch') return;
    this.stats = msg.stats;
    if (msg.commitError === undefined) this.restartDelay = 500;
    for (const r of msg.replies) {
      const p = this.pending.get(r.id);
      if (!p) continue;
      this.pending.delete(r.id);
      if (msg.commitError !== undefined) p.reject(new CommitError(msg.commitError));
      else if (r.ok) p.resolve(r.value);
      else p.reject(new Error(r.error));
    }
    this.settled();
  }

  private onExit(worker: Worker, code: number, crash: Error | undefined): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    if (this.closing) {
      this.down = 'stopped';
      this.failPending('store worker stopped');
      return;
    }
    this.down = crash?.message ?? `exit code ${code}`;
    this.o.log.error({ event: 'store_worker.crashed', err: this.down, stack: crash?.stack, inFlight: this.pending.size, restartInMs: this.restartDelay }, 'store worker died: answering 503 until it is back');
    this.failPending(`store worker died: ${this.down}`);
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delay = this.restartDelay;
    this.restartDelay = Math.min(MAX_RESTART_DELAY_MS, this.restartDelay * 2);
    setTimeout(() => {
      if (this.closing) return;
      this.start().then(
        () => this.o.log.warn({ event: 'store_worker.restarted' }, 'store worker restarted'),
        (err: Error) => {
          this.worker = undefined;
          this.down = err.message;
          this.o.log.error({ event: 'store_worker.restart_failed', err: err.message }, 'store worker could not restart');
          this.scheduleRestart();
        },
      );
    }, delay).unref();
  }

  private failPending(why: string): void {
    const err = new CommitError(`store unavailable: ${why}`);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.settled();
  }

  private settled(): void {
    if (this.pending.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }
}
