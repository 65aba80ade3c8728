import type { Ctx } from '../../context.js';
import { checkName } from '../../ea/projects.js';
import { renderTemplate } from '../../ea/template.js';
import { checkSymbol, checkTimeframe, createWithFile, projectJson, versionSummary, workingFile } from './working.js';
import { displayPath } from '../../ea/diagnostics.js';

export interface NewFlags {
  template?: string;
  symbol?: string;
  timeframe?: string;
  dir?: string;
}

/** `dcap ea new <name>`: a project folder with <name>.mq5 from a template, stored as version 1. */
export async function newProject(ctx: Ctx, name: string, flags: NewFlags): Promise<void> {
  checkName(name);
  const template = flags.template ?? 'ma-cross';
  const symbol = checkSymbol(flags.symbol ?? 'EURUSD');
  const timeframe = checkTimeframe(flags.timeframe ?? 'H1');
  const source = renderTemplate(template, { name, symbol, timeframe });
  const { project, version } = createWithFile(ctx, { name, template, symbol, timeframe, dir: flags.dir }, { source, origin: 'template', note: template });
  ctx.result({ project: projectJson(project), version: versionSummary(project, version) }, () =>
    [
      `created ${name}@1 from the ${template} template (${symbol} ${timeframe})`,
      `  ${displayPath(workingFile(project), ctx.cwd)}`,
      `next: edit it, then dcap ea compile ${name}`,
    ].join('\n'),
  );
}
