/**
 * Keeps the terminal subscribed to the symbols whose ticks the agent publishes: the `--watch`
 * symbols plus those of the open positions in state.json. A change of that set writes one
 * `subscribe` command (it replaces the terminal's set) with a seq of its own and a synthetic job
 * id `sub-<uuid>`: not a server job, so its result is consumed here and never delivered.
 *
 * The terminal's own report (hello.json `subscribed`) is the truth once it has answered our last
 * command (its lastSeq reached it) or restarted (a new startedAt): a restarted EA that forgot its
 * subscriptions is subscribed again, and an agent restart sends nothing when nothing changed.
 */
import { randomUUID } from 'node:crypto';
import type { Hello } from '../bridge/protocol.js';
import { PROTOCOL_VERSION, SubscribeCommandSchema } from '../bridge/protocol.js';
import type { Logger } from '../log.js';
import type { FileBridge } from './bridge/file.js';
import { HELLO_STALE_MS } from './health.js';
import type { AgentStore } from './outbox.js';

/** Job ids of the agent's own subscribe commands; server job ids are UUIDs, never this. */
export const SUBSCRIBE_JOB_PREFIX = 'sub-';
/** The bridge protocol's limit on one subscribe command. */
export const MAX_SUBSCRIBED = 200;
/** A subscribe command gone from cmd/ without a result for this long was lost: send again. */
const LOST_AFTER_MS = 10_000;

export const isSubscribeJob = (jobId: string): boolean => jobId.startsWith(SUBSCRIBE_JOB_PREFIX);

export interface SubscriptionsOptions {
  store: AgentStore;
  bridge: FileBridge;
  log: Logger;
  /** Symbols streamed whether or not a position is open on them. */
  watch: readonly string[];
  /** The latest hello.json the agent read (the job loop refreshes it every second). */
  hello: () => Hello | undefined;
  /** How often the set is checked besides state changes and results. */
  checkMs?: number;
}

interface Pending {
  jobId: string;
  seq: number;
  key: string;
  sentAt: number;
  /** The EA instance it was written for. */
  startedAt: number;
}

export class Subscriptions {
  private positions: string[] = [];
  private stateDirty = true;
  private pending?: Pending;
  /** The last set the terminal accepted, with the seq that carried it and the EA instance it went to. */
  private applied?: { key: string; seq: number; startedAt: number };
  /** A set the terminal refused: not sent again until the set or the EA instance changes. */
  private refused?: { key: string; startedAt: number };
  /**
   * --watch symbols in a set the terminal refused (a typo, a symbol this broker lacks): left out
   * until the EA restarts, so a bad --watch never stops the P&L of open positions from moving.
   * MT5 subscribes the others and names them in the result: only the rest is left out. The paper
   * terminal refuses the whole set: every --watch symbol is left out.
   */
  private badWatch?: { symbols: Set<string>; startedAt: number };
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private active = false;

  constructor(private readonly o: SubscriptionsOptions) {}

  start(): void {
    this.timer = setInterval(() => this.check(), this.o.checkMs ?? 1000);
    this.timer.unref();
  }

