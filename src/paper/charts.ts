/**
 * Deployed EAs in the paper terminal: deploy/run/stop as DcapBridge.mq5 executes them
 * (templates/mql5/Include/Dcap/Deploy.mqh), with the checks a real terminal makes by loading the
 * files: the .ex5 the agent copied must be in `<terminal>/MQL5/Experts/dcap/` with the deployed
 * sha256, and the template in `MQL5/Profiles/Templates/dcap/` must name it. Nothing is executed:
 * a "chart" is a record (`charts` in state.json), kept across restarts in paper/charts.json.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChartSchema, type Chart, type DeployCommand, type Result, type RunCommand, type StopCommand } from '../bridge/protocol.js';
import { parseTemplate } from '../ea/deploy-payload.js';
import { makeResult } from './commands.js';
import { writeJsonAtomic } from './files.js';

export class PaperCharts {
  private charts: Chart[] = [];
  private seq = 0;

  constructor(
    private readonly file: string,
    /** The terminal's data folder: MQL5/ is under it. */
    readonly terminalDir: string,
  ) {}

  async load(): Promise<void> {
    const text = await readFile(this.file, 'utf8').catch(() => null);
    if (text === null) return;
    const parsed = ChartSchema.array().safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`${this.file}: ${parsed.error.message}`);
    this.charts = parsed.data;
  }

  list(): Chart[] {
    return this.charts.map((c) => ({ ...c }));
  }

  save(): Promise<void> {
    return writeJsonAtomic(this.file, this.charts);
  }

  /** An id in MT5's form: a large decimal number, as a string. */
  private nextId(now: number): string {
    return (BigInt(now) * 1000n + BigInt(++this.seq % 1000)).toString();
  }

  /** deploy and run: the files checked, then a chart (the deployment's own when it is still open). */
  attach(cmd: DeployCommand | RunCommand, now: number, hasSymbol: (s: string) => boolean): Result {
    const head = { jobId: cmd.jobId, seq: cmd.seq, type: cmd.type };
    const extra = { deploymentId: cmd.deploymentId, symbol: cmd.symbol };
    if (!hasSymbol(cmd.symbol)) return makeResult(head, now, 20002, { ...extra, detail: `the terminal has no symbol "${cmd.symbol}"` });
    const bad = this.checkFiles(cmd);
    if (bad) return makeResult(head, now, 20008, { ...extra, detail: bad });
    if (cmd.type === 'deploy' && !cmd.start) return makeResult(head, now, 0, extra);
    const open = this.charts.find((c) => c.deploymentId === cmd.deploymentId && c.expert === cmd.expert.name);
    if (open) return makeResult(head, now, 0, { ...extra, chartId: open.chartId, warnings: [`chart ${open.chartId} already runs ${open.expert}; nothing was opened`] });
    const chart: Chart = { chartId: this.nextId(now), deploymentId: cmd.deploymentId, symbol: cmd.symbol, timeframe: cmd.timeframe, expert: cmd.expert.name, openedAt: now };
    this.charts.push(chart);
    return makeResult(head, now, 0, { ...extra, chartId: chart.chartId });
  }

  /** stop: closes the chart when it still runs the deployment's expert. */
  stop(cmd: StopCommand, now: number): Result {
    const head = { jobId: cmd.jobId, seq: cmd.seq, type: cmd.type };
    const i = this.charts.findIndex((c) => (cmd.chartId ? c.chartId === cmd.chartId : c.deploymentId === cmd.deploymentId) && c.expert === cmd.expert.name);
    if (i < 0) return makeResult(head, now, 20004, { deploymentId: cmd.deploymentId, detail: `no chart runs ${cmd.expert.name}` });
    const [chart] = this.charts.splice(i, 1);
    return makeResult(head, now, 0, { deploymentId: cmd.deploymentId, chartId: chart!.chartId, symbol: chart!.symbol });
  }

  /** What MT5 would notice when loading the template: a missing or different .ex5, a template that names another. */
  private checkFiles(cmd: DeployCommand | RunCommand): string | null {
    const mql5 = join(this.terminalDir, 'MQL5');
    const ex5File = join(mql5, 'Experts', ...cmd.expert.path.split('\\'));
    let bytes: Buffer;
    try {
      bytes = readFileSync(ex5File);
    } catch {
      return `${ex5File} does not exist: the agent did not copy the EA`;
    }
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (hash !== cmd.expert.sha256) return `${ex5File} is not the deployed version (sha256 ${hash.slice(0, 12)}, expected ${cmd.expert.sha256.slice(0, 12)})`;
    const tplFile = join(mql5, ...cmd.template.split('\\').filter(Boolean));
    let tpl: Buffer;
    try {
      tpl = readFileSync(tplFile);
    } catch {
      return `the template ${tplFile} does not exist`;
    }
    const { expertPath } = parseTemplate(tpl);
    if (expertPath !== `Experts\\${cmd.expert.path}`) return `the template ${tplFile} starts ${expertPath ?? 'no expert'}, not Experts\\${cmd.expert.path}`;
    return null;
  }
}
