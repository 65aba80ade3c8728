#!/usr/bin/env node
/**
 * Intake benchmark (not a test): prints figures, each beside a baseline measured in the same run.
 *   1. saturation: the webhook daemon (durable: synchronous=FULL + group commit) and a bare
 *      node:http server that only JSON.parses, each driven by keep-alive connections of unique
 *      alerts for --seconds; requests/s, p50/p99/max latency and the daemon/bare ratio.
 *   2. fixed rate: --rate alerts/s for --rate-seconds against the daemon; p50/p99/max.
 *   3. in-process replay of --replay-alerts generated alerts (`dcap replay --json`); alerts/s.
 * Run after `npm run build`: node bench/intake.mjs [--seconds 10] [--connections 50] [--reps 3] [--alerts id|body]
 * See bench/README.md for how to read the output.
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { BIN, dcapSync, startServer } from './lib/procs.mjs';
import { int, median, ms, percentiles } from './lib/stats.mjs';

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    reps: { type: 'string', default: '3' },
    rate: { type: 'string', default: '1000' },
    'rate-seconds': { type: 'string', default: '10' },
    'replay-alerts': { type: 'string', default: '100000' },
    'replay-timeout': { type: 'string', default: '120' },
    'log-level': { type: 'string' },
    alerts: { type: 'string', default: 'id' },
    skip: { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  process.stdout.write(
    'node bench/intake.mjs [--seconds 10] [--connections 50] [--reps 3] [--rate 1000] [--rate-seconds 10]\n' +
      '                      [--replay-alerts 100000] [--replay-timeout 120] [--alerts id|body] [--log-level info] [--skip saturation|rate|replay]...\n',
  );
  process.exit(0);
}
const SECONDS = Number(opt.seconds);
const CONNECTIONS = Number(opt.connections);
const REPS = Number(opt.reps);
const WARMUP_SECONDS = 1;
const HEADERS = { 'content-type': 'application/json' };

if (opt.alerts !== 'id' && opt.alerts !== 'body') throw new Error('--alerts is id or body');
let seq = 0;
/**
 * A unique alert, so the daemon accepts (and records) every one: `id` gives each an explicit id
 * (dedup by id, as {{strategy.order.id}} does); `body` has no id, only a unique comment (dedup by
 * identical body within the window).
 */
const alertBody = () => {
  const unique = `bench-${process.pid}-${++seq}`;
  const alert = { action: 'buy', symbol: 'OANDA:EURUSD', qty: '0.01', sl: '1.0800', tp: '1.0900' };
  return JSON.stringify(opt.alerts === 'id' ? { ...alert, id: unique } : { ...alert, comment: unique });
};

async function send(pool, path) {
  const started = performance.now();
  try {
    const res = await pool.request({ path, method: 'POST', body: alertBody(), headers: HEADERS });
    const text = await res.body.text();
    return { ms: performance.now() - started, accepted: res.statusCode === 200 && text.includes('"status":"accepted"') };
  } catch {
    return { ms: performance.now() - started, accepted: false, error: true };
  }
}

/** Closed loop: `connections` requests in flight all the time, for `seconds`. */
async function saturate(url, path, seconds) {
  const pool = new Pool(url, { connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 60_000 });
  const run = async (s, record) => {
    const latencies = [];
    let accepted = 0;
    let failed = 0;
    const started = performance.now();
    const deadline = started + s * 1000;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (performance.now() < deadline) {
          const r = await send(pool, path);
          if (!record) continue;
          if (r.accepted) {
            accepted++;
            latencies.push(r.ms);
          } else failed++;
        }
      }),
    );
    return { perSecond: (accepted * 1000) / (performance.now() - started), failed, ...percentiles(latencies) };
  };
  await run(WARMUP_SECONDS, false);
  const result = await run(seconds, true);
  await pool.close();
  return result;
}

/** Open loop: sends on schedule whatever the answers, so a slow answer cannot slow the sender. */
async function fixedRate(url, path, rate, seconds) {
  const pool = new Pool(url, { connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 60_000 });
  await Promise.all(Array.from({ length: 20 }, () => send(pool, path))); // connect + warm up
  const total = rate * seconds;
  const pending = [];
  const started = performance.now();
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
    while (sent < due) {
      pending.push(send(pool, path));
      sent++;
    }
    await sleep(1);
  }
  const results = await Promise.all(pending);
  const elapsed = performance.now() - started;
  await pool.close();
  const ok = results.filter((r) => r.accepted);
  return { sent: total, accepted: ok.length, achievedRate: (total * 1000) / elapsed, ...percentiles(ok.map((r) => r.ms)) };
}

function replayBench(dir, n) {
  const fixtures = join(dir, 'replay.jsonl');
  const strategies = join(dir, 'strategies.json');
  const t0 = Date.parse('2025-01-06T08:00:00Z');
  const lines = [];
  for (let i = 0; i < n; i++) {
    const alert = { action: i % 2 ? 'sell' : 'buy', symbol: 'OANDA:EURUSD', qty: '0.01' };
    const body = JSON.stringify(opt.alerts === 'id' ? { ...alert, id: `replay-${i}` } : { ...alert, comment: `replay-${i}` });
    lines.push(JSON.stringify({ strategy: 'bench', contentType: 'application/json', body, at: new Date(t0 + i).toISOString() }));
  }
  writeFileSync(fixtures, `${lines.join('\n')}\n`);
  writeFileSync(strategies, JSON.stringify({ version: 1, strategies: [{ name: 'bench', settings: { rateLimit: 0 } }] }));
  const started = performance.now();
  const out = dcapSync(['replay', fixtures, '--strategies', strategies, '--json', '--data-dir', join(dir, 'replay-data')], {}, Number(opt['replay-timeout']) * 1000);
  const wallMs = performance.now() - started;
  const { results, summary } = JSON.parse(out);
  const accepted = results.filter((r) => r.status === 'accepted').length;
  return { n, accepted, wallMs, wallPerSecond: (n * 1000) / wallMs, loopPerSecond: summary.alertsPerSecond, loopMs: summary.elapsedMs };
}

