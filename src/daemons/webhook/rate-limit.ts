/**
 * Per-key token buckets: `rate` tokens per second, burst of 5x the rate. Time is passed in,
 * so replay can run the same limiter on the recorded clock and get the daemon's outcomes.
 */
export const BURST_FACTOR = 5;

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private buckets = new Map<string, Bucket>();

  /** Takes one token for `key`; false when the bucket is empty. rate 0 = unlimited. */
  take(key: string, rate: number, now: number): boolean {
    if (rate <= 0) return true;
    const capacity = rate * BURST_FACTOR;
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: capacity, at: now };
      this.buckets.set(key, b);
    }
    // Refill for the time elapsed; clocks that step back (replayed files out of order) refill nothing.
    const elapsed = Math.max(0, now - b.at);
    b.tokens = Math.min(capacity, b.tokens + (elapsed * rate) / 1000);
    b.at = Math.max(b.at, now);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
