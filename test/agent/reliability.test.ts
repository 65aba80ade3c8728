/**
 * Exactly once, whatever fails: the server going away while the agent holds results, the agent
 * killed with -9 between writing a command and reading its result, a lease running out while the
 * terminal is slow. Real daemon and agent processes, real files; the "terminal" is the stand-in EA.
 */
import Database from 'better-sqlite3';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dcapJson, killLeftovers, tempDir, type Daemon } from '../helpers/daemon.js';
import { FakeEa } from './fake-ea.js';
import { agentDb, alert, daemonOn, freePort, killAgents, signal, startAgent, waitFor, type AgentProc } from './support.js';

interface Setup {
  env: NodeJS.ProcessEnv;
  agentData: string;
  filesDir: string;
  webhookPath: string;
  creds: { agentId: string; key: string };
  port: number;
  daemon: Daemon;
}

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  expect(killAgents()).toBe(0);
  expect(killLeftovers()).toBe(0);
});

async function setup(daemonEnv: NodeJS.ProcessEnv = {}): Promise<Setup> {
  const tmp = tempDir('dcap-agent-rel-');
  cleanups.push(() => tmp.cleanup());
  const env = { DCAP_DATA_DIR: join(tmp.dir, 'server'), ...daemonEnv };
  const webhookPath = dcapJson<{ webhookPath: string }>(['strategy', 'add', 'fx', '--agent', 'vps', '--rate-limit', '0'], { env }).webhookPath;
  const creds = dcapJson<{ agentId: string; key: string }>(['agent', 'pair', 'vps'], { env });
  const port = await freePort();
  const s: Setup = { env, agentData: join(tmp.dir, 'agent'), filesDir: join(tmp.dir, 'files'), webhookPath, creds, port, daemon: await daemonOn(port, env) };
  cleanups.push(async () => {
    await s.daemon.stop();
  });
  return s;
}

function runAgent(s: Setup): AgentProc {
  const a = startAgent(['--server', `http://127.0.0.1:${s.port}`, '--agent-id', s.creds.agentId, '--bridge', 'file', '--files-dir', s.filesDir, '--data-dir', s.agentData], {
    DCAP_AGENT_KEY: s.creds.key,
  });
  cleanups.push(async () => void (await a.stop()));
  return a;
}

function startEa(s: Setup, opts: { delayMs?: number } = {}): FakeEa {
  const ea = new FakeEa({ filesDir: s.filesDir, ...opts }).start();
  cleanups.push(() => ea.stop());
  return ea;
}

const commandFiles = (ea: FakeEa) => readdirSync(join(ea.dir, 'cmd')).filter((n) => /^\d{12}-.*\.json$/.test(n));

/** Every signal executed, and one order per signal at the terminal. */
async function expectExactlyOnce(s: Setup, ea: FakeEa, accepted: { signalId: string; jobId: string }[]): Promise<void> {
  for (const a of accepted) await waitFor(`signal ${a.signalId} executed`, () => signal(s.env, a.signalId).status === 'executed', 40_000);
  for (const a of accepted) expect(ea.orders.filter((o) => o.jobId === a.jobId)).toHaveLength(1);
  expect(ea.orders).toHaveLength(accepted.length);
}

