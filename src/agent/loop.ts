/**
 * The job loop: claim a job only while the bridge is ready, record it in agent.db, write its
 * command, and go on claiming (the EA executes in seq order) up to `maxInFlight` unanswered jobs.
 * Results come back through ResultIngest. Explicit states, abortable waits, backoff on errors.
 */
import type { Logger } from '../log.js';
import type { FileBridge } from './bridge/file.js';
import { ApiError, type AgentClient, type ServerJob } from './client.js';
import { toCommand } from './command.js';
import type { LocalJobs } from './deploy.js';
import type { Health } from './health.js';
import type { AgentStore } from './outbox.js';
import { reconcile, type ReconcileDeps } from './reconcile.js';
import type { ResultIngest } from './results.js';
import { backoffMs, Waker } from './timing.js';

export type LoopState = 'starting' | 'reconciling' | 'waiting_bridge' | 'waiting_slot' | 'polling' | 'writing' | 'backoff' | 'stopping' | 'stopped';

export interface LoopOptions {
  store: AgentStore;
  bridge: FileBridge;
  client: AgentClient;
  health: Health;
  ingest: ResultIngest;
  log: Logger;
  queued: () => void;
  /** Long-poll wait, seconds. */
  waitS?: number;
  maxInFlight?: number;
  /** A written command gone from cmd/ without a result for this long is written again. */
  lostAfterMs?: number;
  /** EA jobs' own steps: deploy files staged before the command, compile run here. */
  local?: LocalJobs;
}

export class JobLoop {
  private stateName: LoopState = 'starting';
  private readonly abort = new AbortController();
  private readonly waker = new Waker(this.abort.signal);
  private poll?: AbortController;
  private failures = 0;
  private claimed = 0;
  private ticks = 0;
  private timer?: NodeJS.Timeout;
  private lock: Promise<unknown> = Promise.resolve();
  /** Jobs received from the server whose handle() has not finished (not all in agent.db yet). */
  private handling = 0;
  private writeFailed = false;
  private running?: Promise<void>;
  private readonly rec: ReconcileDeps;

  constructor(private readonly o: LoopOptions) {
    this.rec = { store: o.store, bridge: o.bridge, ingest: o.ingest, log: o.log, queued: o.queued, minSeq: () => this.minSeq(), local: o.local };
  }

  start(): void {
    this.running ??= this.run().catch((err: unknown) => {
      this.o.log.fatal({ event: 'loop.crashed', err: String((err as Error)?.stack ?? err) }, 'job loop crashed');
      throw err;
    });
  }

  /** A slot was freed or the bridge became ready: look again now. */
  kick(): void {
    this.waker.wake();
  }

  /**
   * Every second: hello.json again. A bridge that stopped being ready ends a long-poll in progress
   * (better than claiming a job it cannot execute); one that became ready wakes the loop. Every
   * fifth tick, open jobs are reconciled.
   */
  private async tick(): Promise<void> {
    await this.o.health.refresh();
    if (!this.o.health.bridgeReady) this.poll?.abort();
    else if (this.stateName === 'waiting_bridge') this.waker.wake();
    if (++this.ticks % 5 === 0) {
      await this.serial(() => reconcile(this.rec, this.o.lostAfterMs ?? 10_000)).catch((err: unknown) =>
        this.o.log.error({ event: 'reconcile.failed', err: String(err) }, 'reconciliation failed; will try again'),
      );
    }
  }

  async stop(): Promise<void> {
    this.stateName = 'stopping';
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
    this.poll?.abort();
    await this.running?.catch(() => undefined);
    await this.lock;
    this.stateName = 'stopped';
  }

  snapshot() {
    return { state: this.stateName, failures: this.failures, claimed: this.claimed, inFlight: this.o.store.countOpen() };
  }

