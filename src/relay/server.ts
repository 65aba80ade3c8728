import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Logger } from '../log.js';
import type { Authenticate } from './auth.js';
import { Hub, type HubOptions } from './hub.js';
import { MAX_MESSAGE_BYTES } from './protocol.js';
import { RedisLink } from './redis.js';

export interface RelayServerOptions extends Omit<HubOptions, 'log' | 'instance' | 'forward'> {
  log: Logger;
  authenticate: Authenticate;
  /** Defaults to a random id; it tells instances apart on Redis. */
  instance?: string;
  /** Join other instances through Redis pub/sub. */
  redis?: { url: string; prefix?: string };
}

/**
 * The price relay's socket side: authenticates the HTTP upgrade, then hands the socket to the
 * hub. Either listens on its own port (`listen`, any path, /healthz) or serves `/ws` on an
 * existing HTTP server (`attach`, for `dcap up`).
 */
export class RelayServer {
  readonly hub: Hub;
  readonly instance: string;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  private readonly redis?: RedisLink;
  private own?: Server;
  private readonly handshakes = new Set<Duplex>();
  private stopping?: Promise<void>;

  constructor(private readonly o: RelayServerOptions) {
    this.instance = o.instance ?? randomBytes(6).toString('hex');
    if (o.redis) {
      this.redis = new RedisLink({
        url: o.redis.url,
        prefix: o.redis.prefix,
        instance: this.instance,
        log: o.log,
        onTicks: (ticks) => this.hub.publishTicks(ticks, false),
        onChannel: (msg) => this.hub.publishChannel(msg, false),
      });
    }
    const redis = this.redis;
    this.hub = new Hub({
      ...o,
      instance: this.instance,
      forward: redis && { ticks: (t) => redis.ticks(t), channel: (m) => redis.channel(m) },
    });
  }

  /** Connects to Redis when configured; call before accepting sockets. */
  async start(): Promise<void> {
    await this.redis?.connect();
  }

  /** Listens on its own port: WebSocket upgrades on any path, GET /healthz, 426 for the rest. */
  async listen(host: string, port: number): Promise<{ host: string; port: number; url: string }> {
    await this.start();
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const body = path === '/healthz' ? JSON.stringify(this.snapshot()) : JSON.stringify({ error: 'this is a WebSocket endpoint (see docs/relay.md)' });
      res.writeHead(path === '/healthz' ? 200 : 426, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...(path === '/healthz' ? {} : { Upgrade: 'websocket' }) });
      res.end(body);
    });
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.own = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const actual = (server.address() as AddressInfo).port;
    const h = host.includes(':') ? `[${host}]` : host;
    return { host, port: actual, url: `ws://${h}:${actual}` };
  }

  /** Serves WebSocket upgrades for `path` on an existing server; other upgrade paths get 404. */
  attach(server: Server, path = '/ws'): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if ((req.url ?? '/').split('?')[0] !== path) return refuse(socket, 404, 'no WebSocket endpoint here: use /ws');
      this.upgrade(req, socket, head);
    });
  }

  /** What /healthz shows for the relay. */
  snapshot() {
    return {
      status: 'ok',
      instance: this.instance,
      ...this.hub.stats(),
      ...(this.redis ? { redis: { connected: this.redis.connected, dropped: this.redis.dropped } } : {}),
    };
  }

  /** Closes every socket (1001, so clients reconnect elsewhere or later), then Redis and the own port. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.hub.close();
      for (const s of this.handshakes) s.destroy();
      const deadline = Date.now() + 2000;
      while (this.hub.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      this.hub.terminateAll();
      this.wss.close();
      await this.redis?.close();
      const own = this.own;
      if (own) {
        await new Promise<void>((resolve) => {
          own.close(() => resolve());
          own.closeAllConnections();
        });
      }
    })();
    return this.stopping;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (this.stopping) return refuse(socket, 503, 'relay shutting down');
    let identity;
    try {
      identity = this.o.authenticate(req);
    } catch (err) {
      this.o.log.error({ event: 'relay.auth_error', err: (err as Error).message }, 'relay: authentication failed with an error');
      return refuse(socket, 503, 'store unavailable');
    }
    if (!identity) return refuse(socket, 401, 'a read token (Authorization: Bearer, or ?token=) or agent credentials (X-Agent-Id, X-Agent-Key) are required', { 'WWW-Authenticate': 'Bearer' });
    this.handshakes.add(socket);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.handshakes.delete(socket);
      if (this.stopping) return ws.close(1001, 'relay shutting down');
      // Ticks are small and latency-bound: never wait for more bytes to fill a segment.
      (socket as Socket).setNoDelay?.(true);
      this.hub.add(ws, identity);
      this.o.log.info({ event: 'relay.connected', peer: identity.name, role: identity.role }, 'relay client connected');
    });
  }
}

function refuse(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ error: message });
  const reason = { 401: 'Unauthorized', 404: 'Not Found', 503: 'Service Unavailable' }[status] ?? 'Error';
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  if (socket.writable) {
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`);
  } else socket.destroy();
}
