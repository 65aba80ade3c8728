/**
 * The conformance suite talks to a bridge folder only through files, as the agent does. By default
 * it starts an in-process PaperTerminal in a temp dir. With DCAP_CONFORMANCE_FILES_DIR set it uses
 * that folder instead (a real terminal's Common\Files with DcapBridge running; a DEMO account:
 * the suite sends real orders, small ones, all with their own magic number, and closes them).
 *   DCAP_CONFORMANCE_FILES_DIR   the Common\Files folder
 *   DCAP_CONFORMANCE_BRIDGE_ID   default "default"
 *   DCAP_CONFORMANCE_SYMBOL      default "EURUSD" (as the broker names it)
 * Tests that need a price or a market the suite controls are marked [paper] and skipped there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { v7 as uuidv7 } from 'uuid';
import {
  HelloSchema,
  ResultSchema,
  StateSchema,
  TicksSchema,
  commandFileName,
  type Hello,
  type Result,
  type State,
  type Ticks,
} from '../../src/bridge/protocol.js';
import { PaperTerminal, type PaperOptions } from '../../src/paper/terminal.js';

export const REAL_DIR = process.env.DCAP_CONFORMANCE_FILES_DIR;
/** True when the suite runs against the in-process paper terminal (price and market under control). */
export const controllable = REAL_DIR === undefined;

export interface Harness {
  root: string;
  symbol: string;
  /** Magic number of every order this harness sends: close/modify/cancel touch only these. */
  magic: number;
  terminal: PaperTerminal | undefined;
  jobId(): string;
  /** Writes a command atomically (temp name starting with ".", then rename); returns its job id and seq. */
  send(cmd: Record<string, unknown>, opts?: { jobId?: string; seq?: number }): Promise<{ jobId: string; seq: number }>;
  /** send + wait for res/<jobId>.json. */
  run(cmd: Record<string, unknown>, opts?: { jobId?: string; seq?: number }): Promise<Result>;
  result(jobId: string, opts?: { after?: number; timeoutMs?: number }): Promise<Result>;
  state(): Promise<State>;
  waitState(pred: (s: State) => boolean, timeoutMs?: number): Promise<State>;
  hello(): Promise<Hello>;
  /** hello.json is rewritten every second: waits for a beat that shows `pred`. */
  waitHello(pred: (x: Hello) => boolean, timeoutMs?: number): Promise<Hello>;
  ticks(): Promise<Ticks>;
  /** The current quote of the harness symbol: set to 1.1/1.10008 on paper, read from ticks.json on a real terminal. */
  quote(): Promise<{ bid: number; ask: number }>;
  close(): Promise<void>;
}

let seqBase = Math.floor(Date.now() / 1000) * 100;

async function readJson<T>(file: string, schema: { parse(v: unknown): T }): Promise<T | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  return text === null ? null : schema.parse(JSON.parse(text));
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(15);
  }
}

export async function openHarness(opts: Partial<PaperOptions> = {}): Promise<Harness> {
  let filesDir: string;
  let terminal: PaperTerminal | undefined;
  let tmp: string | undefined;
  const bridgeId = REAL_DIR ? (process.env.DCAP_CONFORMANCE_BRIDGE_ID ?? 'default') : 'conformance';
  if (REAL_DIR) {
    filesDir = REAL_DIR;
  } else {
    tmp = mkdtempSync(join(tmpdir(), 'dcap-conf-'));
    filesDir = tmp;
    // Frozen prices (tickRate 0): the tests move them with setPrice.
    terminal = new PaperTerminal({ filesDir, bridgeId, tickRate: 0, seed: 1, helloIntervalMs: 100, ...opts });
    await terminal.start();
  }
  const root = join(filesDir, 'dcap', bridgeId);
  await mkdir(join(root, 'cmd'), { recursive: true });
  const symbol = REAL_DIR ? (process.env.DCAP_CONFORMANCE_SYMBOL ?? 'EURUSD') : 'EURUSD';
  const magic = 900_000 + Math.floor(Math.random() * 90_000);

  const h: Harness = {
    root,
    symbol,
    magic,
    terminal,
    jobId: () => uuidv7(),
    async send(cmd, o = {}) {
      const jobId = o.jobId ?? uuidv7();
      const seq = o.seq ?? ++seqBase;
      const body = { v: 1, seq, jobId, createdAt: Date.now(), ...cmd };
      const name = commandFileName(seq, jobId);
      const tmpName = join(root, 'cmd', `.${name.slice(4)}.tmp`);
      await writeFile(tmpName, JSON.stringify(body));
      await rename(tmpName, join(root, name));
      return { jobId, seq };
    },
    async run(cmd, o = {}) {
      const after = Date.now();
      const { jobId } = await h.send(cmd, o);
      return h.result(jobId, { after });
    },
    result(jobId, o = {}) {
      return waitFor(`res/${jobId}.json`, async () => {
        const r = await readJson(join(root, 'res', `${jobId}.json`), ResultSchema);
        return r && r.time >= (o.after ?? 0) ? r : null;
      }, o.timeoutMs);
    },
    async state() {
      return (await readJson(join(root, 'state.json'), StateSchema))!;
    },
    waitState(pred, timeoutMs) {
      return waitFor('state.json to match', async () => {
        const s = await readJson(join(root, 'state.json'), StateSchema);
        return s && pred(s) ? s : null;
      }, timeoutMs);
    },
    async hello() {
      return (await readJson(join(root, 'hello.json'), HelloSchema))!;
    },
    waitHello(pred, timeoutMs = 5000) {
      return waitFor('hello.json to match', async () => {
        const x = await readJson(join(root, 'hello.json'), HelloSchema);
        return x && pred(x) ? x : null;
      }, timeoutMs);
    },
    async ticks() {
      return (await readJson(join(root, 'ticks.json'), TicksSchema))!;
    },
    async quote() {
      if (terminal) {
        terminal.setPrice('EURUSD', 1.1, 1.10008);
        return { bid: 1.1, ask: 1.10008 };
      }
      return waitFor('a tick of the symbol in ticks.json', async () => {
        const t = await readJson(join(root, 'ticks.json'), TicksSchema).catch(() => null);
        return t?.ticks.find((q) => q.symbol === symbol) ?? null;
      });
    },
    async close() {
      // Leave nothing open on a real account (unless a test stopped the terminal).
      if ((await h.hello().catch(() => null))?.status === 'running') {
        await h.run({ type: 'close', action: 'close_all', magic }).catch(() => undefined);
        await h.run({ type: 'cancel', action: 'cancel', magic }).catch(() => undefined);
      }
      await terminal?.stop();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    },
  };
  // A real terminal sends ticks only for subscribed symbols; the paper tests subscribe themselves.
  if (REAL_DIR) await h.run({ type: 'subscribe', symbols: [symbol] });
  return h;
}

/** A market order of the symbol's minimum size with the harness's magic. */
export function buy(h: Harness, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'trade', action: 'buy', symbol: h.symbol, volume: 0.01, magic: h.magic, ...extra };
}
