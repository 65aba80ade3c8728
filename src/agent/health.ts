/**
 * What the agent is waiting for, from the bridge's hello.json and from how the server answers,
 * logged once per transition, and the heartbeat it sends every 5 s.
 */
import type { Hello } from '../bridge/protocol.js';
import type { Logger } from '../log.js';
import type { FileBridge } from './bridge/file.js';

/** hello.json older than this means the EA (or the whole terminal) stopped beating. */
export const HELLO_STALE_MS = 3_000;

export type WaitingFor = 'server' | 'terminal' | 'EA heartbeat' | 'AutoTrading disabled';

export interface Readiness {
  waitingFor: WaitingFor | null;
  detail: string;
}

/** Why the bridge cannot take an order now, or null when it can. Pure, for tests and the loop. */
export function bridgeReadiness(hello: Hello | undefined, now: number, dir: string): Readiness {
  if (!hello) return { waitingFor: 'terminal', detail: `no hello.json in ${dir}: is MT5 running with DcapBridge on a chart (or the paper terminal)?` };
  if (hello.status === 'stopped') return { waitingFor: 'EA heartbeat', detail: `DcapBridge stopped: ${hello.reason ?? 'no reason given'}` };
  const age = now - hello.time;
  if (age > HELLO_STALE_MS) return { waitingFor: 'terminal', detail: `hello.json is ${Math.round(age / 1000)} s old: the terminal or DcapBridge is not running` };
  if (!hello.terminal.connected) return { waitingFor: 'terminal', detail: 'the terminal is not connected to the trade server' };
  if (!hello.tradeAllowed) {
    const why = !hello.terminal.tradeAllowed
      ? "the terminal's Algo Trading button is off"
      : !hello.ea.tradeAllowed
        ? "\"Allow Algo Trading\" is off in DcapBridge's properties"
        : !hello.account.tradeAllowed || !hello.account.tradeExpert
          ? 'the account does not allow (expert) trading'
          : 'trading is not allowed';
    return { waitingFor: 'AutoTrading disabled', detail: why };
  }
  return { waitingFor: null, detail: 'ready' };
}

export interface HealthOptions {
  bridge: FileBridge;
  log: Logger;
  now?: () => number;
}

export class Health {
  private hello?: Hello;
  private helloError?: string;
  private serverDown?: string;
  private lastKey = '';
  private readAt = 0;
  private readonly now: () => number;

  constructor(private readonly o: HealthOptions) {
    this.now = o.now ?? Date.now;
  }

  /**
   * Re-reads hello.json; call about once a second and before each claim. `maxAgeMs`: keep a
   * reading this recent instead (the EA rewrites hello.json once a second and counts as gone only
   * after 3 s, so re-reading it for every job of a burst only costs CPU and a file read per job).
   */
  async refresh(maxAgeMs = 0): Promise<Readiness> {
    const now = this.now();
    if (maxAgeMs > 0 && now - this.readAt < maxAgeMs) return this.current();
    this.readAt = now;
    const r = await this.o.bridge.readHello();
    if (r.ok) {
      this.hello = r.value;
      this.helloError = undefined;
    } else {
      this.hello = undefined;
      this.helloError = r.missing ? undefined : r.error;
    }
    return this.current();
  }

  serverReachable(): void {
    if (this.serverDown === undefined) return;
    this.serverDown = undefined;
    this.report();
  }

  serverUnreachable(reason: string): void {
    this.serverDown = reason;
    this.report();
  }

  get lastHello(): Hello | undefined {
    return this.hello;
  }

  get bridgeReady(): boolean {
    return bridgeReadiness(this.hello, this.now(), this.o.bridge.dir).waitingFor === null;
  }

  /** Server problems first: nothing moves without it. Logged when it changes. */
  current(): Readiness {
    let r: Readiness = this.serverDown !== undefined ? { waitingFor: 'server', detail: this.serverDown } : bridgeReadiness(this.hello, this.now(), this.o.bridge.dir);
    if (r.waitingFor === 'terminal' && this.helloError) r = { waitingFor: 'EA heartbeat', detail: `unreadable hello.json: ${this.helloError}` };
    this.report(r);
    return r;
  }

  private report(r: Readiness = this.current()): void {
    const key = `${r.waitingFor}|${r.waitingFor === 'terminal' && r.detail.includes(' s old') ? 'stale' : r.detail}`;
    if (key === this.lastKey) return;
    this.lastKey = key;
    if (r.waitingFor === null) this.o.log.info({ event: 'agent.ready' }, 'ready: terminal connected, AutoTrading allowed, server reachable');
    else this.o.log.warn({ event: 'agent.waiting', waitingFor: r.waitingFor, detail: r.detail }, `waiting for ${r.waitingFor}: ${r.detail}`);
  }

  /** The heartbeat body (docs/agent-api.md). */
  heartbeat(metrics: Record<string, unknown>): Record<string, unknown> {
    const h = this.hello;
    const r = this.current();
    return {
      terminalConnected: h ? h.terminal.connected && h.status === 'running' && this.now() - h.time <= HELLO_STALE_MS : false,
      tradeAllowed: h?.tradeAllowed ?? false,
      account: h ? { login: h.account.login, server: h.account.server, currency: h.account.currency, marginMode: h.account.marginMode } : null,
      build: h?.terminal.build ?? null,
      bridgeVersion: h?.bridgeVersion ?? null,
      // The server never sees "server": it only gets heartbeats when it is reachable.
      waitingFor: r.waitingFor === 'server' ? null : r.waitingFor,
      metrics,
    };
  }
}
