import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { AgentView, Channel, PositionsView, ServerMessage, SignalView, Tick } from './protocol.js';

export interface RelayClientOptions {
  /** ws(s)://host:port/ws; an http(s):// server URL is turned into its /ws endpoint. */
  url: string;
  /** Subscribers: a read token (sent as Authorization: Bearer). */
  token?: string;
  /** Publishers: the agent's id and key (sent as X-Agent-Id / X-Agent-Key). */
  agent?: { id: string; key: string };
  symbols?: string[];
  channels?: Channel[];
  /** Reconnect delays: initialMs doubling up to maxMs, each scaled by a random 0.8-1.2. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** A publisher drops a batch (returns false) rather than queue more than this many bytes. */
  maxBufferedBytes?: number;
}

export type Snapshot = Extract<ServerMessage, { type: 'snapshot' }>;
export type Welcome = Extract<ServerMessage, { type: 'welcome' }>;

export interface RelayClientEvents {
  open: [Welcome];
  /** The connection ended; `retryInMs` is null when the client stopped (stop() or refused credentials). */
  close: [{ code: number; reason: string; error?: string; retryInMs: number | null; attempt: number }];
  /** The relay refused the credentials (HTTP 401): the client stops retrying. */
  unauthorized: [{ status: number }];
  snapshot: [Snapshot];
  tick: [Tick];
  signal: [SignalView];
  positions: [PositionsView];
  agent: [AgentView];
  /** The relay answered one of our messages with {"type":"error"}. */
  'server-error': [string];
  message: [ServerMessage];
}

export type RelayClientState = 'idle' | 'connecting' | 'open' | 'waiting' | 'stopped';

/** Delay before reconnect attempt `attempt` (0-based): 1, 2, 4 ... 30 s, with +-20% jitter so clients cut together do not return together. */
export function backoffDelay(attempt: number, initialMs = 1000, maxMs = 30_000, random = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** ws(s):// as given; http(s)://host[:port][/] becomes ws(s)://host[:port]/ws. */
export function relayUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol === 'http:' || u.protocol === 'https:') {
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    if (u.pathname === '/' || u.pathname === '') u.pathname = '/ws';
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new Error(`relay URL must be ws://, wss://, http:// or https://, got ${u.protocol}`);
  return u.toString();
}

/**
 * A relay connection that stays up: reconnects with backoff, re-sends its subscriptions after
 * every reconnect (the relay answers with a fresh snapshot), and drops a connection on which the
 * relay has gone silent for two heartbeats. Used by subscribers (dcap tui) and publishers (the agent).
 */
export class RelayClient extends EventEmitter<RelayClientEvents> {
  private ws?: WebSocket;
  private readonly url: string;
  private readonly symbols = new Set<string>();
  private readonly channels = new Set<Channel>();
  private attempt = 0;
  private retryTimer?: NodeJS.Timeout;
  private silenceTimer?: NodeJS.Timeout;
  private heartbeatMs = 30_000;
  private _state: RelayClientState = 'idle';

  constructor(private readonly o: RelayClientOptions) {
    super();
    this.url = relayUrl(o.url);
    for (const s of o.symbols ?? []) this.symbols.add(s);
    for (const c of o.channels ?? []) this.channels.add(c);
  }

  get state(): RelayClientState {
    return this._state;
  }

  get connected(): boolean {
    return this._state === 'open';
  }

  start(): this {
    if (this._state === 'idle') this.connect();
    return this;
  }

