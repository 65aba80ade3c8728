#!/usr/bin/env node
/**
 * Sync benchmark (not a test): prints figures, each beside a baseline measured in the same run.
 *   1. drain: --rows outbox rows (half signal.recorded, half job.created, as intake writes
 *      them) drained by the sync loop into Postgres through the direct sink; rows/s. Baseline:
 *      the same target rows written by plain multi-row INSERTs of the same batch size.
 *   2. lag: --rate events/s for --seconds written to the outbox while the loop runs in the same
 *      process (as in the webhook daemon); lag = synced_at - created_at, p50/p99/max. Baseline:
 *      the same events INSERTed straight into Postgres as they are written (lag = that INSERT).
 * Needs PostgreSQL (DCAP_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres) and
 * `npm run build`. Temp database and data dir are removed afterwards.
 *   node bench/sync.mjs [--rows 100000] [--batch 500] [--rate 1000] [--seconds 10]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDb } from '../dist/store/db.js';
import { appendOutbox } from '../dist/store/outbox.js';
import { newId } from '../dist/store/ids.js';
import { bundledMigrations, shimSql } from '../dist/supabase/migrations.js';
import { SyncLoop } from '../dist/sync/loop.js';
import { PgSink } from '../dist/sync/sink-pg.js';
import { planBatch } from '../dist/sync/batch.js';
import { createLogger } from '../dist/log.js';
import { int, ms, percentiles } from './lib/stats.mjs';

const { values: opt } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '500' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
  },
});
const ROWS = Number(opt.rows);
const BATCH = Number(opt.batch);
const RATE = Number(opt.rate);
const SECONDS = Number(opt.seconds);
const ADMIN = process.env.DCAP_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

const dbName = `dcap_bench_${randomBytes(4).toString('hex')}`;
const url = Object.assign(new URL(ADMIN), { pathname: `/${dbName}` }).toString();
const dir = mkdtempSync(join(tmpdir(), 'dcap-bench-sync-'));
const log = createLogger('error');
const userId = randomUUID();
const map = { userId, nodeId: null };

async function sql(target, text, values) {
  const c = new pg.Client({ connectionString: target });
  await c.connect();
  try {
    return await c.query(text, values);
  } finally {
    await c.end();
  }
}

/** One accepted alert as intake records it: the signal and its job, two outbox rows. */
function record(db, now) {
  const id = newId();
  const jobId = newId();
  const strategyId = '01930000-0000-7000-8000-000000000001';
  const body = `{"action":"buy","symbol":"OANDA:EURUSD","qty":"0.10","id":"${id}"}`;
  appendOutbox(db, {
    aggregate: 'signal', aggregateId: id, type: 'signal.recorded',
    payload: { id, strategyId, receivedAt: now, sourceIp: '127.0.0.1', contentType: 'text/plain', rawBody: body, bodyHash: 'h', format: 'json', alertId: id,
      parsed: { action: 'buy', symbol: 'OANDA:EURUSD', qty: 0.1 }, symbol: 'EURUSD', action: 'buy', outcome: 'accepted', reason: null, error: null, httpStatus: 200, duplicateOf: null, jobId },
  }, now);
  appendOutbox(db, {
    aggregate: 'job', aggregateId: jobId, type: 'job.created',
    payload: { id: jobId, signalId: id, strategyId, agent: null, type: 'trade', payload: { symbol: 'EURUSD', side: 'buy', volume: 0.1 }, createdAt: now, expiresAt: null, status: 'pending' },
  }, now);
}

/** The plain baseline: the same target rows, multi-row INSERT ... VALUES, no conflict handling. */
async function plainInsert(client, ops) {
  for (const op of ops) {
    const cols = Object.keys(op.rows[0]);
    const values = [];
    const tuples = op.rows.map((row) => `(${cols.map((c) => {
      const v = row[c];
      values.push(v !== null && typeof v === 'object' ? JSON.stringify(v) : v);
      return `$${values.length}`;
    }).join(',')})`);
    await client.query(`insert into public.${op.table} (${cols.join(',')}) values ${tuples.join(',')}`, values);
  }
}

