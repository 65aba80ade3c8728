/**
 * Sends what agent.db owes the server, strictly in order: a result, then the state and events that
 * followed it. A row leaves the queue only when the server said 200, or refused it for good (4xx:
 * kept as dead, logged as an error, so one bad row never blocks every later result).
 */
import type { Logger } from '../log.js';
import { ApiError, type AgentClient } from './client.js';
import type { Health } from './health.js';
import type { AgentStore, Delivery } from './outbox.js';
import { backoffMs, Waker } from './timing.js';

export type DelivererState = 'idle' | 'sending' | 'backoff' | 'stopped';

export class Deliverer {
  private stateName: DelivererState = 'idle';
  private failures = 0;
  private delivered = 0;
  private readonly abort = new AbortController();
  private readonly waker = new Waker(this.abort.signal);
  private running?: Promise<void>;

  constructor(
    private readonly o: { store: AgentStore; client: AgentClient; health: Health; log: Logger; onDelivered?: (d: Delivery) => void },
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  /** Something was queued: send it now. */
  kick(): void {
    this.waker.wake();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    this.stateName = 'stopped';
  }

  snapshot() {
    return { state: this.stateName, failures: this.failures, delivered: this.delivered, pending: this.o.store.pendingDeliveries() };
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      const d = this.o.store.nextDelivery();
      if (!d) {
        this.stateName = 'idle';
        await this.waker.sleep(60_000);
        continue;
      }
      this.stateName = 'sending';
      try {
        await this.send(d);
        this.o.store.delivered(d, Date.now());
        this.delivered++;
        this.failures = 0;
        this.o.health.serverReachable();
        this.o.onDelivered?.(d);
      } catch (err) {
        if (this.abort.signal.aborted) break;
        if (err instanceof ApiError && err.permanent) {
          this.o.store.dead(d, err.message);
          this.o.log.error({ event: 'delivery.refused', kind: d.kind, jobId: d.jobId, status: err.status, error: err.message }, `the server refused a ${d.kind} for good; kept in agent.db as dead`);
          continue;
        }
        this.o.store.failedAttempt(d, (err as Error).message);
        this.failures++;
        if (err instanceof ApiError && err.status === 401) this.o.log.error({ event: 'delivery.unauthorized' }, 'the server refuses this agent id and key (revoked?); retrying with backoff');
        else this.o.health.serverUnreachable((err as Error).message);
        const wait = backoffMs(this.failures);
        this.stateName = 'backoff';
        this.o.log.debug({ event: 'delivery.retry', kind: d.kind, inMs: wait }, 'delivery failed; retrying');
        // Not woken by kick(): a new row must not turn an outage into a hot loop.
        await sleep(wait, this.abort.signal);
      }
    }
  }

  private async send(d: Delivery): Promise<void> {
    if (d.kind === 'result') {
      const r = await this.o.client.postResult(d.jobId!, d.body);
      this.o.log.info({ event: 'result.delivered', jobId: d.jobId, outcome: r.outcome, status: r.status }, 'result delivered');
    } else if (d.kind === 'state') await this.o.client.state(d.body);
    else await this.o.client.events(d.body);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
