/**
 * From the bridge into agent.db: result files (stored with their trade events, then deleted) and
 * state.json changes (queued as a snapshot, debounced, with the SL/TP/close events they imply).
 */
import type { Position, State } from '../bridge/protocol.js';
import type { Logger } from '../log.js';
import type { FileBridge } from './bridge/file.js';
import { eventsFromResult, eventsFromStateChange } from './events.js';
import type { AgentStore } from './outbox.js';

export interface IngestOptions {
  store: AgentStore;
  bridge: FileBridge;
  log: Logger;
  /** A result or a state was queued: deliver it. */
  queued: () => void;
  /** A job got its result: a pipeline slot is free. */
  resolved: () => void;
  stateDebounceMs?: number;
}

export class ResultIngest {
  private readonly busy = new Set<string>();
  private readonly strays = new Set<string>();
  private readonly unreadable = new Map<string, string>();
  /** Positions closed by our close jobs lately: their events come from the result, not from state. */
  private readonly closedByJobs = new Set<number>();
  private stateTimer?: NodeJS.Timeout;
  private lastState?: string;
  jobsDone = 0;

  constructor(private readonly o: IngestOptions) {
    this.lastState = o.store.getMeta('state');
  }

  /** res/<jobId>.json appeared (maybe again). Safe to call any number of times. */
  async onResult(jobId: string): Promise<void> {
    if (this.busy.has(jobId)) return;
    this.busy.add(jobId);
    try {
      const job = this.o.store.getJob(jobId);
      if (!job) {
        // Another agent's, or an agent.db that was lost: left alone; a re-handed job finds it.
        if (!this.strays.has(jobId)) this.o.log.warn({ event: 'result.stray', jobId }, 'result file for a job this agent does not know; left in place');
        this.strays.add(jobId);
        return;
      }
      if (job.stage === 'result' || job.stage === 'done') {
        await this.o.bridge.deleteResult(jobId);
        return;
      }
      const r = await this.o.bridge.readResult(jobId);
      if (!r.ok) {
        if (!r.missing && this.unreadable.get(jobId) !== r.error) {
          this.unreadable.set(jobId, r.error ?? '');
          this.o.log.warn({ event: 'result.unreadable', jobId, error: r.error }, 'result file unreadable; will read it again');
        }
        return;
      }
      this.unreadable.delete(jobId);
      const result = r.value;
      if (result.type === 'close') {
        if (this.closedByJobs.size > 10_000) this.closedByJobs.clear();
        for (const i of result.items ?? [{ ticket: result.ticket }]) if (i.ticket > 0) this.closedByJobs.add(i.ticket);
      }
      const events = eventsFromResult(result, job.signalId, this.lastPositions());
      if (this.o.store.recordResult(jobId, result as unknown as Record<string, unknown>, events, Date.now())) {
        this.jobsDone++;
        this.o.log.info(
          { event: 'job.result', jobId, seq: job.seq, ok: result.ok, retcode: result.retcode, retcodeText: result.retcodeText, source: result.source },
          result.ok ? 'job executed' : `job failed: ${result.retcode} ${result.retcodeText}`,
        );
      }
      // Only now, with the result committed to agent.db, may the file go.
      await this.o.bridge.deleteResult(jobId);
      this.o.queued();
      this.o.resolved();
    } catch (err) {
      this.o.log.error({ event: 'result.ingest_failed', jobId, err: String(err) }, 'could not store a result; will try again');
    } finally {
      this.busy.delete(jobId);
    }
  }

  /** The positions of the last state read (for the P&L of a close). */
  private lastPositions(): Position[] {
    return this.lastState ? (((JSON.parse(this.lastState) as Pick<State, 'positions'>).positions ?? []) as Position[]) : [];
  }

  /** state.json changed: read it after a short quiet period (the EA rewrites it on every change). */
  onState(): void {
    if (this.stateTimer) return;
    this.stateTimer = setTimeout(() => {
      this.stateTimer = undefined;
      void this.readState();
    }, this.o.stateDebounceMs ?? 250);
  }

  stop(): void {
    if (this.stateTimer) clearTimeout(this.stateTimer);
    this.stateTimer = undefined;
  }

  private async readState(): Promise<void> {
    const r = await this.o.bridge.readState();
    if (!r.ok) {
      if (!r.missing) this.o.log.debug({ event: 'state.unreadable', error: r.error }, 'state.json unreadable');
      return;
    }
    const { time: _time, ...content } = r.value;
    const text = JSON.stringify(content);
    if (text === this.lastState) return;
    const events = this.lastState ? eventsFromStateChange(this.lastPositions(), r.value.positions, Date.now(), this.closedByJobs) : [];
    const now = Date.now();
    this.o.store.db.transaction(() => {
      this.o.store.queueState(r.value, now);
      this.o.store.queueEvents(events, now);
      this.o.store.setMeta('state', text);
    })();
    this.lastState = text;
    for (const e of events) this.o.log.info({ event: 'trade.event', kind: e.kind, ticket: e.ticket, symbol: e.symbol }, `position ${e.ticket} closed (${e.kind})`);
    this.o.queued();
  }
}
