#!/usr/bin/env node
/**
 * End-to-end latency benchmark (not a test): alert POST -> command file written by the agent, and
 * -> result recorded on the signal, through the real processes: `dcap webhook start --port 0`
 * and `dcap agent start --bridge paper` (the paper terminal in the agent, behind the real file
 * bridge), each a child process on its own temp data dir. Then the agent idle: CPU time and RSS
 * over --idle-seconds without alerts, beside an agent on `--bridge file` with `dcap paper start`
 * as its own process (the agent alone, as it runs next to MT5).
 *
 * Baselines measured in the same run: a bare node:http server that writes and renames a file per
 * POST (bench/lib/latency-bare.mjs; HTTP + file system + inotify, nothing else), driven exactly
 * like the daemon, and the fsync latency of the temp dir's file system.
 *
 * Run after `npm run build`: node bench/latency.mjs [--alerts 1000] [--phases seq,50,200] [--idle-seconds 30]
 * See bench/README.md (Latency) for how to read the output.
 */
import Database from 'better-sqlite3';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, unlink, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { CommandFiles, procUsage, startRunning, stopChild } from './lib/latency-watch.mjs';
import { BIN, dcapSync, startServer } from './lib/procs.mjs';
import { ms, percentiles } from './lib/stats.mjs';

