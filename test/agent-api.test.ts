import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcapJson, killLeftovers, startDaemon, tempDir, type Daemon } from './helpers/daemon.js';

interface Added {
  secret: string;
  webhookPath: string;
}
interface Paired {
  agentId: string;
  key: string;
}

describe('agent API', () => {
  const tmp = tempDir();
  const env = { DCAP_DATA_DIR: join(tmp.dir, 'data'), DCAP_JOB_LEASE: '1s' };
  let daemon: Daemon;
  let strat: Added;
  let vps: Paired;
  let other: Paired;

  beforeAll(async () => {
    strat = dcapJson<Added>(['strategy', 'add', 'fx', '--agent', 'vps', '--rate-limit', '0'], { env });
    vps = dcapJson<Paired>(['agent', 'pair', 'vps'], { env });
    other = dcapJson<Paired>(['agent', 'pair', 'other'], { env });
    daemon = await startDaemon(['webhook', 'start', '--port', '0'], { env });
  });
  afterAll(async () => {
    if (daemon) expect(await daemon.stop()).toBe(0);
    expect(killLeftovers()).toBe(0);
    tmp.cleanup();
  });

  const api = async (agent: Paired, path: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await fetch(`${daemon.url}/agents/${agent.agentId}/${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { 'x-agent-key': agent.key, 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
  };
  const alert = (id: string) =>
    fetch(daemon.url + strat.webhookPath, { method: 'POST', body: JSON.stringify({ action: 'buy', symbol: 'EURUSD', qty: '0.1', id }) }).then(
      (r) => r.json() as Promise<Record<string, string>>,
    );

  it('refuses a wrong key with 401', async () => {
    const r = await api({ agentId: vps.agentId, key: 'wrong' }, 'jobs/next?wait=0');
    expect(r.status).toBe(401);
    expect((await api({ agentId: vps.agentId, key: other.key }, 'jobs/next?wait=0')).status).toBe(401);
  });

  it('answers 204 when no job arrives before the deadline', async () => {
    expect((await api(vps, 'jobs/next?wait=0')).status).toBe(204);
  });

  it('wakes a waiting long-poll as soon as an alert is accepted', async () => {
    const poll = api(vps, 'jobs/next?wait=20');
    await new Promise((r) => setTimeout(r, 200));
    const accepted = await alert('wake-1');
    const got = await poll;
    expect(got.status).toBe(200);
    expect(got.body!.job).toMatchObject({ id: accepted.jobId, type: 'trade', signalId: accepted.signalId, attempt: 1 });
    expect(got.body!.job.payload).toMatchObject({ symbol: 'EURUSD', side: 'buy', volume: 0.1 });
    // Another agent never sees a job meant for "vps".
    expect((await api(other, 'jobs/next?wait=0')).status).toBe(204);
    const result = { jobId: accepted.jobId, ok: true, retcode: 10009, retcodeText: 'DONE', ticket: 42, price: 1.1, volume: 0.1 };
    const first = await api(vps, `jobs/${accepted.jobId}/result`, { body: result });
    expect(first).toMatchObject({ status: 200, body: { outcome: 'recorded', status: 'done' } });
    const again = await api(vps, `jobs/${accepted.jobId}/result`, { body: { ...result, ok: false } });
    expect(again).toMatchObject({ status: 200, body: { outcome: 'already_recorded', status: 'done' } });
    const signals = dcapJson<{ id: string; status: string }[]>(['signals', 'list'], { env });
    expect(signals.find((s) => s.id === accepted.signalId)?.status).toBe('executed');
  });

  it('records a failure with the retcode as the reason', async () => {
    const accepted = await alert('fail-1');
    const got = await api(vps, 'jobs/next?wait=5');
    expect(got.body!.job.id).toBe(accepted.jobId);
    await api(vps, `jobs/${accepted.jobId}/result`, { body: { ok: false, retcode: 10019, retcodeText: 'NO_MONEY', error: 'not enough money' } });
    const signals = dcapJson<{ id: string; status: string; reason: string }[]>(['signals', 'list'], { env });
    expect(signals.find((s) => s.id === accepted.signalId)).toMatchObject({ status: 'failed', reason: '10019 NO_MONEY' });
  });

  it('hands a job whose lease ran out to the same agent again, never to another', async () => {
    const accepted = await alert('lease-1');
    const first = await api(vps, 'jobs/next?wait=5');
    expect(first.body!.job).toMatchObject({ id: accepted.jobId, attempt: 1 });
    // A poll waiting while the lease runs out is woken by the expiry itself (long before its 20 s).
    const [again, others] = await Promise.all([api(vps, 'jobs/next?wait=20'), api(other, 'jobs/next?wait=3')]);
    expect(again.status).toBe(200);
    expect(again.body!.job).toMatchObject({ id: accepted.jobId, attempt: 2 });
    expect(others.status).toBe(204);
    expect((await api(other, `jobs/${accepted.jobId}/result`, { body: { ok: true } })).status).toBe(409);
    expect((await api(vps, `jobs/${accepted.jobId}/result`, { body: { ok: true } })).body).toMatchObject({ outcome: 'recorded' });
  });

  it('takes heartbeats, state and events; agent list shows them', async () => {
    const hb = await api(vps, 'heartbeat', { body: { terminalConnected: true, tradeAllowed: false, bridgeVersion: '1.0.0', account: { login: 5012345 } } });
    expect(hb.status).toBe(200);
    const state = await api(vps, 'state', { body: { account: { balance: 10000, equity: 10010 }, positions: [{ ticket: 1, symbol: 'EURUSD', side: 'buy', volume: 0.1 }] } });
    expect(state.status).toBe(200);
    const events = { events: [{ id: 'e1', kind: 'fill', time: Date.now(), symbol: 'EURUSD', volume: 0.1, price: 1.1 }] };
    expect((await api(vps, 'events', { body: events })).body).toMatchObject({ recorded: 1, duplicates: 0 });
    expect((await api(vps, 'events', { body: events })).body).toMatchObject({ recorded: 0, duplicates: 1 });
    expect((await api(vps, 'events', { body: { events: [{ id: 'e2' }] } })).status).toBe(422);
    expect((await api(vps, 'heartbeat', { body: '{not json' })).status).toBe(422);
    const agents = dcapJson<Record<string, unknown>[]>(['agent', 'list'], { env });
    expect(agents.find((a) => a.name === 'vps')).toMatchObject({ online: true, terminalConnected: true, tradeAllowed: false, bridgeVersion: '1.0.0' });
    expect(agents.find((a) => a.name === 'other')).toMatchObject({ online: false });
    const positions = dcapJson<Record<string, any>[]>(['positions', '--agent', 'vps'], { env });
    expect(positions).toHaveLength(1);
    expect(positions[0]).toMatchObject({ agent: 'vps', account: { balance: 10000, equity: 10010 }, positions: [{ ticket: 1, symbol: 'EURUSD', side: 'buy', volume: 0.1 }] });
  });

  it('refuses a revoked agent', async () => {
    const gone = dcapJson<Paired>(['agent', 'pair', 'gone'], { env });
    expect((await api(gone, 'jobs/next?wait=0')).status).toBe(204);
    dcapJson(['agent', 'revoke', 'gone'], { env });
    expect((await api(gone, 'jobs/next?wait=0')).status).toBe(401);
  });
});
