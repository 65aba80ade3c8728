/**
 * dcap ea deploy|run|stop|deployments and compile jobs, end to end: the real CLI, a webhook
 * daemon, and an agent with the paper terminal (`--bridge paper`), whose state.json lists the
 * charts it opened and whose terminal folder holds the files the agent copied. MetaEditor is the
 * stand-in of test/fixtures/fake-metaeditor.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateSchema } from '../src/bridge/protocol.js';
import { parseTemplate } from '../src/ea/deploy-payload.js';
import { agentDb, daemonOn, freePort, killAgents, startAgent, waitFor } from './agent/support.js';
import { ROOT, dcap, dcapJson, killLeftovers, tempDir } from './helpers/daemon.js';

const ME = join(ROOT, 'test', 'fixtures', 'fake-metaeditor', 'metaeditor64');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  expect(killAgents()).toBe(0);
  expect(killLeftovers()).toBe(0);
});

interface DeploymentJson {
  id: string;
  ea: string;
  agent: string;
  symbol: string;
  timeframe: string;
  inputs: Record<string, string>;
  status: string;
  chartId: string | null;
  lastAction: string;
  lastJobStatus: string | null;
  lastError: string | null;
}

async function setup() {
  const tmp = tempDir('dcap-ea-deploy-');
  cleanups.push(() => tmp.cleanup());
  const env = { DCAP_DATA_DIR: join(tmp.dir, 'server'), DCAP_METAEDITOR: ME };
  const run = (args: string[]) => dcap(args, { env, cwd: tmp.dir });
  const json = <T>(args: string[]) => dcapJson<T>(args, { env, cwd: tmp.dir });
  json(['ea', 'new', 'trend', '--symbol', 'EURUSD', '--timeframe', 'H1']);
  const compiled = run(['ea', 'compile', 'trend@1']);
  expect(compiled.code, compiled.stderr).toBe(0);
  const creds = json<{ agentId: string; key: string }>(['agent', 'pair', 'vps']);
  const daemon = await daemonOn(await freePort(), env);
  cleanups.push(async () => void (await daemon.stop()));
  const agentData = join(tmp.dir, 'agent');
  const agent = startAgent(['--server', daemon.url, '--agent-id', creds.agentId, '--bridge', 'paper', '--data-dir', agentData, '--metaeditor', ME], {
    DCAP_AGENT_KEY: creds.key,
    DCAP_METAEDITOR: '',
  });
  cleanups.push(async () => void (await agent.stop()));
  const bridge = join(agentData, 'paper-files', 'dcap', 'default');
  const terminal = join(bridge, 'paper', 'terminal', 'MQL5');
  const deployments = () => json<DeploymentJson[]>(['ea', 'deployments']);
  const settled = (id: string, status: string) =>
    waitFor(`deployment ${status}`, () => {
      const d = deployments().find((x) => x.id === id);
      if (d && d.lastJobStatus !== 'pending' && d.lastJobStatus !== 'running' && d.status !== status) throw new Error(`deployment ended ${d.status}: ${d.lastError}`);
      return d?.status === status && d;
    });
  const charts = () => StateSchema.parse(JSON.parse(readFileSync(join(bridge, 'state.json'), 'utf8'))).charts ?? [];
  const jobCount = () => {
    const db = new Database(join(tmp.dir, 'server', 'dcap.db'), { readonly: true });
    try {
      return db.prepare('SELECT count(*) FROM jobs').pluck().get() as number;
    } finally {
      db.close();
    }
  };
  return { tmp, env, run, json, agent, agentData, terminal, deployments, settled, charts, jobCount };
}

describe('dcap ea deploy through the paper terminal', () => {
  it('deploys a compiled version to a chart, stays pinned to it, stops and runs again', async () => {
    const s = await setup();
    const v1 = s.json<{ version: { ex5: { sha256: string } } }>(['ea', 'show', 'trend@1']).version;
    const out = s.json<DeploymentJson & { jobId: string }>(['ea', 'deploy', 'trend@1', '--agent', 'vps', '--symbol', 'EURUSD', '--timeframe', 'h1', '--inputs', 'InpFastPeriod=12', 'InpRiskPercent=0.5']);
    expect(out).toMatchObject({ ea: 'trend@1', agent: 'vps', symbol: 'EURUSD', timeframe: 'H1', status: 'pending', inputs: { InpFastPeriod: '12', InpRiskPercent: '0.5' } });

    const running = await s.settled(out.id, 'running');
    expect(running.chartId).toMatch(/^\d{10,20}$/);
    expect(s.charts()).toEqual([expect.objectContaining({ chartId: running.chartId, deploymentId: out.id, symbol: 'EURUSD', timeframe: 'H1', expert: 'trend_v1' })]);

    // The agent copied the .ex5 (and .mq5) where the terminal loads EAs, and wrote the template.
    const ex5 = readFileSync(join(s.terminal, 'Experts', 'dcap', 'trend_v1.ex5'));
    expect(sha(ex5)).toBe(v1.ex5.sha256);
    expect(readFileSync(join(s.terminal, 'Experts', 'dcap', 'trend_v1.mq5'), 'utf8')).toMatch(/InpFastPeriod/);
    const tpl = readFileSync(join(s.terminal, 'Profiles', 'Templates', 'dcap', `${out.id}.tpl`));
    expect([tpl[0], tpl[1]]).toEqual([0xff, 0xfe]); // UTF-16LE with BOM, as MT5 writes templates
    expect(parseTemplate(tpl)).toEqual({ expertPath: 'Experts\\dcap\\trend_v1.ex5', inputs: { InpFastPeriod: '12', InpRiskPercent: '0.5' } });

    // A later version changes nothing about the deployment.
    writeFileSync(join(s.tmp.dir, 'ea', 'trend', 'trend.mq5'), `${readFileSync(join(s.tmp.dir, 'ea', 'trend', 'trend.mq5'), 'utf8')}\n// v2\n`);
    expect(s.run(['ea', 'compile', 'trend']).code).toBe(0);
    expect(s.json<{ versions: unknown[] }>(['ea', 'versions', 'trend']).versions).toHaveLength(2);
    expect(s.deployments()).toEqual([expect.objectContaining({ id: out.id, ea: 'trend@1', status: 'running', chartId: running.chartId })]);

    const human = s.run(['ea', 'deployments']);
    expect(human.stdout).toMatch(new RegExp(`vps\\s+${out.id}\\s+trend@1\\s+EURUSD H1\\s+running\\s+${running.chartId}`));

    expect(s.run(['ea', 'run', out.id.slice(0, 13)]).stderr).toMatch(/is running already, on chart/);
    const stop = s.json<{ jobId: string }>(['ea', 'stop', out.id.slice(0, 13)]);
    expect(stop.jobId).toBeTruthy();
    const stopped = await s.settled(out.id, 'stopped');
    expect(stopped.chartId).toBeNull();
    expect(s.charts()).toEqual([]);
    expect(s.run(['ea', 'stop', out.id]).stderr).toMatch(/is stopped already/);

    s.json(['ea', 'run', out.id]);
    const again = await s.settled(out.id, 'running');
    expect(again.chartId).toMatch(/^\d+$/);
    expect(again.chartId).not.toBe(running.chartId);
    expect(again.ea).toBe('trend@1');
    expect(s.charts().map((c) => c.expert)).toEqual(['trend_v1']);
  });

  it('bad input: unknown version or agent, a version not compiled, an unknown input: a clear error, nothing created', async () => {
    const s = await setup();
    writeFileSync(join(s.tmp.dir, 'ea', 'trend', 'trend.mq5'), `${readFileSync(join(s.tmp.dir, 'ea', 'trend', 'trend.mq5'), 'utf8')}\n// v2\n`);
    s.json(['ea', 'commit', 'trend']);
    const jobs = s.jobCount();
    const cases: [string[], RegExp][] = [
      [['ea', 'deploy', 'trend@9', '--agent', 'vps'], /trend@9 does not exist: "trend" has versions 1 to 2/],
      [['ea', 'deploy', 'nope@1', '--agent', 'vps'], /no EA project named "nope"/],
      [['ea', 'deploy', 'trend@2', '--agent', 'vps'], /trend@2 cannot be deployed: it was never compiled \(run dcap ea compile trend@2\)/],
      [['ea', 'deploy', 'trend@1', '--agent', 'ghost'], /no agent named "ghost"/],
      [['ea', 'deploy', 'trend@1', '--agent', 'vps', '--inputs', 'Lots=2'], /trend@1 has no input named "Lots" \(its inputs: InpTimeframe, InpFastPeriod/],
      [['ea', 'deploy', 'trend@1', '--agent', 'vps', '--timeframe', 'H5'], /--timeframe "H5" is not one of M1/],
      [['ea', 'stop', 'ffffffff'], /no deployment ffffffff/],
      [['ea', 'compile', 'trend@1', '--agent', 'ghost'], /no agent named "ghost"/],
    ];
    for (const [args, message] of cases) {
      const r = s.run(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(s.deployments()).toEqual([]);
    expect(s.jobCount()).toBe(jobs);
    expect(s.run(['ea', 'deploy', '--help']).stdout).toMatch(/Examples:\n\s+\$ dcap ea deploy/);
  });

  it('a compile job: the agent compiles with its MetaEditor, the server stores the result and the .ex5 on the version, which then deploys', async () => {
    const s = await setup();
    const file = join(s.tmp.dir, 'ea', 'trend', 'trend.mq5');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n// v2\n`);
    s.json(['ea', 'commit', 'trend']);
    const job = s.json<{ version: string; jobId: string; status: string }>(['ea', 'compile', 'trend@2', '--agent', 'vps']);
    expect(job).toMatchObject({ version: 'trend@2', status: 'pending' });
    type Shown = { version: { compileStatus: string; errors: number; ex5: { path: string; sha256: string; size: number } | null } };
    const v2 = await waitFor('compiled on the agent', () => {
      const v = s.json<Shown>(['ea', 'show', 'trend@2']).version;
      return v.compileStatus !== 'none' && v;
    });
    expect(v2).toMatchObject({ compileStatus: 'compiled', errors: 0 });
    expect(v2.ex5!.path).toBe(join(s.tmp.dir, 'ea', 'trend', 'build', 'v2', 'trend.ex5'));
    expect(sha(readFileSync(v2.ex5!.path))).toBe(v2.ex5!.sha256);
    // The agent's scratch folder is gone; the job's stored result holds no .ex5 bytes.
    expect(agentDb(s.agentData, (db) => db.prepare("SELECT count(*) FROM jobs WHERE type = 'compile' AND stage IN ('result','done')").pluck().get())).toBe(1);
    const db = new Database(join(s.tmp.dir, 'server', 'dcap.db'), { readonly: true });
    const stored = JSON.parse(db.prepare('SELECT result FROM jobs WHERE id = ?').pluck().get(job.jobId) as string) as { ok: boolean; compile: { ex5: Record<string, unknown> } };
    db.close();
    expect(stored.ok).toBe(true);
    expect(stored.compile.ex5).toEqual({ path: v2.ex5!.path, sha256: v2.ex5!.sha256, size: v2.ex5!.size });

    const d = s.json<DeploymentJson>(['ea', 'deploy', 'trend@2', '--agent', 'vps']);
    expect(d).toMatchObject({ symbol: 'EURUSD', timeframe: 'H1' });
    await s.settled(d.id, 'running');

    // A failed compile on the agent is stored as failed, with its diagnostics.
    writeFileSync(file, `// fake-metaeditor: errors\n${readFileSync(file, 'utf8')}`);
    s.json(['ea', 'commit', 'trend']);
    s.json(['ea', 'compile', 'trend@3', '--agent', 'vps']);
    const v3 = await waitFor('failed on the agent', () => {
      const v = s.json<{ version: { compileStatus: string; errors: number; diagnostics: { file: string | null; line: number | null }[] } }>(['ea', 'show', 'trend@3']).version;
      return v.compileStatus !== 'none' && v;
    });
    expect(v3).toMatchObject({ compileStatus: 'failed', errors: 2 });
    expect(v3.diagnostics[0]).toMatchObject({ file: 'trend.mq5', line: 12 });
  });
});
