/** Abortable waits and reconnect backoff shared by the agent's loops. */

/** 1 s, 2 s, 4 s ... capped at 30 s, with +-20% jitter so many agents don't retry in step. */
export function backoffMs(failures: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * A sleep that ends early on wake() or when `signal` aborts: loops block on it instead of
 * polling, so new work is handled at once and shutdown never waits out a backoff.
 */
export class Waker {
  private wakeups: (() => void)[] = [];
  private pending = false;

  constructor(private readonly signal: AbortSignal) {}

  wake(): void {
    const w = this.wakeups.splice(0);
    if (w.length === 0) this.pending = true;
    for (const f of w) f();
  }

  /** Resolves after `ms`, on wake() (also one that came while nobody waited), or on abort. */
  sleep(ms: number): Promise<void> {
    if (this.pending || this.signal.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.signal.removeEventListener('abort', done);
        const i = this.wakeups.indexOf(done);
        if (i >= 0) this.wakeups.splice(i, 1);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.signal.addEventListener('abort', done, { once: true });
      this.wakeups.push(done);
    });
  }
}
