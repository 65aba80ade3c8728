import { RelayClient } from '../relay/client.js';
import type { AgentView, PositionsView, SignalView, Tick } from '../relay/protocol.js';
import type { Msg, PositionsViewIn } from './model.js';

/**
 * Where the TUI's messages come from. `start` begins delivering and returns the release.
 * Tests give the app a scripted source; `dcap tui` gives it serverSource.
 */
export interface DataSource {
  start(dispatch: (m: Msg) => void): () => Promise<void>;
}

export interface ServerSourceOptions {
  /** The server's base URL (http://host:port); its relay is at /ws. A ws:// URL works too. */
  server: string;
  token: string;
  /** Reconnect backoff (tests shorten it); default 1, 2, 4 ... 30 s. */
  backoff?: { initialMs?: number; maxMs?: number };
  now?: () => number;
  /** Ticks are handed to the UI at most this often (latest per symbol); default 50 ms. */
  tickBatchMs?: number;
}

const READ_TIMEOUT_MS = 5_000;
/** After a positions update, realised day P&L is re-read once things settle. */
const DAY_REFRESH_MS = 1_000;

/** http(s):// base of a server given as http(s):// or ws(s)://.../ws. */
export function httpBase(server: string): string {
  const u = new URL(server);
  if (u.protocol === 'ws:' || u.protocol === 'wss:') {
    u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
    if (u.pathname === '/ws') u.pathname = '/';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`server URL must be http(s):// or ws(s)://, got ${u.protocol}`);
  u.search = '';
  return u.toString().replace(/\/$/, '');
}

/**
 * One relay socket (ticks, plus the signals, positions and agents channels) and, at every
 * (re)connect, the HTTP reads of read-api.ts: the relay's snapshot covers what it has seen,
 * the reads cover what only the store knows (realised P&L today, the server's clock). The
 * socket subscribes to exactly the symbols of open positions, so a busy relay sends nothing else.
 */
export function serverSource(o: ServerSourceOptions): DataSource {
  return {
    start(dispatch) {
      const now = o.now ?? Date.now;
      const base = httpBase(o.server);
      const client = new RelayClient({ url: o.server, token: o.token, channels: ['signals', 'positions', 'agents'], backoff: o.backoff });
      const symbolsByAgent = new Map<string, Set<string>>();
      const pending = new Map<string, Tick>();
      let flushTimer: NodeJS.Timeout | undefined;
      let dayTimer: NodeJS.Timeout | undefined;
      let stopped = false;

      const follow = (views: PositionsView[] | undefined) => {
        if (!views?.length) return;
        const before = new Set([...symbolsByAgent.values()].flatMap((s) => [...s]));
        for (const v of views) symbolsByAgent.set(v.agentId, new Set(v.positions.map((p) => p.symbol).filter((s): s is string => typeof s === 'string')));
        const after = new Set([...symbolsByAgent.values()].flatMap((s) => [...s]));
        const add = [...after].filter((s) => !before.has(s));
        const drop = [...before].filter((s) => !after.has(s));
        if (add.length) client.subscribe({ symbols: add });
        if (drop.length) client.unsubscribe({ symbols: drop });
      };

      const get = async <T>(path: string): Promise<T | undefined> => {
        const res = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${o.token}` }, signal: AbortSignal.timeout(READ_TIMEOUT_MS) });
        // A server without the read API (404), or a bare `dcap relay start` (426: WebSocket only):
        // the relay snapshot is all there is.
        if (res.status === 404 || res.status === 426) {
          await res.body?.cancel();
          return undefined;
        }
        if (!res.ok) throw new Error(`GET ${path} answered HTTP ${res.status}`);
        return (await res.json()) as T;
      };

      const read = async (what: 'all' | 'positions') => {
        try {
          const [p, s, a] = await Promise.all([
            get<{ serverTime: number; positions: PositionsViewIn[] }>('/api/positions'),
            what === 'all' ? get<{ signals: SignalView[] }>('/api/signals?limit=50') : undefined,
            what === 'all' ? get<{ agents: AgentView[] }>('/api/agents') : undefined,
          ]);
          if (stopped) return;
          const msg: Extract<Msg, { type: 'reads' }> = { type: 'reads', receivedAt: now() };
          if (p) {
            msg.positions = p.positions;
            msg.serverTime = p.serverTime;
            follow(p.positions);
          }
          if (s) msg.signals = s.signals;
          if (a) msg.agents = a.agents;
          dispatch(msg);
        } catch (err) {
          if (!stopped) dispatch({ type: 'notice', text: `could not read from ${base}: ${(err as Error).message}` });
        }
      };

      client.on('open', () => {
        dispatch({ type: 'connection', connection: { status: 'open' } });
        void read('all');
      });
      client.on('close', (e) => {
        if (stopped) return;
        if (e.retryInMs === null) return;
        dispatch({ type: 'connection', connection: { status: 'waiting', retryAt: now() + e.retryInMs, error: e.error ?? (e.reason || `closed (${e.code})`) } });
      });
      client.on('unauthorized', ({ status }) => {
        dispatch({ type: 'connection', connection: { status: 'unauthorized', error: `the server refused the token (HTTP ${status})` } });
      });
      client.on('snapshot', (snap) => {
        follow(snap.positions);
        dispatch({ type: 'snapshot', ticks: snap.ticks, signals: snap.signals, positions: snap.positions, agents: snap.agents });
      });
      client.on('tick', (t) => {
        pending.set(t.symbol, t);
        flushTimer ??= setTimeout(() => {
          flushTimer = undefined;
          const ticks = [...pending.values()];
          pending.clear();
          dispatch({ type: 'ticks', ticks });
        }, o.tickBatchMs ?? 50);
      });
      client.on('positions', (view) => {
        follow([view]);
        dispatch({ type: 'positions', view });
        clearTimeout(dayTimer);
        dayTimer = setTimeout(() => void read('positions'), DAY_REFRESH_MS);
      });
      client.on('signal', (signal) => dispatch({ type: 'signal', signal }));
      client.on('agent', (agent) => dispatch({ type: 'agent', agent }));
      client.on('server-error', (message) => dispatch({ type: 'notice', text: `relay: ${message}` }));
      client.start();

      return async () => {
        stopped = true;
        clearTimeout(flushTimer);
        clearTimeout(dayTimer);
        await client.stop();
      };
    },
  };
}
