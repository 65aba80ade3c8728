#!/usr/bin/env node
/**
 * Relay benchmark (not a test): prints figures, each beside a baseline measured in the same run.
 * --subscribers WebSocket subscribers (each subscribed to --per-sub of --symbols symbols) in two
 * worker threads; one publisher sending --rate ticks/s in batches every 10 ms; for --seconds:
 *   1. `dcap relay start` (the real CLI, its own process) and a bare `ws` broadcast loop
 *      (bench/lib/bare-relay.mjs, its own process): delivered messages/s, p50/p99/max
 *      publish-to-receive latency;
 *   2. the same with --stalled extra subscribers to every symbol that never read their socket:
 *      the others' latency, and each server's RSS before and after (the relay conflates, the bare
 *      loop buffers without bound).
 * Latency is measured from the publish time the publisher writes into each tick's `last` field.
 * Run after `npm run build`: node bench/relay.mjs [--seconds 10] [--subscribers 1000] [--per-sub 1]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import WebSocket from 'ws';
import { BIN, dcapSync, startServer } from './lib/procs.mjs';
import { int, ms, percentiles } from './lib/stats.mjs';

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    subscribers: { type: 'string', default: '1000' },
    symbols: { type: 'string', default: '20' },
    'per-sub': { type: 'string', default: '1' },
    rate: { type: 'string', default: '1000' },
    stalled: { type: 'string', default: '10' },
    workers: { type: 'string', default: '2' },
    'fill-max': { type: 'string', default: '120' },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  process.stdout.write('node bench/relay.mjs [--seconds 10] [--subscribers 1000] [--symbols 20] [--per-sub 1] [--rate 1000] [--stalled 10] [--workers 2]\n');
  process.exit(0);
}
const SECONDS = Number(opt.seconds);
const SUBSCRIBERS = Number(opt.subscribers);
const SYMBOLS = Array.from({ length: Number(opt.symbols) }, (_, i) => `SYM${String(i).padStart(2, '0')}`);
const PER_SUB = Math.min(Number(opt['per-sub']), SYMBOLS.length);
const RATE = Number(opt.rate);
const STALLED = Number(opt.stalled);
const WORKERS = Number(opt.workers);
const BATCH_MS = 10;
const now = () => performance.timeOrigin + performance.now();

const rssMb = (pid) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

/** CPU time (user + system, ms) a process has used so far: a figure the machine's other load barely moves. */
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
};