/** Baseline for the durable path: one small append + fsync on the data dir's file system. */
function fsyncLatency(dir, n = 50) {
  const fd = openSync(join(dir, 'fsync-probe'), 'a');
  const samples = [];
  try {
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      writeSync(fd, 'x'.repeat(512));
      fsyncSync(fd);
      samples.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
  }
  return percentiles(samples);
}

/** Group-commit figures from the daemon's /healthz: alerts committed per fsync. */
async function groupCommit(url) {
  const res = await fetch(new URL('/healthz', url));
  const { intake } = await res.json();
  return intake?.batches ? `${int(intake.committed)} alerts in ${int(intake.batches)} commits, ${(intake.committed / intake.batches).toFixed(1)} per fsync` : 'n/a';
}

function line(label, r) {
  return `  ${label.padEnd(8)} ${int(r.perSecond).padStart(8)} req/s   p50 ${ms(r.p50).padStart(9)}   p99 ${ms(r.p99).padStart(9)}   max ${ms(r.max).padStart(9)}${r.failed ? `   (${r.failed} not accepted)` : ''}`;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'dcap-bench-'));
  const dataDir = join(dir, 'data');
  const env = opt['log-level'] ? { DCAP_LOG_LEVEL: opt['log-level'] } : {};
  try {
    const { webhookPath } = JSON.parse(dcapSync(['strategy', 'add', 'bench', '--rate-limit', '0', '--json', '--data-dir', dataDir], env));
    const daemon = await startServer([BIN, 'webhook', 'start', '--port', '0', '--data-dir', dataDir], env);
    const bare = await startServer([new URL('./lib/bare-server.mjs', import.meta.url).pathname]);
    try {
      process.stdout.write(
        `dcap intake benchmark (node ${process.version}, ${CONNECTIONS} keep-alive connections, unique alerts (dedup by ${opt.alerts}), daemon synchronous=FULL + group commit${opt['log-level'] ? `, log level ${opt['log-level']}` : ''})\n` +
          `machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at start\n`,
      );
      const f = fsyncLatency(dir);
      process.stdout.write(`fsync baseline on the data dir's file system: p50 ${ms(f.p50)}, p99 ${ms(f.p99)}, max ${ms(f.max)} (512-byte append + fsync, 50 times)\n`);
      if (!opt.skip.includes('saturation')) {
        process.stdout.write(`\n1. saturation: ${SECONDS} s per run after ${WARMUP_SECONDS} s warm-up, ${REPS} run(s) each, interleaved\n`);
        const runs = { daemon: [], bare: [] };
        for (let rep = 0; rep < REPS; rep++) {
          runs.daemon.push(await saturate(daemon.url, webhookPath, SECONDS));
          runs.bare.push(await saturate(bare.url, '/webhooks/tv/bare', SECONDS));
          process.stdout.write(`${line(`daemon#${rep + 1}`, runs.daemon[rep])}\n${line(`bare#${rep + 1}`, runs.bare[rep])}\n`);
        }
        const med = (rs) => ({ perSecond: median(rs.map((r) => r.perSecond)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), max: median(rs.map((r) => r.max)), failed: 0 });
        const d = med(runs.daemon);
        const b = med(runs.bare);
        process.stdout.write(`  medians:\n${line('daemon', d)}\n${line('bare', b)}\n`);
        process.stdout.write(`  ratio daemon/bare: ${(d.perSecond / b.perSecond).toFixed(2)} (target >= 0.5)\n`);
        process.stdout.write(`  group commit so far: ${await groupCommit(daemon.url)}\n`);
      }
      if (!opt.skip.includes('rate')) {
        const rate = Number(opt.rate);
        const seconds = Number(opt['rate-seconds']);
        process.stdout.write(`\n2. fixed rate: ${int(rate)} alerts/s for ${seconds} s against the daemon (open loop)\n`);
        const r = await fixedRate(daemon.url, webhookPath, rate, seconds);
        process.stdout.write(
          `  sent ${int(r.sent)} at ${int(r.achievedRate)}/s, accepted ${int(r.accepted)}   p50 ${ms(r.p50)}   p99 ${ms(r.p99)}   max ${ms(r.max)}   (target p99 <= 10 ms)\n` +
            `  group commit so far: ${await groupCommit(daemon.url)}\n`,
        );
      }
    } finally {
      await Promise.all([daemon.stop(), bare.stop()]);
    }
    if (!opt.skip.includes('replay')) {
      const n = Number(opt['replay-alerts']);
      process.stdout.write(`\n3. in-process replay: ${int(n)} generated alerts, dcap replay --json\n`);
      try {
        const r = replayBench(dir, n);
        process.stdout.write(
          `  ${int(r.loopPerSecond)} alerts/s in the replay loop (${int(r.loopMs)} ms; target >= 20,000); ${int(r.wallPerSecond)} alerts/s wall clock including start-up, file load and JSON output (${int(r.wallMs)} ms); ${int(r.accepted)}/${int(r.n)} accepted\n`,
        );
      } catch (err) {
        if (err.timedOut) {
          process.stdout.write(`  did not finish within ${opt['replay-timeout']} s: under ${int(n / Number(opt['replay-timeout']))} alerts/s (target >= 20,000)\n`);
          return;
        }
        process.stdout.write(`  replay not available: ${err.message.split('\n').slice(0, 3).join(' ')}\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
