import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '../../log.js';
import type { WebhookEvents } from '../../relay/bus.js';
import type { DB } from '../../store/db.js';
import { SCHEMA_VERSION } from '../../store/migrations/index.js';
import { findStrategyBySecret } from '../../store/strategies.js';
import { BodyTooLarge, readBody } from './body.js';
import { DbWorker } from './db-worker.js';
import { CommitError } from './group-commit.js';
import { BODY_LIMIT, Intake, type IntakeReply } from './intake.js';
import { AgentApi } from './agent-api.js';
import { JobWaiters } from './job-waiters.js';
import { ReadApi } from './read-api.js';

export interface WebhookServerOptions {
  db: DB;
  log: Logger;
  host: string;
  port: number;
  dedupWindowMs: number;
  /** Lease of a claimed job (ms). */
  jobLeaseMs?: number;
  /** Injected clock (tests); defaults to Date.now. */
  now?: () => number;
  /** Told what changed after it committed and was answered (`dcap up` pushes it to relay subscribers). */
  events?: WebhookEvents;
  /** Called with the HTTP server before it listens (`dcap up` attaches the relay's /ws to it). */
  onServer?: (server: Server) => void;
  /** The outbox sync's state for /healthz (pending, dead, lagMs ...), when it runs in this process. */
  syncSnapshot?: () => unknown;
}

const WEBHOOK_PREFIX = '/webhooks/tv/';
const decoder = new TextDecoder('utf-8');

/**
 * The webhook daemon's HTTP side: TradingView alerts in, the agent and read APIs, /healthz. Every
 * alert that reaches a strategy is recorded in a group-committed transaction before it is
 * answered. Writes run in the store worker (DbWorker) on its own connection, so fsyncs and
 * checkpoints never stall HTTP parsing; `db` here serves the lookups (secrets, agent keys, reads).
 */
export class WebhookServer {
  private server?: Server;
  private readonly intake: Intake;
  private readonly store: DbWorker;
  private readonly waiters: JobWaiters;
  private readonly agents: AgentApi;
  private readonly sockets = new Set<Socket>();
  private readonly startedAt = Date.now();
  private readonly counts: Record<string, number> = {};
  private stopping?: Promise<void>;
  private readonly now: () => number;

  constructor(private readonly opts: WebhookServerOptions) {
    this.now = opts.now ?? Date.now;
    this.intake = new Intake(opts.db, { dedupWindowMs: opts.dedupWindowMs });
    this.store = new DbWorker({ file: opts.db.name, dedupWindowMs: opts.dedupWindowMs, log: opts.log });
    this.waiters = new JobWaiters(opts.db);
    this.agents = new AgentApi({
      db: opts.db,
      log: opts.log,
      waiters: this.waiters,
      leaseMs: opts.jobLeaseMs ?? 30_000,
      now: this.now,
      isStopping: () => this.stopping !== undefined,
      write: (op, ...args) => this.store.write(op, ...args),
    });
  }

  async start(): Promise<{ host: string; port: number; url: string }> {
    await this.store.start();
    const server = createServer({ keepAlive: true, requestTimeout: 10_000, headersTimeout: 5_000 }, (req, res) => {
      this.route(req, res).catch((err) => this.fail(res, err));
    });
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    // A malformed request line or headers: answer 400 and close, never crash.
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    this.server = server;
    this.opts.onServer?.(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => void this.store.close().finally(() => reject(err)));
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    return { host: this.opts.host, port, url: `http://${host}:${port}` };
  }

