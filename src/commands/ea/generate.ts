import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Ctx } from '../../context.js';
import { UserError } from '../../errors.js';
import { displayPath } from '../../ea/diagnostics.js';
import { DEFAULT_LLM_TIMEOUT_MS, generateWithLlm } from '../../ea/llm.js';
import { checkName, findProject, type EaProject, type Origin } from '../../ea/projects.js';
import { renderSpec } from '../../ea/render.js';
import { parseSpec } from '../../ea/spec.js';
import { addVersionWithFile, checkSymbol, checkTimeframe, createWithFile, projectJson, versionSummary, workingFile } from './working.js';

export interface GenerateFlags {
  from?: string;
  prompt?: string;
  symbol?: string;
  timeframe?: string;
  dir?: string;
  /** ms, parsed by the CLI. */
  timeout?: number;
}

/**
 * `dcap ea generate <name> --from spec.json | --prompt "..."`: a new version of the project (the
 * project is created when it does not exist yet). Nothing is stored unless the source is ready.
 */
export async function generate(ctx: Ctx, name: string, flags: GenerateFlags): Promise<void> {
  checkName(name);
  if ((flags.from === undefined) === (flags.prompt === undefined)) throw new UserError('give exactly one of --from <strategy.json> and --prompt "<description>"');
  const existing = findProject(ctx.db(), name);
  let source: string;
  let origin: Origin;
  let note: string;
  let symbol = flags.symbol !== undefined ? checkSymbol(flags.symbol) : (existing?.symbol ?? 'EURUSD');
  let timeframe = flags.timeframe !== undefined ? checkTimeframe(flags.timeframe) : (existing?.timeframe ?? 'H1');

  if (flags.from !== undefined) {
    const file = resolve(ctx.cwd, flags.from);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UserError(`cannot read the strategy spec ${flags.from}: ${(err as Error).message}`, undefined, { cause: err });
    }
    const spec = parseSpec(json, flags.from);
    source = renderSpec(spec, name);
    origin = 'spec';
    note = displayPath(file, ctx.cwd);
    symbol = spec.symbol;
    timeframe = spec.timeframe;
  } else {
    const prompt = flags.prompt!.trim();
    if (!prompt) throw new UserError('--prompt is empty: describe the strategy');
    const { llm } = ctx.config();
    if (!llm.baseUrl || !llm.model) {
      throw new UserError('--prompt needs an OpenAI-compatible endpoint: set llm.baseUrl and llm.model in dcap.config.json (or DCAP_LLM_BASE_URL, DCAP_LLM_MODEL) and the key in DCAP_LLM_API_KEY (docs/ea.md)');
    }
    const context = `Symbol: ${symbol}. Timeframe: ${timeframe}. EA name: ${name}. Use InpComment default "dcap:ea/${name}".\n\n${prompt}`;
    const r = await generateWithLlm(context, { baseUrl: llm.baseUrl, model: llm.model, apiKey: ctx.env.DCAP_LLM_API_KEY || undefined, timeoutMs: flags.timeout ?? DEFAULT_LLM_TIMEOUT_MS });
    source = r.source;
    origin = 'prompt';
    note = `${r.model}: ${prompt}`.slice(0, 2000);
  }

  let project: EaProject;
  let version;
  let created = true;
  if (!existing) {
    ({ project, version } = createWithFile(ctx, { name, template: null, symbol, timeframe, dir: flags.dir }, { source, origin, note }));
  } else {
    if (flags.dir !== undefined) throw new UserError(`--dir only applies to a new project; "${name}" lives in ${existing.dir}`);
    project = existing;
    ({ version, created } = addVersionWithFile(ctx, project, { source, origin, note }));
  }
  ctx.result({ project: projectJson(project), version: versionSummary(project, version), created }, () =>
    created
      ? `generated ${name}@${version.number} from ${origin === 'spec' ? note : 'the prompt'}\n  ${displayPath(workingFile(project), ctx.cwd)}\nnext: dcap ea compile ${name}`
      : `unchanged: ${name}@${version.number} already holds exactly this source (no new version)`,
  );
}