  /** Closes the connection and stops reconnecting. */
  async stop(): Promise<void> {
    if (this._state === 'stopped') return;
    this._state = 'stopped';
    clearTimeout(this.retryTimer);
    clearTimeout(this.silenceTimer);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'client stopping');
      setTimeout(() => ws.terminate(), 1000).unref();
    });
  }

  subscribe(sel: { symbols?: string[]; channels?: Channel[] }): void {
    const symbols = (sel.symbols ?? []).filter((s) => !this.symbols.has(s));
    const channels = (sel.channels ?? []).filter((c) => !this.channels.has(c));
    symbols.forEach((s) => this.symbols.add(s));
    channels.forEach((c) => this.channels.add(c));
    if (symbols.length || channels.length) this.send({ op: 'subscribe', symbols, channels });
  }

  unsubscribe(sel: { symbols?: string[]; channels?: Channel[] }): void {
    const symbols = (sel.symbols ?? []).filter((s) => this.symbols.delete(s));
    const channels = (sel.channels ?? []).filter((c) => this.channels.delete(c));
    if (symbols.length || channels.length) this.send({ op: 'unsubscribe', symbols, channels });
  }

  /**
   * Publishes a batch of ticks (publishers only). Returns false when it was not sent: not
   * connected, or the socket is backed up. Ticks are not queued: the next batch supersedes them.
   */
  publish(ticks: Tick[]): boolean {
    if (ticks.length === 0) return true;
    if (!this.connected || this.ws!.bufferedAmount > (this.o.maxBufferedBytes ?? 1024 * 1024)) return false;
    return this.send({ op: 'ticks', ticks });
  }

  private send(msg: unknown): boolean {
    if (this._state !== 'open' || this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  private connect(): void {
    this._state = 'connecting';
    const headers: Record<string, string> = {};
    if (this.o.token) headers.Authorization = `Bearer ${this.o.token}`;
    if (this.o.agent) {
      headers['X-Agent-Id'] = this.o.agent.id;
      headers['X-Agent-Key'] = this.o.agent.key;
    }
    const ws = new WebSocket(this.url, { headers, handshakeTimeout: 10_000, perMessageDeflate: false });
    this.ws = ws;
    let error: string | undefined;
    let refused = false;
    ws.on('unexpected-response', (_req, res) => {
      refused = res.statusCode === 401;
      error = `relay answered HTTP ${res.statusCode}`;
      if (refused) this.emit('unauthorized', { status: res.statusCode! });
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err) => (error ??= err.message));
    ws.on('ping', () => this.heard());
    ws.on('message', (data) => {
      this.heard();
      let msg: ServerMessage;
      try {
        msg = JSON.parse(data.toString()) as ServerMessage;
      } catch {
        return;
      }
      this.dispatch(msg);
    });
    ws.on('close', (code, reason) => {
      clearTimeout(this.silenceTimer);
      if (this.ws !== ws) return;
      const stopped = this._state === 'stopped' || refused;
      if (refused) this._state = 'stopped';
      const retryInMs = stopped ? null : backoffDelay(this.attempt, this.o.backoff?.initialMs, this.o.backoff?.maxMs);
      this.emit('close', { code, reason: reason.toString(), error, retryInMs, attempt: this.attempt });
      if (retryInMs === null) return;
      this._state = 'waiting';
      this.attempt++;
      this.retryTimer = setTimeout(() => this.connect(), retryInMs);
    });
  }

  private dispatch(msg: ServerMessage): void {
    this.emit('message', msg);
    switch (msg.type) {
      case 'welcome':
        this._state = 'open';
        this.attempt = 0;
        this.heartbeatMs = msg.heartbeatMs;
        this.heard();
        if (this.symbols.size || this.channels.size) this.send({ op: 'subscribe', symbols: [...this.symbols], channels: [...this.channels] });
        this.emit('open', msg);
        return;
      case 'snapshot':
        return void this.emit('snapshot', msg);
      case 'tick': {
        const { type: _t, ...tick } = msg;
        return void this.emit('tick', tick);
      }
      case 'signal':
        return void this.emit('signal', msg.signal);
      case 'positions': {
        const { type: _t, ...view } = msg;
        return void this.emit('positions', view);
      }
      case 'agent':
        return void this.emit('agent', msg.agent);
      case 'error':
        return void this.emit('server-error', msg.message);
    }
  }

  /** The relay pings every heartbeat; two heartbeats of silence mean a dead connection. */
  private heard(): void {
    clearTimeout(this.silenceTimer);
    const ws = this.ws;
    this.silenceTimer = setTimeout(() => ws?.terminate(), this.heartbeatMs * 2 + 5000);
    this.silenceTimer.unref();
  }
}