function connect(url, headers) {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Publishes RATE ticks/s round-robin over the symbols until `stop()`; returns how many it sent. */
function publisher(ws) {
  let sent = 0;
  let i = 0;
  const started = performance.now();
  const timer = setInterval(() => {
    // Catch up on timer drift so the average rate is RATE whatever the event loop did.
    const due = Math.floor(((performance.now() - started) / 1000) * RATE) - sent;
    if (due <= 0) return;
    const ticks = [];
    const t = now();
    for (let k = 0; k < due; k++, i++) ticks.push({ symbol: SYMBOLS[i % SYMBOLS.length], bid: 1 + (i % 1000) / 1e4, ask: 1.0002 + (i % 1000) / 1e4, last: t, time: Math.floor(t) });
    ws.send(JSON.stringify({ op: 'ticks', ticks }));
    sent += due;
  }, BATCH_MS);
  return { stop: () => (clearInterval(timer), sent) };
}

const ask = (w, cmd) =>
  new Promise((resolve) => {
    w.once('message', resolve);
    w.postMessage(cmd);
  });

/** How long the relay took until every stalled socket had backed up (the bare loop then gets as long). */
let fillSeconds = 0;

async function phase(name, server, { subHeaders, pubHeaders, bare, stalled }) {
  const trace = (m) => process.env.BENCH_TRACE && process.stderr.write(`[${name}] ${m}\n`);
  const share = Math.ceil(SUBSCRIBERS / WORKERS);
  const workers = Array.from(
    { length: WORKERS },
    (_, w) =>
      new Worker(new URL('./lib/relay-subscribers.mjs', import.meta.url), {
        workerData: { url: server.url, headers: subHeaders, bare, from: w * share, count: Math.min(share, SUBSCRIBERS - w * share), symbols: SYMBOLS, perSub: PER_SUB },
      }),
  );
  trace('connecting');
  await Promise.all(workers.map((w) => ask(w, 'connect')));
  trace('connected');
  const stalledSockets = [];
  for (let s = 0; s < stalled; s++) {
    const ws = await connect(server.url, subHeaders);
    ws.send(JSON.stringify({ op: 'subscribe', symbols: SYMBOLS }));
    // Never read again: the server's writes to it back up.
    ws._socket.pause();
    stalledSockets.push(ws);
  }
  const pubWs = await connect(server.url, pubHeaders);
  const rssBefore = rssMb(server.child.pid);
  const pub = publisher(pubWs);
  if (stalled) {
    // Kernel socket buffers absorb a few MB per stalled socket before any server sees it back up:
    // publish at the normal rate until the relay reports them all slow, then measure.
    const t = performance.now();
    if (!bare) {
      const health = () => fetch(`${server.url.replace('ws:', 'http:')}/healthz`).then((r) => r.json());
      while ((await health()).peers.slow < stalled && performance.now() - t < Number(opt['fill-max']) * 1000) await sleep(500);
      fillSeconds = (performance.now() - t) / 1000;
    } else await sleep(fillSeconds * 1000);
    trace(`filled in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  await sleep(1000); // warm-up
  await Promise.all(workers.map((w) => ask(w, 'start')));
  const t0 = performance.now();
  const cpu0 = cpuMs(server.child.pid);
  await sleep(SECONDS * 1000);
  const cpu = cpuMs(server.child.pid) - cpu0;
  const results = await Promise.all(workers.map((w) => ask(w, 'stop')));
  const elapsed = (performance.now() - t0) / 1000;
  pub.stop();
  const rssAfter = rssMb(server.child.pid);
  trace(`measured ${elapsed.toFixed(1)} s`);
  const received = results.reduce((a, r) => a + r.received, 0);
  const lat = percentiles(Float64Array.from(results.flatMap((r) => Array.from(r.samples))));
  let health;
  if (!bare) health = await fetch(`${server.url.replace('ws:', 'http:')}/healthz`).then((r) => r.json());
  pubWs.terminate();
  for (const ws of stalledSockets) ws.terminate();
  await Promise.all(workers.map((w) => ask(w, 'close')));
  await Promise.all(workers.map((w) => w.terminate()));
  const row = { name, perSec: received / elapsed, ...lat, rssBefore, rssAfter, health, cpuPct: cpu / elapsed / 10, usPerMsg: (cpu * 1000) / Math.max(1, received) };
  print(row);
  return row;
}

function print(r) {
  const extra = r.health ? `  conflated ${int(r.health.conflated)}, slow now ${r.health.peers.slow}, cut ${JSON.stringify(r.health.cut)}` : '';
  process.stdout.write(
    `  ${r.name.padEnd(34)} ${int(r.perSec).padStart(9)} msg/s   p50 ${ms(r.p50).padStart(9)}   p99 ${ms(r.p99).padStart(9)}   max ${ms(r.max).padStart(10)}   cpu ${r.cpuPct.toFixed(0).padStart(3)}% (${r.usPerMsg.toFixed(1)} us/msg)   RSS ${r.rssBefore.toFixed(0)} -> ${r.rssAfter.toFixed(0)} MB${extra}\n`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'dcap-bench-relay-'));
const env = { DCAP_DATA_DIR: join(dir, 'data'), DCAP_LOG_LEVEL: 'warn' };
let relay;
let bare;
// Ctrl-C: still stop both servers and remove the temp dir.
process.once('SIGINT', () => Promise.all([relay?.stop(), bare?.stop()]).finally(() => (rmSync(dir, { recursive: true, force: true }), process.exit(130))));
try {
  const { token } = JSON.parse(dcapSync(['token', 'create', 'bench', '--read', '--json'], env));
  const { agentId, key } = JSON.parse(dcapSync(['agent', 'pair', 'bench', '--json'], env));
  relay = await startServer([BIN, 'relay', 'start', '--port', '0'], env);
  bare = await startServer([new URL('./lib/bare-relay.mjs', import.meta.url).pathname]);
  process.stdout.write(
    `relay bench: ${SUBSCRIBERS} subscribers x ${PER_SUB} of ${SYMBOLS.length} symbols, ${RATE} ticks/s in ${BATCH_MS} ms batches, ${SECONDS} s per phase\n` +
      `expected deliveries: ${int((RATE * SUBSCRIBERS * PER_SUB) / SYMBOLS.length)} msg/s; node ${process.version}, ${cpus().length} cpus, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n\n`,
  );
  const r = { subHeaders: { Authorization: `Bearer ${token}` }, pubHeaders: { 'X-Agent-Id': agentId, 'X-Agent-Key': key }, bare: false };
  const b = { subHeaders: {}, pubHeaders: {}, bare: true };
  await phase('dcap relay', relay, { ...r, stalled: 0 });
  await phase('bare ws loop (baseline)', bare, { ...b, stalled: 0 });
  await phase(`dcap relay, +${STALLED} stalled`, relay, { ...r, stalled: STALLED });
  await phase(`bare ws loop, +${STALLED} stalled`, bare, { ...b, stalled: STALLED });
  process.stdout.write('\ntarget: p99 <= 20 ms with and without stalled subscribers; relay RSS flat while stalled subscribers exist\n');
} finally {
  await relay?.stop();
  await bare?.stop();
  rmSync(dir, { recursive: true, force: true });
}
