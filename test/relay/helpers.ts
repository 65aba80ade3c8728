import { Redis } from 'ioredis';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createLogger } from '../../src/log.js';
import { storeAuthenticator } from '../../src/relay/auth.js';
import type { ServerMessage, Tick } from '../../src/relay/protocol.js';
import { RelayServer, type RelayServerOptions } from '../../src/relay/server.js';
import { pairAgent } from '../../src/store/agents.js';
import { openDb, type DB } from '../../src/store/db.js';
import { createReadToken } from '../../src/store/read-tokens.js';
import { tempDir } from '../helpers/daemon.js';

export const REDIS_URL = process.env.DCAP_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const REQUIRED = process.env.DCAP_TEST_REQUIRE_SERVICES === '1';

let reachable: Promise<boolean> | undefined;

/** Whether Redis answers; with DCAP_TEST_REQUIRE_SERVICES=1 an unreachable server fails the file instead. */
export function redisAvailable(): Promise<boolean> {
  reachable ??= (async () => {
    const r = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => {});
    try {
      await r.connect();
      await r.ping();
      return true;
    } catch (err) {
      if (REQUIRED) throw new Error(`Redis at ${REDIS_URL} is required (DCAP_TEST_REQUIRE_SERVICES=1) but unreachable: ${(err as Error).message}`, { cause: err });
      return false;
    } finally {
      r.disconnect();
    }
  })();
  return reachable;
}

export const log = createLogger('error');

/** A store in a temp dir with a read token and a paired agent. */
export function testStore() {
  const tmp = tempDir('dcap-relay-');
  const db: DB = openDb(join(tmp.dir, 'dcap.db'));
  const { token } = createReadToken(db, 'reader', 'read', Date.now());
  const { agent, key } = pairAgent(db, 'vps', Date.now());
  return {
    db,
    token,
    agent: { id: agent.id, key },
    dir: tmp.dir,
    close: () => {
      db.close();
      tmp.cleanup();
    },
  };
}

export async function startRelay(db: DB, opts: Partial<RelayServerOptions> & { port?: number } = {}) {
  const relay = new RelayServer({ log, authenticate: storeAuthenticator(db, log), ...opts });
  const { url } = await relay.listen('127.0.0.1', opts.port ?? 0);
  return { relay, url };
}

/** A raw `ws` client that records every message, with helpers to wait for one. */
export class TestClient {
  readonly messages: ServerMessage[] = [];
  private waiters: { pred: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as ServerMessage;
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => (w.pred(m) ? (w.resolve(m), false) : true));
    });
  }

  static connect(url: string, opts: WebSocket.ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, opts);
    const c = new TestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(c));
      ws.once('error', reject);
    });
  }

  /** Resolves with the first message (already received or not) matching `pred`. */
  next<T extends ServerMessage['type']>(type: T, pred: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true, timeoutMs = 10_000) {
    type M = Extract<ServerMessage, { type: T }>;
    const match = (m: ServerMessage) => m.type === type && pred(m as M);
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen as M);
    return new Promise<M>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${type} message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-5))}`)), timeoutMs);
      this.waiters.push({ pred: match, resolve: (m) => (clearTimeout(t), resolve(m as M)) });
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  ticks(): Extract<ServerMessage, { type: 'tick' }>[] {
    return this.messages.filter((m): m is Extract<ServerMessage, { type: 'tick' }> => m.type === 'tick');
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.terminate();
    });
  }
}

/** The HTTP status a WebSocket upgrade was refused with (or 101 when it was accepted). */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode!);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.terminate();
    });
    ws.on('error', (err) => reject(err));
  });
}

export const tick = (symbol: string, bid: number, time = Date.now()): Tick => ({ symbol, bid, ask: bid + 0.0002, time });

export async function until(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