  /** Runs `fn` alone: claims and reconciliation never write a command at the same time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => undefined);
    return next;
  }

  private async run(): Promise<void> {
    this.stateName = 'reconciling';
    await this.serial(() => reconcile(this.rec, this.o.lostAfterMs ?? 10_000));
    let ticking = false;
    this.timer = setInterval(() => {
      if (ticking || this.abort.signal.aborted) return;
      ticking = true;
      void this.tick().finally(() => (ticking = false));
    }, 1000);
    while (!this.abort.signal.aborted) {
      if (this.writeFailed) {
        // A disk that refuses writes must not turn into a hot loop of claims.
        this.writeFailed = false;
        await this.waker.sleep(1000);
        continue;
      }
      // The 1 s tick re-reads hello.json anyway (and ends a poll when the bridge goes); a reading
      // up to 250 ms old is as good before a claim.
      await this.o.health.refresh(250);
      if (!this.o.health.bridgeReady) {
        this.stateName = 'waiting_bridge';
        await this.waker.sleep(500);
        continue;
      }
      if (this.o.store.countOpen() + this.handling >= (this.o.maxInFlight ?? 16)) {
        this.stateName = 'waiting_slot';
        await this.waker.sleep(1000);
        continue;
      }
      this.stateName = 'polling';
      this.poll = new AbortController();
      let job: ServerJob | null;
      try {
        job = await this.o.client.nextJob(this.o.waitS ?? 25, AbortSignal.any([this.abort.signal, this.poll.signal]));
      } catch (err) {
        if (this.abort.signal.aborted) break;
        if (this.poll.signal.aborted) continue;
        this.failures++;
        if (err instanceof ApiError && err.status === 401) this.o.log.error({ event: 'agent.unauthorized' }, 'the server refuses this agent id and key: pair the agent again (dcap agent pair)');
        this.o.health.serverUnreachable((err as Error).message);
        this.stateName = 'backoff';
        await this.waker.sleep(backoffMs(this.failures));
        continue;
      } finally {
        this.poll = undefined;
      }
      this.failures = 0;
      this.o.health.serverReachable();
      if (!job) continue;
      // Pipelined: the next long-poll goes out at once while this job is recorded and written, so
      // a burst is not paced by one HTTP round trip plus the disk per job. Only one poll is ever in
      // flight and serial() keeps the order, so jobs get their seqs in the order the server handed
      // them out (two polls at once could answer out of order).
      this.handling++;
      void this.serial(() => this.handle(job))
        .catch((err: unknown) => {
          // The job is in agent.db (or not yet claimed there): reconciliation picks it up.
          this.o.log.error({ event: 'job.write_failed', jobId: job.id, err: String(err) }, 'could not write the command; will retry');
          this.writeFailed = true;
        })
        .finally(() => {
          this.handling--;
          this.waker.wake();
        });
    }
  }

  private async handle(job: ServerJob): Promise<void> {
    const now = Date.now();
    const known = this.o.store.getJob(job.id);
    if (known) {
      this.o.store.setAttempt(job.id, job.attempt, now);
      if (this.o.store.requeueResult(job.id, now)) {
        this.o.log.info({ event: 'job.redelivered', jobId: job.id, attempt: job.attempt }, 'job handed out again: sending its stored result again');
        this.o.queued();
      } else {
        this.o.log.info({ event: 'job.still_running', jobId: job.id, attempt: job.attempt, stage: known.stage }, 'job handed out again (lease ran out); its command is already with the terminal, not writing it twice');
      }
      return;
    }
    const row = this.o.store.claim(job, await this.minSeq(), now);
    this.claimed++;
    if (this.o.local?.takes(job)) return this.o.local.start(job, row.seq);
    if (job.attempt > 1) {
      // Handed out before and unknown here (agent.db lost?): the bridge may have answered already.
      const res = await this.o.bridge.readResult(job.id);
      if (res.ok) return this.o.ingest.onResult(job.id);
    }
    const m = toCommand(job, row.seq);
    if (!m.ok) {
      this.o.store.recordResult(job.id, m.result, [], now);
      this.o.log.warn({ event: 'job.refused', jobId: job.id, error: m.result.error }, 'job cannot be sent to the bridge');
      this.o.queued();
      return;
    }
    if (job.attempt > 1 && (await this.o.bridge.commandPresent(job.id))) {
      this.o.store.markWritten(job.id, m.command as Record<string, unknown>, now);
      return;
    }
    const refused = await this.o.local?.beforeCommand(job, row.seq);
    if (refused) {
      this.o.store.recordResult(job.id, refused, [], Date.now());
      this.o.queued();
      return;
    }
    const file = await this.o.bridge.writeCommand(m.command);
    this.o.store.markWritten(job.id, m.command as Record<string, unknown>, Date.now());
    this.o.log.info({ event: 'job.written', jobId: job.id, seq: row.seq, type: job.type, attempt: job.attempt, file }, 'command written');
  }

  private async minSeq(): Promise<number> {
    const cmds = await this.o.bridge.pendingCommands();
    const inCmd = cmds.reduce((m, c) => Math.max(m, c.seq), 0);
    return Math.max(inCmd, this.o.health.lastHello?.ea.lastSeq ?? 0);
  }
}
