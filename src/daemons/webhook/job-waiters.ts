import type { DB } from '../../store/db.js';

/**
 * Wakes long-polling agents the moment a job may be available. Jobs created in this process
 * (alert intake) call wake() right after their commit; jobs written by another process (a CLI
 * command on the same database) are noticed through SQLite's `PRAGMA data_version`, which
 * changes when another connection commits: a cheap check, run only while someone waits.
 */
export class JobWaiters {
  private waiters = new Set<() => void>();
  private timer?: NodeJS.Timeout;
  private dataVersion = -1;
  /** Counts wake()s: a waiter busy between two waits compares it to see whether it missed one. */
  generation = 0;

  constructor(
    private readonly db: DB,
    private readonly checkEveryMs = 100,
  ) {}

  get size(): number {
    return this.waiters.size;
  }

  /** Resolves on wake() or after `ms`, whichever comes first. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiters.delete(done);
        if (this.waiters.size === 0) this.stopChecking();
        resolve();
      };
      const t = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
      this.startChecking();
    });
  }

  wake(): void {
    this.generation++;
    for (const w of [...this.waiters]) w();
  }

  private startChecking(): void {
    if (this.timer) return;
    this.dataVersion = this.readVersion();
    this.timer = setInterval(() => {
      const v = this.readVersion();
      if (v !== this.dataVersion) {
        this.dataVersion = v;
        this.wake();
      }
    }, this.checkEveryMs);
    this.timer.unref();
  }

  private stopChecking(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private readVersion(): number {
    try {
      return this.db.pragma('data_version', { simple: true }) as number;
    } catch {
      return this.dataVersion;
    }
  }
}
