import type { Logger } from '../log.js';
import type { DB } from '../store/db.js';
import { planBatch } from './batch.js';
import type { MapContext, OutboxRow } from './mapping.js';
import { SinkError, type Sink, type SinkOp } from './sink.js';
import { deadCount, lastSyncedAt, markDead, markFailed, markSynced, oldestPendingAt, pendingCount, readBatch } from './queries.js';

export type SyncState = 'idle' | 'sending' | 'backoff' | 'paused-auth' | 'off';

export interface SyncSnapshot {
  state: SyncState;
  /** postgres | supabase | off */
  sink: string;
  /** Where the sink writes (no credentials), when there is one. */
  target?: string;
  pending: number;
  dead: number;
  /** ISO time of the last row marked synced, null if none ever was. */
  lastSyncedAt: string | null;
  /** Age of the oldest row still waiting (0 when none waits). */
  lagMs: number;
  lastError: string | null;
}

export interface SyncLoopOptions {
  db: DB;
  /** null: sync is off (offReason says why). */
  sink: Sink | null;
  offReason?: string;
  log: Logger;
  map: MapContext;
  batchSize: number;
  /** How often an idle loop looks for new rows. */
  intervalMs: number;
  /** The sync_nodes row, sent at start and every minute while rows flow. */
  node?: SinkOp;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** While paused on an auth error, try again after this long. */
  authRetryMs?: number;
  now?: () => number;
  random?: () => number;
}

type Step = 'sent' | 'empty' | 'retry' | 'auth';

const NODE_EVERY_MS = 60_000;
const LOUD_EVERY_MS = 60_000;

/**
 * Sends the outbox to the sink. Rows go in `seq` order, a batch at a time, and are marked
 * synced only after the target committed them: a crash in between resends them, which the
 * idempotent writes make harmless (an upsert on the row id, a guarded patch). Transient
 * failures back off exponentially with jitter; a permanent failure is narrowed down by
 * halving the batch (in order) until the one row at fault goes dead with its error; an auth
 * or setup failure pauses loudly without touching any row. Never throws out of run().
 */
