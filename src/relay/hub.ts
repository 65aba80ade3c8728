import type { WebSocket } from 'ws';
import type { Logger } from '../log.js';
import { Peer, type Identity, type PeerLimits } from './peer.js';
import {
  ALL_SYMBOLS,
  channelOf,
  parseClientMessage,
  type AgentView,
  type Channel,
  type ChannelMessage,
  type ClientMessage,
  type PositionsView,
  type ServerMessage,
  type SignalView,
  type Tick,
} from './protocol.js';

export interface HubOptions extends Partial<PeerLimits> {
  log: Logger;
  /** This relay instance (welcome message; Redis loop prevention). */
  instance: string;
  /** Ping interval; a peer that has not answered by the next one is terminated. */
  heartbeatMs?: number;
  /** How often slow peers are offered what waits for them. */
  flushMs?: number;
  /** Distinct symbols remembered for snapshots (a publisher cannot grow this without bound). */
  maxSymbols?: number;
  /** Signals kept for the snapshot of the signals channel. */
  recentSignals?: number;
  /** Locally published updates, for the Redis link to pass on to other instances. */
  forward?: { ticks(ticks: Tick[]): void; channel(msg: ChannelMessage): void };
}

export interface HubStats {
  peers: { subscribers: number; publishers: number; slow: number };
  symbols: number;
  ticksIn: number;
  sent: number;
  conflated: number;
  cut: { slow: number; dead: number; revoked: number };
}

const encode = (m: ServerMessage) => Buffer.from(JSON.stringify(m));

/**
 * Routes ticks and channel updates to subscribers. Keeps the last tick per symbol and the
 * latest positions/agent state per agent (and recent signals) for snapshots, so a subscriber
 * that joins, or reconnects, gets the current picture before the stream.
 */
export class Hub {
  readonly instance: string;
  readonly heartbeatMs: number;
  private readonly limits: PeerLimits;
  private readonly peers = new Set<Peer>();
  private readonly bySymbol = new Map<string, Set<Peer>>();
  private readonly wildcard = new Set<Peer>();
  private readonly byChannel = new Map<Channel, Set<Peer>>([
    ['signals', new Set()],
    ['positions', new Set()],
    ['agents', new Set()],
  ]);
  private readonly lastTick = new Map<string, Tick>();
  private readonly signals = new Map<string, SignalView>();
  private readonly positions = new Map<string, PositionsView>();
  private readonly agents = new Map<string, AgentView>();
  private readonly slow = new Set<Peer>();
  private readonly counts = { ticksIn: 0, slowCut: 0, deadCut: 0, revokedCut: 0, sentByGone: 0, conflatedByGone: 0 };
  private readonly heartbeat: NodeJS.Timeout;
  private flusher?: NodeJS.Timeout;

