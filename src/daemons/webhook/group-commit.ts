import type { DB } from '../../store/db.js';

interface Pending<T> {
  fn: () => T;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

/** Thrown to every request of a batch whose commit failed: the daemon answers 503. */
export class CommitError extends Error {
  override name = 'CommitError';
}

/**
 * Group commit: work queued during one event-loop turn runs in ONE transaction, and every
 * promise resolves only after COMMIT returned. With synchronous=FULL that COMMIT fsyncs the
 * WAL, so one fsync covers every request answered after it (DESIGN.md section 4: a 2xx only
 * after a durable commit), instead of one fsync per alert.
 *
 * Each unit runs in its own savepoint (better-sqlite3 nests db.transaction as SAVEPOINT), so a
 * unit that throws rolls back alone and the rest of the batch still commits.
 */
export class GroupCommit {
  private queue: Pending<unknown>[] = [];
  private scheduled = false;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  /** Batches committed and units in them, for /healthz and the benchmark. */
  readonly stats = { batches: 0, units: 0, failedBatches: 0, lastError: null as string | null };

  constructor(
    private readonly db: DB,
    /** Bounds the latency of the last unit of a batch. */
    private readonly maxBatch = 512,
  ) {}

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve, reject } as Pending<unknown>);
      this.inFlight++;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves once every queued unit has committed or failed. */
  drain(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) this.commitBatch(this.queue.splice(0, this.maxBatch));
  }

  private commitBatch(batch: Pending<unknown>[]): void {
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const unit of batch) {
        try {
          outcomes.push({ ok: true, value: this.db.transaction(unit.fn)() });
        } catch (err) {
          outcomes.push({ ok: false, value: err });
        }
      }
      this.db.exec('COMMIT');
      this.stats.batches++;
      this.stats.units += batch.length;
      this.stats.lastError = null;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.stats.failedBatches++;
      this.stats.lastError = (err as Error).message;
      const failure = new CommitError(`store unavailable: ${(err as Error).message}`, { cause: err });
      for (const unit of batch) unit.reject(failure);
      this.settle(batch.length);
      return;
    }
    batch.forEach((unit, i) => (outcomes[i]!.ok ? unit.resolve(outcomes[i]!.value) : unit.reject(outcomes[i]!.value)));
    this.settle(batch.length);
  }

  private settle(n: number): void {
    this.inFlight -= n;
    if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
  }
}
