/**
 * From the terminal's ticks.json to the price relay: the file is watched through its folder (the
 * EA replaces it by a rename) plus a periodic mtime check, as folder events get lost on network and
 * wine folders; each read publishes the ticks that changed since the last one as one batch.
 *
 * Ticks are ephemeral: while the relay is down they are dropped, never queued (the next tick
 * supersedes them), and on every (re)connect the whole current set goes out so the relay's
 * snapshot is fresh. At most one read is in flight; changes during it cause one more read. Nothing
 * here awaits the job loop or is awaited by it.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TicksSchema } from '../bridge/protocol.js';
import type { Logger } from '../log.js';
import { RelayClient } from '../relay/client.js';
import { TickSchema as RelayTickSchema, type Tick } from '../relay/protocol.js';

export interface TickPublisherOptions {
  /** The bridge folder holding ticks.json (FileBridge.dir). */
  dir: string;
  /** The relay's ws(s):// URL (or the server's http(s):// URL: its /ws). */
  url: string;
  agent: { id: string; key: string };
  log: Logger;
  /** The fallback check of ticks.json's mtime. */
  scanMs?: number;
  /** Reconnect delays (tests shorten them). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Each time the relay accepts the connection. */
  onConnected?: () => void;
}

/** The relay URL as it may be logged: no credentials, no query. */
export function loggableUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export class TickPublisher {
  private readonly file: string;
  private readonly client: RelayClient;
  /** What the relay last got per symbol, to send only what changed. */
  private readonly sent = new Map<string, string>();
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private mtimeMs = 0;
  private reading?: Promise<void>;
  private again = false;
  private stopped = false;
  /** The relay connection as last logged: one line per transition, not per retry. */
  private logged?: 'up' | 'down' | 'refused';
  private readError?: string;
  published = 0;
  dropped = 0;

  constructor(private readonly o: TickPublisherOptions) {
    this.file = join(o.dir, 'ticks.json');
    this.client = new RelayClient({ url: o.url, agent: o.agent, backoff: o.backoff });
  }

  start(): void {
    const { log } = this.o;
    const where = loggableUrl(this.o.url);
    this.client.on('open', () => {
      if (this.logged !== 'up') log.info({ event: 'relay.connected', relay: where }, `relay connected: publishing ticks to ${where}`);
      this.logged = 'up';
      this.sent.clear();
      this.read();
      this.o.onConnected?.();
    });
    this.client.on('close', (e) => {
      if (e.retryInMs === null || this.logged === 'down' || this.logged === 'refused') return;
      this.logged = 'down';
      const error = e.error ?? (e.reason || `closed (${e.code})`);
      // 404/426: an HTTP server without a relay, most likely `dcap webhook start` as --server.
      const hint = /HTTP (404|426)/.test(error) ? ' (no relay there: `dcap up` serves one at /ws; else --relay ws://HOST:PORT of `dcap relay start`, or --relay off)' : '';
      log.warn({ event: 'relay.disconnected', relay: where, error }, `relay not reachable (${error})${hint}: ticks are dropped until it is back; jobs go on`);
    });
    this.client.on('unauthorized', ({ status }) => {
      this.logged = 'refused';
      log.error({ event: 'relay.refused', relay: where, status }, `the relay refused this agent's id and key (HTTP ${status}): no ticks are published; jobs go on`);
    });
    this.client.start();
    try {
      this.watcher = watch(this.o.dir, { persistent: false }, (_e, name) => (name === null || String(name) === 'ticks.json') && this.read());
      this.watcher.on('error', () => this.watcher?.close()); // the mtime check below goes on
    } catch (err) {
      log.debug({ event: 'ticks.watch_error', err: String(err) }, 'cannot watch the bridge folder; checking ticks.json periodically');
    }
    this.timer = setInterval(() => void this.checkMtime(), this.o.scanMs ?? 500);
    this.timer.unref();
    this.read();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.watcher?.close();
    await this.reading;
    await this.client.stop();
  }

  snapshot() {
    return { relay: this.client.state, published: this.published, dropped: this.dropped };
  }

  private async checkMtime(): Promise<void> {
    const st = await stat(this.file).catch(() => undefined);
    if (st && st.mtimeMs !== this.mtimeMs) this.read();
  }

  private read(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        await this.readOnce();
      } while (this.again && !this.stopped);
    })().finally(() => (this.reading = undefined));
  }

  private async readOnce(): Promise<void> {
    let text: string;
    try {
      const st = await stat(this.file);
      this.mtimeMs = st.mtimeMs;
      text = await readFile(this.file, 'utf8');
    } catch {
      return; // not written yet (nothing subscribed), or replaced between the two calls: the next event reads it
    }
    // Not connected: nothing to do; the reconnect reads the file again and sends it all.
    if (!this.client.connected) return;
    const parsed = parseTicks(text);
    if (!parsed.ok) {
      if (parsed.error !== this.readError) this.o.log.warn({ event: 'ticks.unreadable', error: parsed.error }, `ticks.json unreadable: ${parsed.error}`);
      this.readError = parsed.error;
      return;
    }
    this.readError = undefined;
    const changed: Tick[] = [];
    const keys: [string, string][] = [];
    for (const t of parsed.ticks) {
      const key = `${t.bid}|${t.ask}|${t.last ?? 0}|${t.time}`;
      if (this.sent.get(t.symbol) === key) continue;
      changed.push(t);
      keys.push([t.symbol, key]);
    }
    if (changed.length === 0) return;
    if (!this.client.publish(changed)) {
      // Disconnected or backed up: these are superseded by the next read, not queued.
      this.dropped += changed.length;
      return;
    }
    this.published += changed.length;
    // Bounded by the terminal's subscription, but a stray file must not grow it for ever.
    if (this.sent.size > 2 * 1000) this.sent.clear();
    for (const [s, k] of keys) this.sent.set(s, k);
  }
}

/** ticks.json -> the relay's ticks; a quote the relay would refuse (e.g. no price yet) is left out. */
export function parseTicks(text: string): { ok: true; ticks: Tick[] } | { ok: false; error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
  const r = TicksSchema.safeParse(raw);
  if (!r.success) return { ok: false, error: r.error.message };
  const ticks: Tick[] = [];
  for (const t of r.data.ticks) {
    const tick = { symbol: t.symbol, bid: t.bid, ask: t.ask, ...(t.last > 0 ? { last: t.last } : {}), time: t.time };
    if (tick.bid > 0 && RelayTickSchema.safeParse(tick).success) ticks.push(tick);
  }
  return { ok: true, ticks };
}