  /**
   * The relay has accepted the agent: from now on the terminal streams what is published. Not
   * before: with no relay at all (a `dcap webhook start` server) the terminal is not made to
   * stream for nobody. A relay that drops later changes nothing here: it comes back.
   */
  activate(): void {
    this.active = true;
    this.check();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** The symbols the terminal should stream now, sorted. */
  desired(): string[] {
    const all = [...new Set([...this.o.watch.filter((s) => !this.badWatch?.symbols.has(s)), ...this.positions])];
    return all.slice(0, MAX_SUBSCRIBED).sort();
  }

  /** state.json changed: positions may have opened or closed. */
  onState(): void {
    this.stateDirty = true;
    this.check();
  }

  /** Runs one evaluation at a time; a request during one runs another right after. */
  check(): void {
    if (this.stopped || !this.active) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.evaluate().catch((err: unknown) => this.o.log.error({ event: 'subscribe.failed', err: String(err) }, 'could not update the terminal subscription; will try again'));
      } while (this.again && !this.stopped);
    })().finally(() => (this.running = undefined));
  }

  private async evaluate(): Promise<void> {
    if (this.stateDirty) {
      this.stateDirty = false;
      const r = await this.o.bridge.readState();
      if (r.ok) this.positions = [...new Set(r.value.positions.map((p) => p.symbol))];
    }
    const hello = this.o.hello();
    // Written to a terminal that is not beating, a command only waits in cmd/; the set may change meanwhile.
    if (!hello || hello.status !== 'running' || Date.now() - hello.time > HELLO_STALE_MS) return;
    if (this.badWatch && this.badWatch.startedAt !== hello.startedAt) this.badWatch = undefined;
    const want = this.desired();
    const key = want.join(',');
    if (this.pending) {
      if (Date.now() - this.pending.sentAt < LOST_AFTER_MS || (await this.o.bridge.commandPresent(this.pending.jobId))) return;
      this.o.log.warn({ event: 'subscribe.lost', jobId: this.pending.jobId }, 'the subscribe command left cmd/ without a result; sending the subscription again');
      this.pending = undefined;
    }
    if (this.refused && (this.refused.key !== key || this.refused.startedAt !== hello.startedAt)) this.refused = undefined;
    if (this.refused) return;
    const a = this.applied;
    const helloCurrent = !a || a.startedAt !== hello.startedAt || hello.ea.lastSeq >= a.seq;
    const current = helloCurrent ? [...new Set(hello.subscribed)].sort().join(',') : a.key;
    if (current === key) return;
    await this.send(want, key, hello);
  }

  private async send(symbols: string[], key: string, hello: Hello): Promise<void> {
    const inCmd = (await this.o.bridge.pendingCommands()).reduce((m, c) => Math.max(m, c.seq), 0);
    const seq = this.nextSeq(Math.max(inCmd, hello.ea.lastSeq));
    const jobId = `${SUBSCRIBE_JOB_PREFIX}${randomUUID()}`;
    const command = SubscribeCommandSchema.parse({ v: PROTOCOL_VERSION, seq, jobId, createdAt: Date.now(), type: 'subscribe', symbols });
    // Pending before the file exists: its result may be noticed before writeCommand returns.
    this.pending = { jobId, seq, key, sentAt: Date.now(), startedAt: hello.startedAt };
    try {
      await this.o.bridge.writeCommand(command);
    } catch (err) {
      this.pending = undefined;
      throw err;
    }
    this.o.log.info({ event: 'subscribe.sent', jobId, seq, symbols }, `subscribing the terminal to ${symbols.length ? symbols.join(', ') : 'nothing'}`);
  }

  /**
   * The next bridge seq, from the same counter job claims use (AgentStore.claim keeps it in meta
   * `seq`), in one synchronous transaction: a job claimed at the same moment never gets this seq.
   */
  private nextSeq(minSeq: number): number {
    const { store } = this.o;
    return store.db.transaction(() => {
      const seq = Math.max(Number(store.getMeta('seq') ?? 0), minSeq) + 1;
      store.setMeta('seq', String(seq));
      return seq;
    })();
  }

  /** res/sub-<uuid>.json: logged, then deleted (ours, or left by an earlier run of the agent). */
  async onResult(jobId: string): Promise<void> {
    const r = await this.o.bridge.readResult(jobId);
    if (!r.ok) return; // missing (already handled) or half-read: the periodic scan offers it again
    const p = this.pending?.jobId === jobId ? this.pending : undefined;
    if (p) {
      this.pending = undefined;
      if (r.value.ok) {
        this.applied = { key: p.key, seq: p.seq, startedAt: p.startedAt };
        this.o.log.info({ event: 'subscribe.done', jobId, symbols: p.key ? p.key.split(',') : [] }, 'terminal subscription updated');
      } else {
        const symbols = p.key ? p.key.split(',') : [];
        const accepted = r.value.symbols && new Set(r.value.symbols.map((s) => s.symbol));
        const bad = symbols.filter((s) => this.o.watch.includes(s) && !accepted?.has(s) && !this.badWatch?.symbols.has(s));
        const withWatch = bad.length > 0;
        if (withWatch) this.badWatch = { symbols: new Set([...(this.badWatch?.symbols ?? []), ...bad]), startedAt: p.startedAt };
        else this.refused = { key: p.key, startedAt: p.startedAt };
        this.o.log.error(
          { event: 'subscribe.refused', jobId, symbols, retcode: r.value.retcode, retcodeText: r.value.retcodeText, error: r.value.error },
          `the terminal refused the subscription (${r.value.retcodeText}): ${r.value.error}; ` +
            (withWatch ? `check --watch; leaving out ${bad.join(', ')} until the EA restarts` : 'not retried until the symbols change'),
        );
      }
    }
    await this.o.bridge.deleteResult(jobId);
    this.check();
  }
}
