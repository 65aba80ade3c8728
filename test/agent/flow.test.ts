/**
 * `dcap agent start` end to end: a real webhook daemon, the agent as a child process, real bridge
 * files answered by a protocol-exact stand-in EA (test/agent/fake-ea.ts).
 */
import Database from 'better-sqlite3';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dcap, dcapJson, killLeftovers, tempDir, type Daemon } from '../helpers/daemon.js';
import { FakeEa } from './fake-ea.js';
import { agentDb, alert, daemonOn, freePort, killAgents, signal, startAgent, waitFor, type AgentProc } from './support.js';

describe('dcap agent start', () => {
  const tmp = tempDir('dcap-agent-');
  const env = { DCAP_DATA_DIR: join(tmp.dir, 'server') };
  const agentData = join(tmp.dir, 'agent');
  const filesDir = join(tmp.dir, 'files');
  let daemon: Daemon;
  let webhookPath: string;
  let creds: { agentId: string; key: string };
  let agent: AgentProc | undefined;
  let ea: FakeEa | undefined;

  beforeAll(async () => {
    webhookPath = dcapJson<{ webhookPath: string }>(['strategy', 'add', 'fx', '--agent', 'vps', '--rate-limit', '0'], { env }).webhookPath;
    creds = dcapJson(['agent', 'pair', 'vps'], { env });
    daemon = await daemonOn(await freePort(), env);
  });
  afterEach(async () => {
    // Each test ends its agent gracefully (exit 0); anything still running is a leak.
    if (agent) expect(await agent.stop()).toBe(0);
    agent = undefined;
    expect(killAgents()).toBe(0);
  });
  afterAll(async () => {
    ea?.stop();
    if (daemon) await daemon.stop();
    expect(killLeftovers()).toBe(0);
    tmp.cleanup();
  });

  const run = () =>
    startAgent(['--server', daemon.url, '--agent-id', creds.agentId, '--bridge', 'file', '--files-dir', filesDir, '--data-dir', agentData], {
      DCAP_AGENT_KEY: creds.key,
    });

  it('takes an alert to a command file, a fill, and an executed signal with price, volume, ticket and retcode', async () => {
    ea = new FakeEa({ filesDir, refuse: (c) => (c.type === 'trade' && c.symbol === 'XAUUSD' ? 10019 : undefined) }).start();
    agent = run();
    const a = await alert(daemon.url, webhookPath, { action: 'buy', symbol: 'OANDA:EURUSD', qty: '0.2', sl: '1.07', tp: '1.1', id: 'flow-1' });
    expect(a.status).toBe('accepted');
    const s = await waitFor('signal executed', () => {
      const v = signal(env, a.signalId);
      return v.status === 'executed' && v;
    });
    expect(s.result).toMatchObject({ ok: true, retcode: 10009, retcodeText: 'DONE', volume: 0.2, price: 1.08512, jobId: a.jobId });
    expect(s.result!.ticket).toBe(ea.orders[0]!.ticket);
    expect(ea.orders).toHaveLength(1);
    expect(ea.orders[0]).toMatchObject({ jobId: a.jobId, symbol: 'EURUSD', volume: 0.2 });
    // The result file is deleted once stored; the command file once answered.
    await waitFor('res/ empty', () => readdirSync(join(ea!.dir, 'res')).length === 0);
    // State and the fill event reach the server.
    const db = new Database(join(env.DCAP_DATA_DIR, 'dcap.db'), { readonly: true });
    try {
      await waitFor('state and fill event on the server', () => {
        const st = db.prepare('SELECT state FROM agents WHERE id = ?').pluck().get(creds.agentId) as string | null;
        const ev = db.prepare("SELECT count(*) FROM trade_events WHERE kind = 'fill' AND job_id = ?").pluck().get(a.jobId) as number;
        return st !== null && (JSON.parse(st) as { positions: unknown[] }).positions.length === 1 && ev === 1;
      });
    } finally {
      db.close();
    }
    // Heartbeats tell the server about the terminal.
    await waitFor('heartbeat', () => {
      const list = dcapJson<Record<string, unknown>[]>(['agent', 'list'], { env });
      const v = list.find((x) => x.name === 'vps');
      return v?.terminalConnected === true && v.bridgeVersion === '1.0.0' && v;
    });
    expect(agent.logs()).not.toContain(creds.key);
    expect(agent.logs()).toContain(creds.key.slice(0, 8));
  });

  it('records a broker refusal as a failed signal with "10019 NO_MONEY"', async () => {
    agent = run();
    const a = await alert(daemon.url, webhookPath, { action: 'sell', symbol: 'XAUUSD', qty: '1', id: 'flow-nomoney' });
    const s = await waitFor('signal failed', () => {
      const v = signal(env, a.signalId);
      return v.status === 'failed' && v;
    });
    expect(s.reason).toBe('10019 NO_MONEY');
    expect(s.result).toMatchObject({ ok: false, retcode: 10019, retcodeText: 'NO_MONEY' });
    expect(ea!.orders.filter((o) => o.jobId === a.jobId)).toHaveLength(0);
    expect(await agent!.stop()).toBe(0);
    agent = undefined;
    // Everything the agent claimed is done and delivered.
    expect(agentDb(agentData, (db) => db.prepare("SELECT count(*) FROM jobs WHERE stage <> 'done'").pluck().get())).toBe(0);
  });

  it('claims nothing while the terminal is away; jobs wait on the server and run once it is back', async () => {
    ea!.stop();
    const eaDir = ea!.dir;
    ea = undefined;
    await new Promise((r) => setTimeout(r, 3500)); // let hello.json go stale
    agent = run();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await alert(daemon.url, webhookPath, { action: 'buy', symbol: 'EURUSD', qty: '0.1', id: `away-${i}` }));
    await waitFor('agent says it waits for the terminal', () => agent!.logs().includes('waiting for terminal'));
    await new Promise((r) => setTimeout(r, 1000));
    for (const a of ids) expect(signal(env, a.signalId).status).toBe('accepted');
    expect(readdirSync(join(eaDir, 'cmd')).filter((n) => n.endsWith('.json'))).toHaveLength(0);
    ea = new FakeEa({ filesDir }).start();
    for (const a of ids) await waitFor('executed', () => signal(env, a.signalId).status === 'executed');
    expect(ea.orders.map((o) => o.jobId).sort()).toEqual(ids.map((a) => a.jobId).sort());
    expect(await agent.stop()).toBe(0);
    agent = undefined;
  });

  it('refuses to start without what it needs, naming it', () => {
    const r = dcap(['agent', 'start', '--bridge', 'file'], { env: { ...env, DCAP_SERVER: '', DCAP_AGENT_ID: '', DCAP_AGENT_KEY: '' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--server');
    expect(r.stderr).toContain('--agent-id');
    expect(r.stderr).toContain('--key');
    const f = dcap(['agent', 'start', '--bridge', 'file', '--server', 'http://127.0.0.1:1', '--agent-id', 'x'], { env: { ...env, DCAP_AGENT_KEY: 'k' } });
    expect(f.code).toBe(1);
    expect(f.stderr).toContain('--files-dir is required');
  });
});
