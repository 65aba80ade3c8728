/**
 * The agent assembled: agent.db, the file bridge (and the paper terminal behind it for
 * `--bridge paper`), the job loop, result/state ingestion, ordered delivery and heartbeats.
 * It never listens on a port.
 */
import { join } from 'node:path';
import { secretPrefix, type Logger } from '../log.js';
import { paperTerminalDir } from '../paper/files.js';
import { FileBridge } from './bridge/file.js';
import { startPaperTerminal, type PaperHandle } from './bridge/paper.js';
import { AgentClient } from './client.js';
import { Deliverer } from './deliver.js';
import { LocalJobs } from './deploy.js';
import type { CompileOptions } from '../ea/metaeditor.js';
import { Health } from './health.js';
import { JobLoop } from './loop.js';
import { AgentStore } from './outbox.js';
import { ResultIngest } from './results.js';
import { isSubscribeJob, Subscriptions } from './subscriptions.js';
import { TickPublisher } from './ticks.js';

export const HEARTBEAT_MS = 5_000;

export interface AgentOptions {
  server: string;
  agentId: string;
  key: string;
  bridge: 'file' | 'paper';
  filesDir: string;
  bridgeId: string;
  dataDir: string;
  log: Logger;
  /** The terminal's data folder (holds MQL5): where deploy jobs put the EA files. Paper: its own folder by default. */
  terminalDir?: string;
  /** MetaEditor for compile jobs; none: compile jobs fail with a clear error. */
  compile?: Omit<CompileOptions, 'syntaxOnly'>;
  /** Long-poll wait in seconds (default 25). */
  waitS?: number;
  maxInFlight?: number;
  /** The price relay to publish the terminal's ticks to (ws(s):// or http(s)://); none: no ticks (docs/agent.md). */
  relay?: string;
  /** Symbols streamed besides those of open positions. */
  watch?: string[];
  /** Relay reconnect delays (tests shorten them). */
  relayBackoff?: { initialMs?: number; maxMs?: number };
}

export class DcapAgent {
  private store?: AgentStore;
  private client?: AgentClient;
  private bridge?: FileBridge;
  private paper?: PaperHandle;
  private health?: Health;
  private ingest?: ResultIngest;
  private deliverer?: Deliverer;
  private loop?: JobLoop;
  private local?: LocalJobs;
  private subs?: Subscriptions;
  private ticks?: TickPublisher;
  private heartbeatTimer?: NodeJS.Timeout;
  private stopping?: Promise<void>;
  private readonly startedAt = Date.now();

  constructor(private readonly o: AgentOptions) {}

  async start(): Promise<void> {
    const { log } = this.o;
    log.info(
      { event: 'agent.start', server: this.o.server, agentId: this.o.agentId, keyPrefix: secretPrefix(this.o.key), bridge: this.o.bridge, filesDir: this.o.filesDir, bridgeId: this.o.bridgeId },
      'agent starting',
    );
    this.store = new AgentStore(this.o.dataDir);
    this.client = new AgentClient({ server: this.o.server, agentId: this.o.agentId, key: this.o.key });
    if (this.o.bridge === 'paper') this.paper = await startPaperTerminal({ filesDir: this.o.filesDir, bridgeId: this.o.bridgeId, log });
    this.bridge = new FileBridge({ filesDir: this.o.filesDir, bridgeId: this.o.bridgeId, log });
    this.health = new Health({ bridge: this.bridge, log });
    const store = this.store;
    this.deliverer = new Deliverer({ store, client: this.client, health: this.health, log });
    this.ingest = new ResultIngest({ store, bridge: this.bridge, log, queued: () => this.deliverer?.kick(), resolved: () => this.loop?.kick() });
    this.local = new LocalJobs({
      terminalDir: this.o.terminalDir ?? (this.o.bridge === 'paper' ? paperTerminalDir(this.o.filesDir, this.o.bridgeId) : undefined),
      createMql5: this.o.bridge === 'paper' && this.o.terminalDir === undefined,
      compile: this.o.compile,
      workDir: join(this.o.dataDir, 'compile'),
      store,
      log,
      queued: () => this.deliverer?.kick(),
      resolved: () => this.loop?.kick(),
    });
    // The agent's own subscribe commands are not server jobs: their results never reach the outbox.
    this.bridge.on('result', (jobId) =>
      isSubscribeJob(jobId) ? void (this.subs ? this.subs.onResult(jobId) : this.bridge?.deleteResult(jobId)) : void this.ingest?.onResult(jobId),
    );
    this.bridge.on('state', () => {
      this.ingest?.onState();
      this.subs?.onState();
    });
    this.loop = new JobLoop({
      store,
      bridge: this.bridge,
      client: this.client,
      health: this.health,
      ingest: this.ingest,
      log,
      queued: () => this.deliverer?.kick(),
      waitS: this.o.waitS,
      maxInFlight: this.o.maxInFlight,
      local: this.local,
    });
    await this.bridge.start();
    await this.health.refresh();
    this.deliverer.start();
    this.loop.start();
    if (this.o.relay) {
      const health = this.health;
      this.subs = new Subscriptions({ store, bridge: this.bridge, log, watch: this.o.watch ?? [], hello: () => health.lastHello });
      const subs = this.subs;
      this.ticks = new TickPublisher({
        dir: this.bridge.dir,
        url: this.o.relay,
        agent: { id: this.o.agentId, key: this.o.key },
        log,
        backoff: this.o.relayBackoff,
        onConnected: () => subs.activate(),
      });
      this.subs.start();
      this.ticks.start();
    }
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
    void this.heartbeat();
  }

  private async heartbeat(): Promise<void> {
    if (!this.health || !this.client || this.stopping) return;
    try {
      await this.client.heartbeat(this.health.heartbeat(this.metrics()));
      this.health.serverReachable();
    } catch (err) {
      this.health.serverUnreachable((err as Error).message);
    }
  }

  private metrics(): Record<string, unknown> {
    return {
      jobsDone: this.ingest?.jobsDone ?? 0,
      inFlight: this.store?.countOpen() ?? 0,
      outboxPending: this.store?.pendingDeliveries() ?? 0,
      uptimeS: Math.round((Date.now() - this.startedAt) / 1000),
      rssMb: Math.round(process.memoryUsage().rss / 1048576),
    };
  }

  /** For logs and health: what each part is doing. */
  snapshot() {
    return {
      waitingFor: this.health?.current().waitingFor ?? null,
      loop: this.loop?.snapshot(),
      delivery: this.deliverer?.snapshot(),
      ticks: this.ticks?.snapshot(),
      metrics: this.metrics(),
    };
  }

  /** Idempotent: stop claiming, let the last results reach agent.db, close everything. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
      await this.subs?.stop();
      await this.ticks?.stop();
      await this.loop?.stop();
      await this.local?.stop();
      await this.deliverer?.stop();
      this.ingest?.stop();
      await this.bridge?.stop();
      await this.paper?.stop();
      await this.client?.close();
      this.o.log.info({ event: 'agent.stopped', ...this.snapshot() }, 'agent stopped');
      this.store?.close();
    })();
    return this.stopping;
  }
}
