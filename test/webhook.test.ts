import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dcapJson, killLeftovers, startDaemon, tempDir, type Daemon } from './helpers/daemon.js';

interface Added {
  id: string;
  name: string;
  secret: string;
  webhookPath: string;
}

describe('dcap webhook start', () => {
  const tmp = tempDir();
  const dataDir = join(tmp.dir, 'data');
  const env = { DCAP_DATA_DIR: dataDir };
  let daemon: Daemon;
  let fx: Added;
  let limited: Added;
  let off: Added;

  beforeAll(async () => {
    fx = dcapJson<Added>(['strategy', 'add', 'fx', '--symbols', 'EURUSD,GBPUSD', '--map', 'OANDA:EURUSD=EURUSD.m', '--max-lots', '1', '--rate-limit', '0'], { env });
    limited = dcapJson<Added>(['strategy', 'add', 'limited', '--rate-limit', '1'], { env });
    off = dcapJson<Added>(['strategy', 'add', 'off'], { env });
    dcapJson(['strategy', 'disable', 'off'], { env });
    daemon = await startDaemon(['webhook', 'start', '--port', '0'], { env });
  });
  afterAll(async () => {
    if (daemon) expect(await daemon.stop()).toBe(0);
    expect(killLeftovers()).toBe(0);
    tmp.cleanup();
  });
  afterEach(() => {
    expect(daemon.child.exitCode).toBeNull();
  });

  const post = async (path: string, body: string, contentType = 'text/plain; charset=utf-8', method = 'POST') => {
    const res = await fetch(daemon.url + path, { method, body: method === 'GET' ? undefined : body, headers: { 'content-type': contentType } });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };

  it('accepts a valid alert after recording signal, job and outbox rows', async () => {
    const r = await post(fx.webhookPath, JSON.stringify({ action: 'BUY', symbol: 'OANDA:EURUSD', qty: '0.10', sl: '1.0800', tp: '1.0900', id: 'a-1' }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'accepted' });
    const db = new Database(join(dataDir, 'dcap.db'), { readonly: true });
    const sig = db.prepare('SELECT * FROM signals WHERE id = ?').get(r.body!.signalId) as Record<string, unknown>;
    expect(sig).toMatchObject({ outcome: 'accepted', status: 'accepted', symbol: 'OANDA:EURUSD', action: 'buy', job_id: r.body!.jobId, http_status: 200 });
    const job = db.prepare('SELECT * FROM jobs WHERE id = ?').get(r.body!.jobId) as Record<string, unknown>;
    expect(job).toMatchObject({ status: 'pending', type: 'trade', signal_id: r.body!.signalId });
    expect(JSON.parse(job.payload as string)).toMatchObject({ symbol: 'EURUSD.m', side: 'buy', volume: 0.1, sl: 1.08, tp: 1.09 });
    const events = db.prepare('SELECT type FROM outbox WHERE aggregate_id IN (?, ?) ORDER BY seq').pluck().all(r.body!.signalId, r.body!.jobId);
    expect(events).toEqual(['signal.recorded', 'job.created']);
    db.close();
  });

  it('answers duplicate for the same explicit id, with the original signalId', async () => {
    const first = await post(fx.webhookPath, JSON.stringify({ action: 'sell', symbol: 'EURUSD', qty: 0.2, id: 'dup-1' }), 'application/json');
    const again = await post(fx.webhookPath, JSON.stringify({ action: 'sell', symbol: 'EURUSD', qty: 0.3, id: 'dup-1' }), 'application/json');
    expect(first.body).toMatchObject({ status: 'accepted' });
    expect(again).toMatchObject({ status: 200, body: { status: 'duplicate', signalId: first.body!.signalId } });
  });

  it('answers duplicate for an identical body within the window', async () => {
    const body = '60123456789,buy,GBPUSD,risk=1,sl=20,tp=40';
    const first = await post(fx.webhookPath, body);
    const again = await post(fx.webhookPath, body);
    expect(first.body).toMatchObject({ status: 'accepted' });
    expect(again.body).toMatchObject({ status: 'duplicate', signalId: first.body!.signalId });
  });

  it('blocks what the risk gate refuses, with a reason', async () => {
    const r = await post(fx.webhookPath, JSON.stringify({ action: 'buy', symbol: 'XAUUSD', qty: 0.1 }));
    expect(r).toMatchObject({ status: 200, body: { status: 'blocked', reason: 'symbol_not_allowed' } });
    const big = await post(fx.webhookPath, JSON.stringify({ action: 'buy', symbol: 'EURUSD', qty: 5 }));
    expect(big.body).toMatchObject({ status: 'blocked', reason: 'lots_above_max' });
  });

  it('discards alerts of a disabled strategy', async () => {
    const r = await post(off.webhookPath, JSON.stringify({ action: 'buy', symbol: 'EURUSD' }));
    expect(r).toMatchObject({ status: 200, body: { status: 'discarded' } });
  });

  it('rejects unparseable (400) and invalid (422) bodies with an error', async () => {
    const bad = await post(fx.webhookPath, '{"action": "buy", ');
    expect(bad).toMatchObject({ status: 400, body: { status: 'rejected', error: { code: expect.any(String) } } });
    const placeholder = await post(fx.webhookPath, '{"action":"buy","symbol":"{{ticker}}","qty":"1"}');
    expect(placeholder.status).toBe(422);
    expect((placeholder.body!.error as { message: string; field: string }).message).toContain('{{ticker}}');
    expect((placeholder.body!.error as { field: string }).field).toBe('symbol');
    const zero = await post(fx.webhookPath, '{"action":"buy","symbol":"EURUSD","qty":"0"}');
    expect(zero).toMatchObject({ status: 422, body: { status: 'rejected', error: { field: 'qty' } } });
  });

  it('answers 404, 405, 413 and 429 without a body', async () => {
    expect((await post('/webhooks/tv/not-a-secret', '{}')).status).toBe(404);
    expect((await post(fx.webhookPath, '', 'text/plain', 'GET')).status).toBe(405);
    expect((await post(fx.webhookPath, 'x'.repeat(16 * 1024 + 1))).status).toBe(413);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await post(limited.webhookPath, JSON.stringify({ action: 'buy', symbol: 'EURUSD', id: `r${i}` }))).status);
    // rate 1/s, burst 5: the first five pass, then 429 (the loop takes far less than a second).
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses).toContain(429);
  });

  it('serves /healthz with the store status, and never logs a whole secret', async () => {
    const res = await fetch(`${daemon.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', store: { ok: true } });
    const logs = daemon.logs();
    expect(logs).toContain(fx.secret.slice(0, 8));
    for (const s of [fx, limited, off]) expect(logs).not.toContain(s.secret);
  });
});
