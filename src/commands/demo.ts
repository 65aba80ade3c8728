import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DcapAgent } from '../agent/agent.js';
import type { Ctx } from '../context.js';
import { WebhookServer } from '../daemons/webhook/server.js';
import { UserError } from '../errors.js';
import { createLogger } from '../log.js';
import { getAgentById, pairAgent } from '../store/agents.js';
import { openDb, storePath } from '../store/db.js';
import { createStrategy } from '../store/strategies.js';
import { loadFixtures } from './replay/fixtures.js';
import { HttpRunner } from './replay/http.js';
import { strategiesFromFile } from './replay/in-process.js';
import { demoSummary, formatDemo } from './demo-summary.js';

export const DEMO_ALERTS = fileURLToPath(new URL('../../fixtures/alerts/demo.jsonl', import.meta.url));
/** The demo strategy is defined once, beside the recordings CI replays (so CI checks its outcomes too). */
export const DEMO_STRATEGIES = fileURLToPath(new URL('../../fixtures/alerts/strategies.json', import.meta.url));

export interface DemoOptions {
  alerts?: string;
  keep?: boolean;
  timeout?: number;
}

/**
 * `dcap demo`: the whole pipeline on the embedded default, no accounts, no network beyond
 * loopback: a throwaway data dir, the webhook daemon, the paper terminal behind the real file
 * bridge, an agent, a demo strategy; replays the demo alerts over HTTP, waits until every
 * accepted signal is executed or failed, prints a summary, exits 0.
 */
export async function demo(ctx: Ctx, opts: DemoOptions): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'dcap-demo-'));
  // The daemons' JSON logs would drown the summary: warnings only unless asked for more.
  const log = createLogger(ctx.globals.logLevel ?? 'warn', 'dcap-demo');
  const db = openDb(storePath(join(tmp, 'data')));
  const stops: (() => unknown)[] = [() => db.close()];
  try {
    const now = Date.now();
    const demoStrategy = strategiesFromFile(DEMO_STRATEGIES).find((s) => s.name === 'demo');
    if (!demoStrategy) throw new UserError(`${DEMO_STRATEGIES} has no "demo" strategy`);
    const { secret } = createStrategy(db, 'demo', { ...demoStrategy.settings, agent: 'paper' }, now);
    const { agent, key } = pairAgent(db, 'paper', now);
    const server = new WebhookServer({ db, log, host: '127.0.0.1', port: 0, dedupWindowMs: 10_000 });
    const { url } = await server.start();
    stops.unshift(() => server.stop());
    const dcapAgent = new DcapAgent({
      server: url,
      agentId: agent.id,
      key,
      bridge: 'paper',
      filesDir: join(tmp, 'files'),
      bridgeId: 'default',
      dataDir: join(tmp, 'agent'),
      log,
    });
    await dcapAgent.start();
    stops.unshift(() => dcapAgent.stop());
    ctx.err(`dcap demo: webhook daemon at ${url}, paper terminal in ${join(tmp, 'files')}`);
    // Alerts sent before the terminal says hello would wait safely on the server, but then the
    // latencies printed would measure start-up, not the pipeline.
    const ready = Date.now() + 10_000;
    while (dcapAgent.snapshot().waitingFor !== null && Date.now() < ready) await sleep(20);

    const lines = loadFixtures([resolve(ctx.cwd, opts.alerts ?? DEMO_ALERTS)], ctx.cwd);
    const runner = new HttpRunner(url, { demo: secret });
    const replies = await runner.send(lines);
    const accepted = replies.filter((r) => r.body?.status === 'accepted').length;
    ctx.err(`dcap demo: ${lines.length} alerts sent, ${accepted} accepted; waiting for the fills`);

    const deadline = Date.now() + (opts.timeout ?? 30) * 1000;
    const open = db.prepare(`SELECT count(*) FROM signals WHERE status = 'accepted'`).pluck();
    while ((open.get() as number) > 0) {
      if (Date.now() > deadline) throw new UserError(`${open.get()} accepted signals were not executed within ${opts.timeout ?? 30}s`);
      await sleep(50);
    }
    // The positions table comes from the agent's state report: wait for one newer than the last fill.
    const lastFill = (db.prepare('SELECT max(completed_at) FROM signals').pluck().get() as number | null) ?? 0;
    while ((getAgentById(db, agent.id)?.stateAt ?? 0) < lastFill && Date.now() < deadline) await sleep(50);

    const summary = demoSummary(db, agent.id, replies.length);
    ctx.result(summary, () => formatDemo(summary));
  } finally {
    for (const stop of stops) await stop();
    if (opts.keep) ctx.err(`dcap demo: kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