const { values: opt } = parseArgs({
  options: {
    alerts: { type: 'string', default: '1000' },
    phases: { type: 'string', default: 'seq,50,200' },
    warmup: { type: 'string', default: '50' },
    'idle-seconds': { type: 'string', default: '30' },
    'log-level': { type: 'string' },
    'logs-dir': { type: 'string' },
    profile: { type: 'string' },
    'no-baseline': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  process.stdout.write(
    'node bench/latency.mjs [--alerts 1000] [--phases seq,50,200] [--warmup 50] [--idle-seconds 30] [--log-level info] [--logs-dir DIR] [--profile DIR] [--no-baseline]\n' +
      '  --logs-dir: keep the daemon\'s and the agent\'s JSON logs there; --profile: their --cpu-prof files there\n' +
      '  --phases: comma-separated; "seq" = one alert at a time through the whole pipeline, N = N alerts/s open loop\n',
  );
  process.exit(0);
}
const ALERTS = Number(opt.alerts);
const PHASES = opt.phases.split(',').map((p) => p.trim()).filter(Boolean);
const IDLE_S = Number(opt['idle-seconds']);
const HEADERS = { 'content-type': 'application/json' };
for (const p of PHASES) if (p !== 'seq' && !(Number(p) > 0)) throw new Error(`--phases: "${p}" is neither seq nor a rate`);

let n = 0;
/** Buy 0.01 EURUSD, then close it: every alert is executed and the account stays small. */
function alertBody() {
  const id = `lat-${process.pid}-${++n}`;
  return JSON.stringify(n % 2 ? { action: 'buy', symbol: 'EURUSD', qty: '0.01', id } : { action: 'close', symbol: 'EURUSD', id });
}

async function post(pool, path) {
  const t0 = performance.now();
  try {
    const res = await pool.request({ path, method: 'POST', body: alertBody(), headers: HEADERS });
    const body = await res.body.json();
    return { t0, t1: performance.now(), ok: res.statusCode === 200 && body.status === 'accepted', jobId: body.jobId, signalId: body.signalId };
  } catch (err) {
    return { t0, t1: performance.now(), ok: false, error: String(err) };
  }
}

/**
 * Sends `count` alerts, one at a time (each waits for the previous one's end: its command file,
 * and `done(r)`), or open loop at `rate`/s (sent on schedule whatever the answers).
 */
async function drive(url, path, files, mode, count, done = async () => {}) {
  const pool = new Pool(url, { connections: 16, pipelining: 1, keepAliveTimeout: 60_000 });
  const one = async () => {
    const r = await post(pool, path);
    if (r.ok) r.fileAt = await files.when(r.jobId);
    return r;
  };
  const started = performance.now();
  let sentAt = started;
  const results = [];
  try {
    if (mode === 'seq') {
      for (let i = 0; i < count; i++) {
        const r = await one();
        if (r.ok) await done(r);
        results.push(r);
      }
      sentAt = performance.now();
    } else {
      const rate = Number(mode);
      const pending = [];
      for (let sent = 0; sent < count; ) {
        const due = Math.min(count, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
        while (sent < due) {
          pending.push(one());
          sent++;
        }
        await sleep(1);
      }
      sentAt = performance.now();
      results.push(...(await Promise.all(pending)));
    }
  } finally {
    await pool.close();
  }
  return { results, seconds: (sentAt - started) / 1000 };
}

/** The daemon's store, read-only: when each signal's result was recorded (the daemon's clock). */
function signalsReader(dataDir) {
  const db = new Database(join(dataDir, 'dcap.db'), { readonly: true, fileMustExist: true });
  const one = db.prepare('SELECT status, completed_at AS completedAt, result FROM signals WHERE id = ?');
  return {
    get: (id) => one.get(id),
    /** Polls until the signal is executed or failed (the benchmark's polling is not in the figure). */
    async settled(id, timeoutMs = 60_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const s = one.get(id);
        if (s && s.completedAt !== null) return s;
        if (Date.now() > end) return s;
        await sleep(2);
      }
    },
    close: () => db.close(),
  };
}

/** Baseline for the durable steps: one small append + fsync on the temp dir's file system. */
function fsyncLatency(dir, count = 50) {
  const fd = openSync(join(dir, 'fsync-probe'), 'a');
  const samples = [];
  try {
    for (let i = 0; i < count; i++) {
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

const fmt = (label, p) => `${label.padEnd(26)} p50 ${ms(p.p50).padStart(9)}   p99 ${ms(p.p99).padStart(9)}   max ${ms(p.max).padStart(9)}`;
const phaseName = (mode) => (mode === 'seq' ? 'sequential' : `${mode} alerts/s`);

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'dcap-bench-latency-'));
  const serverData = join(dir, 'server');
  const env = opt['log-level'] ? { DCAP_LOG_LEVEL: opt['log-level'] } : {};
  const stops = [];
  try {
    const { webhookPath } = JSON.parse(dcapSync(['strategy', 'add', 'bench', '--rate-limit', '0', '--agent', 'bench', '--json', '--data-dir', serverData], env));
    const creds = JSON.parse(dcapSync(['agent', 'pair', 'bench', '--json', '--data-dir', serverData], env));
    const idleCreds = JSON.parse(dcapSync(['agent', 'pair', 'idle', '--json', '--data-dir', serverData], env));
    const nodeArgs = opt.profile ? ['--cpu-prof', `--cpu-prof-dir=${opt.profile}`] : [];
    const logFile = (name) => (opt['logs-dir'] ? join(opt['logs-dir'], `${name}.log`) : undefined);
    if (opt['logs-dir']) mkdirSync(opt['logs-dir'], { recursive: true });
    const daemon = await startRunning(BIN, ['webhook', 'start', '--port', '0', '--data-dir', serverData], env, { ready: /listening on (\S+)/, logFile: logFile('daemon'), nodeArgs });
    stops.push(() => daemon.stop());
    const filesDir = join(dir, 'files');
    const agent = await startRunning(
      BIN,
      ['agent', 'start', '--server', daemon.url, '--agent-id', creds.agentId, '--bridge', 'paper', '--files-dir', filesDir, '--data-dir', join(dir, 'agent')],
      { ...env, DCAP_AGENT_KEY: creds.key },
      { logFile: logFile('agent'), nodeArgs },
    );
    stops.push(() => agent.stop());
    const cmdFiles = new CommandFiles(join(filesDir, 'dcap', 'default', 'cmd'));
    stops.push(() => cmdFiles.close());
    const signals = signalsReader(serverData);
    stops.push(() => signals.close());

    process.stdout.write(
      `dcap latency benchmark (node ${process.version}; webhook daemon + agent --bridge paper as child processes${opt['log-level'] ? `, log level ${opt['log-level']}` : ', log level info'})\n` +
        `machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at start\n`,
    );
    const f = fsyncLatency(dir);
    process.stdout.write(`fsync baseline on the temp dir's file system: p50 ${ms(f.p50)}, p99 ${ms(f.p99)}, max ${ms(f.max)} (512-byte append + fsync, 50 times)\n`);

    // Warm-up: the terminal's first hello, JIT, connections. Not counted.
    const warm = await drive(daemon.url, webhookPath, cmdFiles, 'seq', Number(opt.warmup), (r) => signals.settled(r.signalId));
    if (warm.results.some((r) => !r.ok || r.fileAt === null)) throw new Error(`warm-up failed: ${JSON.stringify(warm.results.find((r) => !r.ok || r.fileAt === null))}`);

    let bare;
    let bareFiles;
    if (!opt['no-baseline']) {
      const bareDir = join(dir, 'bare');
      mkdirSync(bareDir);
      bare = await startServer([new URL('./lib/latency-bare.mjs', import.meta.url).pathname, bareDir]);
      stops.push(() => bare.stop());
      bareFiles = new CommandFiles(bareDir, { onFile: (name) => unlink(join(bareDir, name), () => undefined) });
      stops.push(() => bareFiles.close());
      await drive(bare.url, '/bare', bareFiles, 'seq', Number(opt.warmup));
    }

    const summary = [];
    for (const mode of PHASES) {
      process.stdout.write(`\n${phaseName(mode)}: ${ALERTS} alerts (buy 0.01 EURUSD / close EURUSD, alternating)\n`);
      const run = await drive(daemon.url, webhookPath, cmdFiles, mode, ALERTS, (r) => signals.settled(r.signalId));
      const ok = run.results.filter((r) => r.ok);
      const failed = run.results.length - ok.length;
      const toFile = [];
      const toReply = [];
      const toResult = [];
      const outcomes = { executed: 0, failed: 0, open: 0 };
      for (const r of ok) {
        toReply.push(r.t1 - r.t0);
        if (r.fileAt !== null) toFile.push(r.fileAt - r.t0);
        const s = await signals.settled(r.signalId);
        if (!s || s.completedAt === null) {
          outcomes.open++;
          continue;
        }
        outcomes[s.status === 'executed' ? 'executed' : 'failed']++;
        // completed_at is the daemon's Date.now() (whole ms) on this same machine's clock.
        toResult.push(s.completedAt - (performance.timeOrigin + r.t0));
      }
      const line = { mode, file: percentiles(toFile), reply: percentiles(toReply), result: percentiles(toResult) };
      process.stdout.write(
        `  sent ${ok.length + failed} in ${run.seconds.toFixed(1)} s (${((ok.length + failed) / run.seconds).toFixed(0)}/s), accepted ${ok.length}` +
          `; signals executed ${outcomes.executed}, failed ${outcomes.failed}, not finished ${outcomes.open}; command files seen ${toFile.length}\n` +
          `  ${fmt('POST -> 200 reply', line.reply)}\n  ${fmt('POST -> command file', line.file)}   (target p50 <= 5 ms, p99 <= 25 ms)\n  ${fmt('POST -> result on signal', line.result)}\n`,
      );
      if (bare) {
        const b = await drive(bare.url, '/bare', bareFiles, mode, ALERTS);
        const bok = b.results.filter((r) => r.ok && r.fileAt !== null);
        line.bareFile = percentiles(bok.map((r) => r.fileAt - r.t0));
        line.bareReply = percentiles(bok.map((r) => r.t1 - r.t0));
        process.stdout.write(`  baseline, bare node:http + write + rename, same drive:\n  ${fmt('POST -> file', line.bareFile)}\n  ${fmt('POST -> reply', line.bareReply)}\n`);
      }
      summary.push(line);
    }

    process.stdout.write('\nsummary (ms, p50 / p99):\n');
    for (const s of summary) {
      const pair = (p) => (p ? `${p.p50.toFixed(1)} / ${p.p99.toFixed(1)}` : 'n/a');
      process.stdout.write(`  ${phaseName(s.mode).padEnd(16)} command file ${pair(s.file).padEnd(14)} result ${pair(s.result).padEnd(14)} reply ${pair(s.reply).padEnd(14)} bare file ${pair(s.bareFile)}\n`);
    }

    if (IDLE_S > 0) await idle(dir, daemon, agent, idleCreds, env);
  } finally {
    for (const stop of stops.reverse()) await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Agent idle: no alerts for IDLE_S seconds. The paper agent (simulator inside: a random walk of
 * 5 ticks/s per symbol, hello every second) beside an agent on --bridge file whose terminal is
 * `dcap paper start` in its own process, so the agent's own cost shows alone.
 */
async function idle(dir, daemon, agent, creds, env) {
  const filesDir = join(dir, 'idle-files');
  const paper = await startRunning(BIN, ['paper', 'start', '--files-dir', filesDir], env);
  const fileAgent = await startRunning(
    BIN,
    ['agent', 'start', '--server', daemon.url, '--agent-id', creds.agentId, '--bridge', 'file', '--files-dir', filesDir, '--data-dir', join(dir, 'idle-agent')],
    { ...env, DCAP_AGENT_KEY: creds.key },
  );
  try {
    await sleep(3000); // start-up settles (first hello, reconciliation, first heartbeat)
    const procs = [
      ['agent --bridge paper (simulator inside)', agent.pid],
      ['agent --bridge file (alone)', fileAgent.pid],
      ['dcap paper start', paper.child.pid],
      ['webhook daemon', daemon.child.pid],
    ];
    const before = await Promise.all(procs.map(([, pid]) => procUsage(pid)));
    process.stdout.write(`\nidle: no alerts for ${IDLE_S} s\n`);
    await sleep(IDLE_S * 1000);
    const after = await Promise.all(procs.map(([, pid]) => procUsage(pid)));
    procs.forEach(([label, pid], i) => {
      const cpu = after[i].cpuMs - before[i].cpuMs;
      process.stdout.write(
        `  ${label.padEnd(40)} CPU ${cpu.toFixed(0).padStart(5)} ms in ${IDLE_S} s (${((cpu / (IDLE_S * 1000)) * 100).toFixed(2)}% of a core)   RSS ${after[i].rssMb.toFixed(1)} MB (peak ${after[i].peakRssMb.toFixed(1)} MB)\n`,
      );
    });
    process.stdout.write('  targets: the agent idle near 0% CPU, RSS <= 80 MB\n');
  } finally {
    await stopChild(fileAgent.child);
    await stopChild(paper.child);
  }
}

await main();
