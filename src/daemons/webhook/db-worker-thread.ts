/**
 * The webhook daemon's store worker: owns the write connection, runs the ops the main thread
 * posts (db-ops.ts) in group-committed batches, and posts each reply after COMMIT returned. The
 * main thread keeps parsing HTTP while this thread waits for fsync. Started by DbWorker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDb } from '../../store/db.js';
import { createOps, type DbOps, type FromWorker, type ToWorker } from './db-ops.js';
import { CommitError, commitBatch, emptyStats } from './group-commit.js';

export interface WorkerData {
  file: string;
  dedupWindowMs: number;
  /** Bounds the latency of the last op of a batch. */
  maxBatch: number;
}

const port = parentPort!;
const { file, dedupWindowMs, maxBatch } = workerData as WorkerData;
const db = openDb(file, { synchronous: 'FULL' });
// The daemon answers TradingView within 3 s: never wait long for a CLI command's write lock.
db.pragma('busy_timeout = 1000');
const ops = createOps(db, { dedupWindowMs });
const stats = emptyStats();
type Op = Extract<ToWorker, { type: 'op' }>;
let queue: Op[] = [];
let scheduled = false;

const post = (msg: FromWorker) => port.postMessage(msg);

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'close') {
    // The port is FIFO: every op posted before 'close' is queued by now.
    flush();
    db.close();
    port.close();
    return;
  }
  queue.push(msg);
  // Messages that arrived while a batch was committing are delivered together, before this
  // runs: they form the next batch.
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});

function flush(): void {
  scheduled = false;
  while (queue.length > 0) {
    const batch = queue.slice(0, maxBatch);
    queue = queue.slice(batch.length);
    commit(batch);
  }
}

function commit(batch: Op[]): void {
  const units = batch.map((m) => () => (ops[m.op] as (...a: unknown[]) => unknown)(...m.args));
  try {
    const outcomes = commitBatch(db, units);
    stats.batches++;
    stats.units += batch.length;
    stats.lastError = null;
    const replies = outcomes.map((o, i) =>
      o.ok ? { id: batch[i]!.id, ok: true, value: o.value } : { id: batch[i]!.id, ok: false, error: (o.error as Error)?.message ?? String(o.error) },
    );
    post({ type: 'batch', replies, stats });
  } catch (err) {
    if (!(err instanceof CommitError)) throw err;
    stats.failedBatches++;
    stats.lastError = err.message;
    post({ type: 'batch', replies: batch.map((m) => ({ id: m.id, ok: false })), commitError: err.message, stats });
  }
}

post({ type: 'ready' });

