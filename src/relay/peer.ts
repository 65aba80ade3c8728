import type { WebSocket } from 'ws';
import type { Channel, Role } from './protocol.js';

/** Who is on the other end, as authenticated at the upgrade. */
export interface Identity {
  role: Role;
  /** Token or agent id (logs, stats). */
  id: string;
  name: string;
  /** Re-checks the credential (a revoked token or agent is cut at the next heartbeat). */
  stillValid?: () => boolean;
}

export interface PeerLimits {
  /** Above this many bytes queued on the socket a peer is slow: it gets the latest per key only. */
  highWaterBytes: number;
  /** A slow peer with more distinct keys waiting than this is cut (it reconnects for a fresh snapshot). */
  maxPending: number;
}

const TEXT = { binary: false, compress: false, fin: true } as const;

/**
 * One connected client and its conflating sender. While the socket keeps up, messages go out at
 * once; when `bufferedAmount` passes the high-water mark, further messages wait in `pending`,
 * keyed so that a newer tick of a symbol replaces the older one (latest-per-key conflation).
 * Memory per peer is therefore bounded by highWaterBytes plus one entry per key, never by the
 * message rate, and nothing ever waits on a slow socket.
 */
export class Peer {
  readonly symbols = new Set<string>();
  allSymbols = false;
  readonly channels = new Set<Channel>();
  /** Answered the last ping (or sent anything) since the previous heartbeat. */
  alive = true;
  sent = 0;
  /** Messages replaced by a newer one for the same key while the peer was slow. */
  conflated = 0;
  private readonly pending = new Map<string, Buffer>();
  private seq = 0;

  constructor(
    readonly ws: WebSocket,
    readonly identity: Identity,
    private readonly limits: PeerLimits,
    /** Called when the peer turns slow (it has pending messages to flush later). */
    private readonly onSlow: (p: Peer) => void,
    /** Called when the peer fell too far behind and was cut. */
    private readonly onOverflow: (p: Peer) => void,
  ) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** Sends now, or keeps only the latest message under `key` until the socket drains. */
  deliver(key: string, data: Buffer): void {
    if (!this.isOpen) return;
    if (this.pending.size === 0 && this.ws.bufferedAmount < this.limits.highWaterBytes) {
      this.ws.send(data, TEXT);
      this.sent++;
      return;
    }
    if (this.pending.has(key)) this.conflated++;
    else if (this.pending.size >= this.limits.maxPending) return this.onOverflow(this);
    this.pending.set(key, data);
    if (this.pending.size === 1) this.onSlow(this);
  }

  /** A message that must not be conflated (snapshot, error, pong): queued behind what waits. */
  control(data: Buffer): void {
    this.deliver(`c:${this.seq++}`, data);
  }

  /** Drops waiting messages whose key matches (after an unsubscribe). */
  forget(match: (key: string) => boolean): void {
    for (const key of this.pending.keys()) if (match(key)) this.pending.delete(key);
  }

  /** Sends what waits while the socket is under the high-water mark. True when nothing waits any more. */
  flush(): boolean {
    if (!this.isOpen) {
      this.pending.clear();
      return true;
    }
    for (const [key, data] of this.pending) {
      if (this.ws.bufferedAmount >= this.limits.highWaterBytes) return false;
      this.pending.delete(key);
      this.ws.send(data, TEXT);
      this.sent++;
    }
    return true;
  }

  clear(): void {
    this.pending.clear();
  }
}