describe('agent reliability', () => {
  it('keeps results in agent.db while the server is down and delivers them in order when it returns', async () => {
    const s = await setup();
    const ea = startEa(s);
    ea.paused = true;
    const agent = runAgent(s);
    const accepted = [];
    for (let i = 0; i < 3; i++) accepted.push(await alert(s.daemon.url, s.webhookPath, { action: 'buy', symbol: 'EURUSD', qty: '0.1', id: `down-${i}` }));
    await waitFor('three command files', () => commandFiles(ea).length === 3);
    expect(await s.daemon.stop()).toBe(0);
    ea.paused = false;
    await waitFor('results stored in agent.db', () =>
      agentDb(s.agentData, (db) => db.prepare("SELECT count(*) FROM deliveries WHERE kind = 'result' AND delivered_at IS NULL").pluck().get() === 3),
    );
    // Stored means the result files could go: agent.db is now the only copy.
    await waitFor('res/ emptied', () => readdirSync(join(ea.dir, 'res')).length === 0);
    await waitFor('agent says it waits for the server', () => agent.logs().includes('waiting for server'));
    s.daemon = await daemonOn(s.port, s.env);
    await expectExactlyOnce(s, ea, accepted);
    // In order: the server recorded the results in the order the terminal executed them.
    const db = new Database(join(s.env.DCAP_DATA_DIR!, 'dcap.db'), { readonly: true });
    try {
      const order = db.prepare("SELECT aggregate_id FROM outbox WHERE type = 'job.completed' ORDER BY seq").pluck().all();
      expect(order).toEqual(accepted.map((a) => a.jobId));
    } finally {
      db.close();
    }
    expect(await agent.stop()).toBe(0);
  });

  it('after kill -9 between writing a command and reading its result, finishes it from the result file: one order per signal', async () => {
    const s = await setup();
    const ea = startEa(s);
    ea.paused = true;
    let agent = runAgent(s);
    const first = await alert(s.daemon.url, s.webhookPath, { action: 'buy', symbol: 'EURUSD', qty: '0.1', id: 'k9-1' });
    await waitFor('command written and recorded', () =>
      commandFiles(ea).length === 1 && agentDb(s.agentData, (db) => db.prepare('SELECT stage FROM jobs WHERE job_id = ?').pluck().get(first.jobId)) === 'written',
    );
    await agent.kill9();
    // The terminal executes while the agent is dead; another alert arrives meanwhile.
    ea.paused = false;
    await waitFor('result file written', () => existsSync(join(ea.dir, 'res', `${first.jobId}.json`)));
    const second = await alert(s.daemon.url, s.webhookPath, { action: 'sell', symbol: 'EURUSD', qty: '0.1', id: 'k9-2' });
    agent = runAgent(s);
    await expectExactlyOnce(s, ea, [first, second]);
    // Nothing was written twice: the terminal answered each job once.
    expect(ea.answered.filter((j) => j === first.jobId)).toHaveLength(1);
    expect(await agent.stop()).toBe(0);
  });

  it('after kill -9 with the command still waiting in cmd/, the restarted agent waits for it instead of writing it again', async () => {
    const s = await setup();
    const ea = startEa(s);
    ea.paused = true;
    let agent = runAgent(s);
    const a = await alert(s.daemon.url, s.webhookPath, { action: 'buy', symbol: 'EURUSD', qty: '0.1', id: 'k9-cmd' });
    await waitFor('command written', () => commandFiles(ea).length === 1);
    await agent.kill9();
    agent = runAgent(s);
    await waitFor('reconciled', () => agent.logs().includes('reconciled open jobs'));
    expect(commandFiles(ea)).toHaveLength(1);
    ea.paused = false;
    await expectExactlyOnce(s, ea, [a]);
    expect(ea.answered).toEqual([a.jobId]);
    expect(await agent.stop()).toBe(0);
  });

  it('a lease running out while the terminal is slow does not produce a second order', async () => {
    const s = await setup({ DCAP_JOB_LEASE: '1s' });
    const ea = startEa(s, { delayMs: 4000 });
    const agent = runAgent(s);
    const accepted = [];
    for (let i = 0; i < 3; i++) {
      const a = await alert(s.daemon.url, s.webhookPath, { action: 'buy', symbol: 'EURUSD', qty: '0.1', id: `slow-${i}` });
      accepted.push(a);
      await waitFor('command written', () => agentDb(s.agentData, (db) => db.prepare('SELECT stage FROM jobs WHERE job_id = ?').pluck().get(a.jobId)) === 'written');
      // The next alert wakes the agent's long-poll after the 1 s lease ran out while the terminal
      // still works on the first command: the server hands that job out again first.
      await new Promise((r) => setTimeout(r, 1200));
    }
    await expectExactlyOnce(s, ea, accepted);
    expect(agent.logs()).toContain('job.still_running');
    for (const a of accepted) expect(ea.answered.filter((j) => j === a.jobId)).toHaveLength(1);
    expect(await agent.stop()).toBe(0);
  });
});
