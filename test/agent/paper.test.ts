/**
 * The agent against the paper terminal: in-process (`--bridge paper`) and as its own process
 * (`dcap paper start`) behind `--bridge file`, through kill -9 of the agent and a terminal that
 * stops while jobs arrive. Orders are counted in the terminal's own state.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commentHasTag, jobTag, StateSchema } from '../../src/bridge/protocol.js';
import { dcapJson, killLeftovers, tempDir, type Daemon } from '../helpers/daemon.js';
import { agentDb, alert, daemonOn, freePort, killAgents, signal, startAgent, startPaperProcess, waitFor, type AgentProc } from './support.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  expect(killAgents()).toBe(0);
  expect(killLeftovers()).toBe(0);
});

async function setup() {
  const tmp = tempDir('dcap-agent-paper-');
  cleanups.push(() => tmp.cleanup());
  const env = { DCAP_DATA_DIR: join(tmp.dir, 'server') };
  const webhookPath = dcapJson<{ webhookPath: string }>(['strategy', 'add', 'fx', '--agent', 'vps', '--rate-limit', '0'], { env }).webhookPath;
  const creds = dcapJson<{ agentId: string; key: string }>(['agent', 'pair', 'vps'], { env });
  const daemon: Daemon = await daemonOn(await freePort(), env);
  cleanups.push(async () => {
    await daemon.stop();
  });
  const agentData = join(tmp.dir, 'agent');
  const agent = (bridge: 'file' | 'paper', filesDir?: string): AgentProc => {
    const p = startAgent(
      ['--server', daemon.url, '--agent-id', creds.agentId, '--bridge', bridge, '--data-dir', agentData, ...(filesDir ? ['--files-dir', filesDir] : [])],
      { DCAP_AGENT_KEY: creds.key },
    );
    cleanups.push(async () => void (await p.stop()));
    return p;
  };
  const post = (body: Record<string, unknown>) => alert(daemon.url, webhookPath, body);
  return { env, tmp, agentData, agent, post };
}

/** Open positions carrying the job's dcap tag, from the paper terminal's state.json. */
function positionsOf(filesDir: string, jobId: string) {
  const state = StateSchema.parse(JSON.parse(readFileSync(join(filesDir, 'dcap', 'default', 'state.json'), 'utf8')));
  return state.positions.filter((p) => commentHasTag(p.comment, jobTag(jobId)));
}

describe('agent with the paper terminal', () => {
  it('--bridge paper: fills an order, and refuses one the account cannot pay for (10019 NO_MONEY)', async () => {
    const s = await setup();
    const agent = s.agent('paper');
    const ok = await s.post({ action: 'buy', symbol: 'EURUSD', qty: '0.1', id: 'p-1' });
    const done = await waitFor('executed', () => {
      const v = signal(s.env, ok.signalId);
      return v.status === 'executed' && v;
    });
    expect(done.result).toMatchObject({ ok: true, retcode: 10009, retcodeText: 'DONE', volume: 0.1 });
    expect(done.result!.price).toBeGreaterThan(0);
    expect(done.result!.ticket).toBeGreaterThan(0);
    const filesDir = join(s.agentData, 'paper-files');
    expect(positionsOf(filesDir, ok.jobId)).toHaveLength(1);
    const broke = await s.post({ action: 'buy', symbol: 'XAUUSD', qty: '40', id: 'p-2' });
    const failed = await waitFor('failed', () => {
      const v = signal(s.env, broke.signalId);
      return v.status === 'failed' && v;
    });
    expect(failed.reason).toBe('10019 NO_MONEY');
    expect(positionsOf(filesDir, broke.jobId)).toHaveLength(0);
    expect(await agent.stop()).toBe(0);
  });

  it('kill -9 of the agent mid-order, and a terminal stopped while jobs arrive: one position per signal, every signal executed', async () => {
    const s = await setup();
    const filesDir = join(s.tmp.dir, 'files');
    let paper = await startPaperProcess(filesDir, ['--processing-delay', '1500']);
    cleanups.push(async () => void (await paper.stop()));
    let agent = s.agent('file', filesDir);
    const first = await s.post({ action: 'buy', symbol: 'EURUSD', qty: '0.1', id: 'pk-1' });
    await waitFor('command written', () => agentDb(s.agentData, (db) => db.prepare('SELECT stage FROM jobs WHERE job_id = ?').pluck().get(first.jobId)) === 'written');
    await agent.kill9();
    agent = s.agent('file', filesDir);
    await waitFor('first executed', () => signal(s.env, first.signalId).status === 'executed');

    // The terminal goes away; alerts keep coming; it comes back.
    expect(await paper.stop()).toBe(0);
    const later = [];
    for (let i = 0; i < 2; i++) later.push(await s.post({ action: 'sell', symbol: 'EURUSD', qty: '0.1', id: `pk-later-${i}` }));
    await waitFor('agent waits for the terminal', () => /waiting for (terminal|EA heartbeat)/.test(agent.logs()));
    for (const a of later) expect(signal(s.env, a.signalId).status).toBe('accepted');
    paper = await startPaperProcess(filesDir);
    for (const a of later) await waitFor('executed', () => signal(s.env, a.signalId).status === 'executed', 30_000);
    for (const a of [first, ...later]) expect(positionsOf(filesDir, a.jobId)).toHaveLength(1);
    expect(await agent.stop()).toBe(0);
  });
});