async function main() {
  await sql(ADMIN, `create database ${dbName}`);
  try {
    await sql(url, shimSql());
    for (const m of bundledMigrations()) await sql(url, m.sql);
    await sql(url, `insert into auth.users (id, email) values ($1, 'bench@example.com')`, [userId]);
    process.stdout.write(`sync benchmark: ${int(ROWS)} rows backlog, batch ${BATCH}; ${int(RATE)} events/s for ${SECONDS} s\n\n`);

    // 1. Drain a backlog.
    const db = openDb(join(dir, 'drain.db'));
    db.transaction(() => {
      const now = Date.now();
      for (let i = 0; i < ROWS / 2; i++) record(db, now);
    })();
    const loop = new SyncLoop({ db, sink: new PgSink(url), log, map, batchSize: BATCH, intervalMs: 50 });
    let t0 = performance.now();
    const res = await loop.drain();
    const syncSecs = (performance.now() - t0) / 1000;
    await loop.stop();
    if (!res.ok) throw new Error(`drain failed: ${res.error}`);
    const landed = (await sql(url, 'select (select count(*) from tv_signals) + (select count(*) from jobs) as n')).rows[0].n;

    // Baseline: same rows, same batches, plain INSERT (tables emptied first).
    await sql(url, 'truncate tv_signals, jobs');
    const rows = db.prepare('SELECT seq, id, aggregate, aggregate_id AS aggregateId, type, payload, created_at AS createdAt FROM outbox ORDER BY seq').all();
    const plans = [];
    for (let i = 0; i < rows.length; i += BATCH) plans.push(planBatch(rows.slice(i, i + BATCH), map).ops);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    t0 = performance.now();
    for (const ops of plans) {
      await client.query('begin');
      await plainInsert(client, ops);
      await client.query('commit');
    }
    const plainSecs = (performance.now() - t0) / 1000;
    db.close();
    process.stdout.write('drain (outbox backlog -> Postgres)\n');
    process.stdout.write(`  sync loop:     ${int(ROWS / syncSecs)} rows/s  (${syncSecs.toFixed(2)} s, ${int(Number(landed))} rows in the target)   target >= 20,000 rows/s\n`);
    process.stdout.write(`  plain INSERT:  ${int(ROWS / plainSecs)} rows/s  (${plainSecs.toFixed(2)} s)   ratio sync/plain ${(plainSecs / syncSecs).toFixed(2)}\n\n`);

    // 2. Lag under a steady rate.
    await sql(url, 'truncate tv_signals, jobs');
    const live = openDb(join(dir, 'live.db'));
    const liveLoop = new SyncLoop({ db: live, sink: new PgSink(url), log, map, batchSize: BATCH, intervalMs: 200 });
    liveLoop.start();
    const perTick = Math.max(1, Math.round(RATE / 100)); // 10 ms ticks; each alert is 2 events
    await steady(SECONDS, () => live.transaction(() => { for (let i = 0; i < perTick / 2; i++) record(live, Date.now()); })());
    while (liveLoop.snapshot().pending > 0) await new Promise((r) => setTimeout(r, 50));
    await liveLoop.stop();
    const lags = live.prepare('SELECT synced_at - created_at FROM outbox').pluck().all();
    live.close();

    // Baseline: each tick's rows INSERTed straight away (the best a synchronous write could do).
    await sql(url, 'truncate tv_signals, jobs');
    const scratch = openDb(join(dir, 'scratch.db'));
    const baseLags = [];
    let busy = Promise.resolve();
    await steady(SECONDS, () => {
      const created = Date.now();
      const from = scratch.prepare('SELECT coalesce(max(seq), 0) FROM outbox').pluck().get();
      scratch.transaction(() => { for (let i = 0; i < perTick / 2; i++) record(scratch, created); })();
      const tick = scratch.prepare('SELECT seq, id, aggregate, aggregate_id AS aggregateId, type, payload, created_at AS createdAt FROM outbox WHERE seq > ? ORDER BY seq').all(from);
      const ops = planBatch(tick, map).ops;
      busy = busy.then(() => plainInsert(client, ops)).then(() => { for (let i = 0; i < tick.length; i++) baseLags.push(Date.now() - created); });
    });
    await busy;
    await client.end();
    scratch.close();
    const a = percentiles(lags);
    const b = percentiles(baseLags);
    process.stdout.write(`lag at ${int(RATE)} events/s for ${SECONDS} s (created -> committed in Postgres)\n`);
    process.stdout.write(`  sync loop:     p50 ${ms(a.p50)}  p99 ${ms(a.p99)}  max ${ms(a.max)}  (${int(a.count)} rows)   target p99 < 1 s\n`);
    process.stdout.write(`  plain INSERT:  p50 ${ms(b.p50)}  p99 ${ms(b.p99)}  max ${ms(b.max)}  (${int(b.count)} rows, inserted as written)\n`);
  } finally {
    await sql(ADMIN, `drop database if exists ${dbName} with (force)`);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Calls `fn` every 10 ms for `seconds`, on schedule (catching up if a tick ran late). */
async function steady(seconds, fn) {
  const start = performance.now();
  let ticks = 0;
  while (performance.now() - start < seconds * 1000) {
    fn();
    ticks++;
    const due = start + ticks * 10;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exitCode = 1;
});