  constructor(private readonly o: HubOptions) {
    this.instance = o.instance;
    this.heartbeatMs = o.heartbeatMs ?? 30_000;
    // 64 KiB is ~800 ticks: a healthy reader never gets near it, a stalled one stops costing memory there.
    this.limits = { highWaterBytes: o.highWaterBytes ?? 64 * 1024, maxPending: o.maxPending ?? 10_000 };
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Takes an authenticated, upgraded socket. */
  add(ws: WebSocket, identity: Identity): Peer {
    const peer = new Peer(
      ws,
      identity,
      this.limits,
      (p) => this.markSlow(p),
      (p) => this.cut(p, 'slow'),
    );
    this.peers.add(peer);
    ws.on('pong', () => (peer.alive = true));
    ws.on('message', (data, isBinary) => {
      peer.alive = true;
      try {
        if (isBinary) return this.error(peer, 'send JSON text frames, not binary');
        this.onMessage(peer, data.toString());
      } catch (err) {
        // A bug in handling one message must never take the relay down.
        this.o.log.error({ event: 'relay.message_failed', peer: identity.name, err: (err as Error).message, stack: (err as Error).stack }, 'message failed');
        this.error(peer, 'internal error handling this message');
      }
    });
    ws.on('close', () => this.remove(peer));
    ws.on('error', (err) => this.o.log.debug({ event: 'relay.socket_error', peer: identity.name, err: err.message }, 'socket error'));
    peer.control(encode({ type: 'welcome', role: identity.role, instance: this.instance, heartbeatMs: this.heartbeatMs }));
    return peer;
  }

  /** New ticks: remembered for snapshots, fanned out, and (when local) forwarded to other instances. */
  publishTicks(ticks: Tick[], local = true): void {
    if (ticks.length === 0) return;
    this.counts.ticksIn += ticks.length;
    const maxSymbols = this.o.maxSymbols ?? 10_000;
    for (const t of ticks) {
      if (!this.lastTick.has(t.symbol) && this.lastTick.size >= maxSymbols) continue;
      this.lastTick.set(t.symbol, t);
      const subs = this.bySymbol.get(t.symbol);
      if (!subs && this.wildcard.size === 0) continue;
      const data = encode({ type: 'tick', ...t });
      const key = `t:${t.symbol}`;
      if (subs) for (const p of subs) p.deliver(key, data);
      for (const p of this.wildcard) if (!p.symbols.has(t.symbol)) p.deliver(key, data);
    }
    if (local) this.o.forward?.ticks(ticks);
  }

  /** A signal, positions or agent update: remembered for snapshots, fanned out, forwarded when local. */
  publishChannel(msg: ChannelMessage, local = true): void {
    const { channel, key } = channelOf(msg);
    if (msg.type === 'signal') {
      this.signals.delete(msg.signal.id);
      this.signals.set(msg.signal.id, msg.signal);
      const keep = this.o.recentSignals ?? 50;
      for (const id of this.signals.keys()) {
        if (this.signals.size <= keep) break;
        this.signals.delete(id);
      }
    } else if (msg.type === 'positions') {
      const { type: _t, ...view } = msg;
      this.positions.set(msg.agentId, view);
    } else {
      this.agents.set(msg.agent.id, msg.agent);
    }
    const data = encode(msg);
    for (const p of this.byChannel.get(channel)!) p.deliver(key, data);
    if (local) this.o.forward?.channel(msg);
  }

  stats(): HubStats {
    let subscribers = 0;
    let sent = this.counts.sentByGone;
    let conflated = this.counts.conflatedByGone;
    for (const p of this.peers) {
      if (p.identity.role === 'subscriber') subscribers++;
      sent += p.sent;
      conflated += p.conflated;
    }
    return {
      peers: { subscribers, publishers: this.peers.size - subscribers, slow: this.slow.size },
      symbols: this.lastTick.size,
      ticksIn: this.counts.ticksIn,
      sent,
      conflated,
      cut: { slow: this.counts.slowCut, dead: this.counts.deadCut, revoked: this.counts.revokedCut },
    };
  }

  /** Per-peer detail (tests, /healthz debugging). */
  peerStats() {
    return [...this.peers].map((p) => ({
      name: p.identity.name,
      role: p.identity.role,
      pending: p.pendingCount,
      bufferedAmount: p.ws.bufferedAmount,
      sent: p.sent,
      conflated: p.conflated,
    }));
  }

  /** Closes every socket with `code` (1001: going away, so clients reconnect) and stops the timers. */
  close(code = 1001, reason = 'relay shutting down'): void {
    clearInterval(this.heartbeat);
    if (this.flusher) clearInterval(this.flusher);
    this.flusher = undefined;
    for (const p of this.peers) p.ws.close(code, reason);
  }

  /** Kills whatever did not close by itself. */
  terminateAll(): void {
    for (const p of this.peers) p.ws.terminate();
  }

  get size(): number {
    return this.peers.size;
  }

  private onMessage(peer: Peer, text: string): void {
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return this.error(peer, parsed.message);
    const msg: ClientMessage = parsed.msg;
    switch (msg.op) {
      case 'subscribe':
        return this.subscribe(peer, msg.symbols ?? [], msg.channels ?? []);
      case 'unsubscribe':
        return this.unsubscribe(peer, msg.symbols ?? [], msg.channels ?? []);
      case 'ticks':
        if (peer.identity.role !== 'publisher') {
          return this.error(peer, 'read tokens cannot publish: publishers are agents (headers X-Agent-Id and X-Agent-Key)');
        }
        return this.publishTicks(msg.ticks);
      case 'ping':
        return peer.control(encode(msg.id === undefined ? { type: 'pong' } : { type: 'pong', id: msg.id }));
    }
  }

  private subscribe(peer: Peer, symbols: string[], channels: Channel[]): void {
    const ticks: Tick[] = [];
    for (const s of symbols) {
      if (s === ALL_SYMBOLS) {
        if (!peer.allSymbols) ticks.push(...[...this.lastTick.values()].filter((t) => !peer.symbols.has(t.symbol)));
        peer.allSymbols = true;
        this.wildcard.add(peer);
        continue;
      }
      if (peer.symbols.has(s)) continue;
      const last = this.lastTick.get(s);
      if (last && !peer.allSymbols) ticks.push(last);
      peer.symbols.add(s);
      let set = this.bySymbol.get(s);
      if (!set) this.bySymbol.set(s, (set = new Set()));
      set.add(peer);
    }
    const snapshot: Extract<ServerMessage, { type: 'snapshot' }> = { type: 'snapshot', ticks };
    for (const c of new Set(channels)) {
      if (peer.channels.has(c)) continue;
      peer.channels.add(c);
      this.byChannel.get(c)!.add(peer);
      if (c === 'signals') snapshot.signals = [...this.signals.values()];
      else if (c === 'positions') snapshot.positions = [...this.positions.values()];
      else snapshot.agents = [...this.agents.values()];
    }
    peer.control(encode(snapshot));
  }

  private unsubscribe(peer: Peer, symbols: string[], channels: Channel[]): void {
    const dropped = new Set<string>();
    for (const s of symbols) {
      if (s === ALL_SYMBOLS) {
        peer.allSymbols = false;
        this.wildcard.delete(peer);
        // Wildcard ticks waiting for symbols not named explicitly are no longer wanted.
        peer.forget((k) => k.startsWith('t:') && !peer.symbols.has(k.slice(2)));
        continue;
      }
      if (!peer.symbols.delete(s)) continue;
      this.leaveSymbol(peer, s);
      if (!peer.allSymbols) dropped.add(`t:${s}`);
    }
    for (const c of channels) {
      if (!peer.channels.delete(c)) continue;
      this.byChannel.get(c)!.delete(peer);
      const prefix = c === 'signals' ? 's:' : c === 'positions' ? 'p:' : 'a:';
      peer.forget((k) => k.startsWith(prefix));
    }
    if (dropped.size) peer.forget((k) => dropped.has(k));
  }

  private leaveSymbol(peer: Peer, s: string): void {
    const set = this.bySymbol.get(s);
    set?.delete(peer);
    if (set?.size === 0) this.bySymbol.delete(s);
  }

  private error(peer: Peer, message: string): void {
    peer.control(encode({ type: 'error', message }));
  }

  private remove(peer: Peer): void {
    if (!this.peers.delete(peer)) return;
    for (const s of peer.symbols) this.leaveSymbol(peer, s);
    this.wildcard.delete(peer);
    for (const set of this.byChannel.values()) set.delete(peer);
    this.slow.delete(peer);
    this.counts.sentByGone += peer.sent;
    this.counts.conflatedByGone += peer.conflated;
    peer.clear();
  }

  private cut(peer: Peer, why: 'slow' | 'dead' | 'revoked'): void {
    this.o.log.warn({ event: 'relay.peer_cut', peer: peer.identity.name, role: peer.identity.role, why }, 'connection cut');
    if (why === 'slow') this.counts.slowCut++;
    else if (why === 'dead') this.counts.deadCut++;
    else this.counts.revokedCut++;
    // A revoked credential is told why; a slow or dead socket would not read a close frame anyway.
    if (why === 'revoked') peer.ws.close(1008, 'credential revoked');
    else peer.ws.terminate();
    this.remove(peer);
  }

  private markSlow(peer: Peer): void {
    this.slow.add(peer);
    // Polling only the slow peers: the timer exists only while someone lags.
    this.flusher ??= setInterval(() => {
      for (const p of this.slow) if (p.flush()) this.slow.delete(p);
      if (this.slow.size === 0 && this.flusher) {
        clearInterval(this.flusher);
        this.flusher = undefined;
      }
    }, this.o.flushMs ?? 20);
    // Never what keeps a stopping process alive.
    this.flusher.unref();
  }

  private beat(): void {
    for (const p of this.peers) {
      if (!p.alive) {
        this.cut(p, 'dead');
        continue;
      }
      if (p.identity.stillValid && !p.identity.stillValid()) {
        this.cut(p, 'revoked');
        continue;
      }
      p.alive = false;
      p.ws.ping();
    }
  }
}