export class SyncLoop {
  state: SyncState;
  private lastError: string | null = null;
  private attempt = 0;
  private stopped = false;
  private running?: Promise<void>;
  private wakeSleep?: () => void;
  private nodeSentAt = -Infinity;
  private lastLoudAt = -Infinity;
  private dead: number;
  private syncedAt: number | null;
  /** Rows dead-lettered by this loop since it started. */
  deadSinceStart = 0;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly opts: SyncLoopOptions) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.state = opts.sink ? 'idle' : 'off';
    if (!opts.sink) this.lastError = opts.offReason ?? null;
    this.dead = deadCount(opts.db);
    this.syncedAt = lastSyncedAt(opts.db);
  }

  /** Starts the background loop (no-op when off or already running). */
  start(): void {
    if (!this.opts.sink || this.running) return;
    this.running = this.run();
  }

  /** Ends the loop after the write in flight (bounded by `timeoutMs`), then closes the sink. Idempotent. */
  private stopping?: Promise<void>;
  stop(timeoutMs = 5_000): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      this.wakeSleep?.();
      if (this.running) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([this.running, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
        clearTimeout(timer);
      }
      await this.opts.sink?.close();
      if (this.state !== 'off') this.state = 'idle';
    })();
    return this.stopping;
  }

  /** Cuts the idle sleep short (new rows were written). */
  wake(): void {
    this.wakeSleep?.();
  }

  /**
   * `dcap sync run --once`: sends until nothing is pending. Transient failures back off and are
   * tried `maxRetries` times; auth failures end it at once. ok is false when rows went dead,
   * the sync is off or paused, or the retries ran out.
   */
  async drain(maxRetries = 5): Promise<{ ok: boolean; error: string | null }> {
    if (!this.opts.sink) return { ok: false, error: this.lastError ?? 'sync is off' };
    let failures = 0;
    for (;;) {
      const step = await this.step();
      if (step === 'empty') break;
      if (step === 'auth') {
        this.state = 'paused-auth';
        return { ok: false, error: this.lastError };
      }
      if (step === 'retry') {
        this.state = 'backoff';
        if (++failures > maxRetries) return { ok: false, error: `gave up after ${maxRetries} retries: ${this.lastError}` };
        await this.sleep(this.backoffMs());
      }
    }
    this.state = 'idle';
    return this.deadSinceStart > 0 ? { ok: false, error: `${this.deadSinceStart} row(s) went dead: ${this.lastError}` } : { ok: true, error: null };
  }

  snapshot(): SyncSnapshot {
    const db = this.opts.db;
    const oldest = oldestPendingAt(db);
    const snap: SyncSnapshot = {
      state: this.state,
      sink: this.opts.sink?.kind ?? 'off',
      pending: pendingCount(db),
      dead: this.dead,
      lastSyncedAt: this.syncedAt === null ? null : new Date(this.syncedAt).toISOString(),
      lagMs: oldest === null ? 0 : Math.max(0, this.now() - oldest),
      lastError: this.lastError,
    };
    if (this.opts.sink) snap.target = this.opts.sink.target;
    return snap;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let step: Step;
      try {
        step = await this.step();
      } catch (err) {
        // A bug or a local store error: never a hot loop, never a crash of the daemon.
        this.lastError = `sync loop: ${(err as Error).message}`;
        this.opts.log.error({ event: 'sync.error', err }, 'sync loop failed; backing off');
        step = 'retry';
      }
      if (this.stopped) break;
      if (step === 'sent') continue;
      if (step === 'empty') {
        this.state = 'idle';
        await this.sleep(this.opts.intervalMs);
      } else if (step === 'retry') {
        this.state = 'backoff';
        await this.sleep(this.backoffMs());
      } else {
        this.state = 'paused-auth';
        await this.sleep(this.opts.authRetryMs ?? 60_000);
      }
    }
  }

  /** One batch: read, send (narrowing down permanent failures), mark. */
  private async step(): Promise<Step> {
    const rows = readBatch(this.opts.db, this.opts.batchSize);
    if (rows.length === 0) return 'empty';
    this.state = 'sending';
    try {
      if (this.now() - this.nodeSentAt >= NODE_EVERY_MS) await this.sendNode();
      await this.sendRange(rows);
    } catch (err) {
      if (!(err instanceof SinkError)) throw err;
      markFailed(this.opts.db, rows[0]!.seq, rows[rows.length - 1]!.seq, err.message);
      this.lastError = err.message;
      if (err.kind === 'auth') {
        this.loud(err);
        return 'auth';
      }
      this.attempt++;
      this.opts.log.warn({ event: 'sync.retry', attempt: this.attempt, code: err.code, err: err.message }, 'sync batch failed; will retry');
      return 'retry';
    }
    this.attempt = 0;
    this.lastError = null;
    return 'sent';
  }

  private async sendNode(): Promise<void> {
    if (!this.opts.node) return;
    const at = new Date(this.now()).toISOString();
    const row = { ...this.opts.node.rows[0], last_seen_at: at, updated_at: at };
    try {
      await this.opts.sink!.apply([{ ...this.opts.node, rows: [row] }]);
      this.nodeSentAt = this.now();
    } catch (err) {
      // The node row is bookkeeping: only a failure that stops every write stops the batch.
      if (err instanceof SinkError && err.kind !== 'permanent') throw err;
      this.nodeSentAt = this.now();
      this.opts.log.warn({ event: 'sync.node_failed', err: (err as Error).message }, 'could not record this node in sync_nodes');
    }
  }

  private async sendRange(rows: OutboxRow[]): Promise<void> {
    const db = this.opts.db;
    const plan = planBatch(rows, this.opts.map);
    for (const u of plan.unmappable) this.markDead([u.seq], u.error);
    try {
      const result = plan.ops.length > 0 ? await this.opts.sink!.apply(plan.ops) : { missing: new Set<string>() };
      for (const key of result.missing) {
        this.markDead(plan.sources.get(key) ?? [], `${key.replace(':', ' row ')} is not in the target for this user (its first event went dead, or was synced elsewhere): re-queue with dcap sync retry-dead`);
      }
    } catch (err) {
      if (!(err instanceof SinkError) || err.kind !== 'permanent') throw err;
      if (rows.length === 1) {
        this.markDead([rows[0]!.seq], err.message);
        return;
      }
      // Halves in order, so rows of one aggregate still arrive in seq order.
      const mid = rows.length >> 1;
      await this.sendRange(rows.slice(0, mid));
      await this.sendRange(rows.slice(mid));
      return;
    }
    const at = this.now();
    markSynced(db, rows[0]!.seq, rows[rows.length - 1]!.seq, at);
    this.syncedAt = at;
  }

  private markDead(seqs: number[], error: string): void {
    const n = markDead(this.opts.db, seqs, error);
    if (n === 0) return;
    this.dead += n;
    this.deadSinceStart += n;
    this.lastError = error;
    this.opts.log.error({ event: 'sync.dead', seqs, err: error }, 'outbox row(s) dead-lettered: see dcap sync status; dcap sync retry-dead re-queues them');
  }

  /** Auth and setup errors: an error line at most once a minute, for as long as it lasts. */
  private loud(err: SinkError): void {
    if (this.now() - this.lastLoudAt < LOUD_EVERY_MS) return;
    this.lastLoudAt = this.now();
    this.opts.log.error(
      { event: 'sync.paused', code: err.code, err: err.message },
      'SYNC PAUSED: the target refused our credentials or lacks the dcap schema; nothing is lost, rows wait in the outbox. Fix the config (DCAP_SUPABASE_*) or run the migrations; retrying every minute',
    );
  }

  /** Exponential with jitter: base * 2^attempt, capped, scaled by a random factor in [0.5, 1). */
  private backoffMs(): number {
    const base = this.opts.backoffBaseMs ?? 500;
    const max = this.opts.backoffMaxMs ?? 30_000;
    const raw = Math.min(max, base * 2 ** Math.min(this.attempt, 20));
    return Math.round(raw * (0.5 + this.random() / 2));
  }

  /** A sleep that stop() and wake() cut short. */
  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeSleep = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleep = done;
    });
  }
}