  /** Stops intake, lets every queued alert commit and be answered, then closes the sockets. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const server = this.server;
      if (!server) return this.store.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Long-polling agents get their 204 now rather than at their deadline.
      this.waiters.wake();
      await this.store.drain();
      // Give answers in flight a moment to flush, then cut whatever is left (idle keep-alives, slow clients).
      const timer = setTimeout(() => server.closeAllConnections(), 2_000);
      await closed;
      clearTimeout(timer);
      // Every connection is gone, so nothing can post a write any more: let the worker finish and close.
      await this.store.close();
    })();
    return this.stopping;
  }

  /** What /healthz serves. */
  snapshot() {
    let store: { ok: boolean; schemaVersion?: number; error?: string };
    try {
      this.opts.db.prepare('SELECT 1').get();
      const error = this.store.down ?? this.store.stats.lastError;
      store = { ok: error === null, schemaVersion: SCHEMA_VERSION };
      if (error !== null) store.error = error;
    } catch (err) {
      store = { ok: false, error: (err as Error).message };
    }
    return {
      status: store.ok ? 'ok' : 'degraded',
      store,
      uptimeSec: Math.round((Date.now() - this.startedAt) / 1000),
      intake: { ...this.counts, batches: this.store.stats.batches, committed: this.store.stats.units },
      ...(this.opts.syncSnapshot ? { sync: this.opts.syncSnapshot() } : {}),
    };
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return this.send(res, 405, undefined, { Allow: 'GET, HEAD' });
      const snap = this.snapshot();
      return this.send(res, snap.store.ok ? 200 : 503, snap);
    }
    if (path.startsWith(WEBHOOK_PREFIX)) return this.webhook(req, res, path.slice(WEBHOOK_PREFIX.length));
    if (path.startsWith('/api/')) return new ReadApi(this.opts.db, this.now).handle(req, res, path, (r, status, body, headers) => this.send(r, status, body, headers));
    if (path.startsWith('/agents/')) {
      const parts = path.slice('/agents/'.length).split('/');
      return this.agents.handle(req, res, parts, (r, status, body) => {
        this.send(r, status, body);
        if (status === 200 && req.method === 'POST') this.opts.events?.agentCall(parts);
      });
    }
    return this.send(res, 404, { error: 'not found' });
  }

  private async webhook(req: IncomingMessage, res: ServerResponse, rawSecret: string): Promise<void> {
    const started = performance.now();
    if (req.method !== 'POST') {
      req.resume();
      return this.send(res, 405, undefined, { Allow: 'POST' });
    }
    let secret: string;
    try {
      secret = decodeURIComponent(rawSecret);
    } catch {
      secret = '';
    }
    const prefix = secret.slice(0, 8);
    const receivedAt = this.now();
    const found = secret && !secret.includes('/') ? findStrategyBySecret(this.opts.db, secret, receivedAt) : undefined;
    if (!found) {
      this.count('not_found');
      this.opts.log.info({ event: 'alert', secret: prefix, http: 404 }, 'unknown secret');
      req.resume();
      return this.send(res, 404);
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, BODY_LIMIT);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      this.count('too_large');
      this.opts.log.info({ event: 'alert', strategy: found.strategy.name, secret: prefix, http: 413 }, 'body over the limit');
      return this.send(res, 413, undefined, { Connection: 'close' });
    }
    const request = {
      body: decoder.decode(raw),
      bytes: raw.length,
      contentType: req.headers['content-type'],
      sourceIp: req.socket.remoteAddress,
      receivedAt,
    };
    let reply = this.intake.precheck(found.strategy, request);
    if (!reply) {
      try {
        const recorded = this.store.write('record', found.strategy, request);
        // Woken before the commit, a long-polling agent posts its claim right behind this alert
        // (the worker runs ops in order): same batch or the next, so the agent gets the job about
        // when the alert is answered. A claim that finds nothing (a duplicate, a block) only waits again.
        this.waiters.wake();
        reply = await recorded;
      } catch (err) {
        // A unit that threw (a bug) rolled back alone: nothing recorded, so 503 and TradingView resends.
        reply = { httpStatus: 503 };
        this.opts.log.error({ event: 'alert', strategy: found.strategy.name, secret: prefix, http: 503, err: (err as Error).message, commit: err instanceof CommitError }, 'store unavailable');
      }
    }
    this.count(reply.body?.status ?? String(reply.httpStatus));
    this.opts.log.info(
      {
        event: 'alert',
        strategy: found.strategy.name,
        secret: found.secretPrefix,
        http: reply.httpStatus,
        status: reply.body?.status,
        reason: reply.body?.reason ?? reply.body?.error?.code,
        signalId: reply.body?.signalId,
        jobId: reply.body?.jobId,
        ms: Math.round((performance.now() - started) * 100) / 100,
      },
      'alert',
    );
    this.reply(res, reply);
    if (reply.body?.signalId && reply.body.status !== 'duplicate') this.opts.events?.signal(reply.body.signalId);
  }

  private reply(res: ServerResponse, reply: IntakeReply): void {
    this.send(res, reply.httpStatus, reply.body);
  }

  private count(key: string): void {
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }

  private send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent) return;
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...(text ? { 'Content-Type': 'application/json' } : {}),
      'Content-Length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  private fail(res: ServerResponse, err: unknown): void {
    // 503 is the contract's only 5xx: TradingView resends on it, and nothing was recorded.
    this.opts.log.error({ event: 'request.error', err: (err as Error)?.message, stack: (err as Error)?.stack }, 'request failed');
    this.send(res, 503);
  }
}
