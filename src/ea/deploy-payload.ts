/**
 * The payloads of the EA jobs (deploy, run, stop, compile) as the server writes them and the agent
 * reads them, the chart template (.tpl) the agent writes, and the bridge command each job becomes.
 * Pure: shared by src/ea/deploy.ts (server) and src/agent/deploy.ts (agent). docs/ea-deploy.md.
 */
import { z } from 'zod';
import { TIMEFRAMES } from '../bridge/protocol.js';

/**
 * Largest .ex5 or .mq5 a deploy job carries. A job travels base64 in one HTTP answer and sits in
 * the jobs table; typical EAs are 20-200 KB, and 4 MiB leaves room for embedded resources.
 */
export const MAX_DEPLOY_FILE_BYTES = 4 * 1024 * 1024;
/** Largest .ex5 an agent sends back from a compile job (it travels base64 in the result POST). */
export const MAX_COMPILED_EX5_BYTES = 4 * 1024 * 1024;

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
/** An MQL5 identifier: what an `input` is called. */
export const INPUT_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export const FileBlobSchema = z.object({
  base64: z.string(),
  sha256: Hex64,
  size: z.number().int().nonnegative().max(MAX_DEPLOY_FILE_BYTES),
});
export type FileBlob = z.infer<typeof FileBlobSchema>;

/** deploy and run jobs: everything the agent needs, so a run also repairs files deleted since. */
export const AttachPayloadSchema = z.object({
  deploymentId: Id,
  project: z.string(),
  version: z.number().int().positive(),
  versionId: z.string(),
  /** Program name, `<project>_v<N>`: each version has its own file, so versions never overwrite each other. */
  expert: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,80}$/),
  ex5: FileBlobSchema,
  mq5: FileBlobSchema,
  symbol: z.string().min(1).max(64),
  timeframe: z.enum(TIMEFRAMES),
  inputs: z.record(z.string().regex(INPUT_NAME), z.string()),
  /** deploy only: false copies the files and checks them, without opening a chart. */
  start: z.boolean().default(true),
  /** run only: the chart it last ran on. */
  chartId: z.string().optional(),
});
export type AttachPayload = z.infer<typeof AttachPayloadSchema>;

export const StopPayloadSchema = z.object({
  deploymentId: Id,
  expert: z.string(),
  chartId: z.string().optional(),
});
export type StopPayload = z.infer<typeof StopPayloadSchema>;

/** A compile job: the version's source and the headers beside the project's working file. */
export const CompilePayloadSchema = z.object({
  project: z.string(),
  version: z.number().int().positive(),
  versionId: z.string(),
  /** `<project>.mq5` */
  file: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,62}\.mq5$/),
  source: z.string(),
  sha256: Hex64,
  headers: z.array(z.object({ name: z.string().regex(/^[A-Za-z0-9_. -]{1,100}\.mqh$/i), text: z.string() })).default([]),
});
export type CompilePayload = z.infer<typeof CompilePayloadSchema>;

/** What the agent reports for a compile job in `result.compile` (ex5 base64 only on success). */
export const CompileReportSchema = z.object({
  ok: z.boolean(),
  errors: z.number().int().nonnegative(),
  warnings: z.number().int().nonnegative(),
  elapsedMs: z.number().nullable(),
  diagnostics: z.array(
    z.object({
      file: z.string().nullable(),
      line: z.number().int().nullable(),
      column: z.number().int().nullable(),
      severity: z.enum(['error', 'warning']),
      code: z.number().int().nullable(),
      message: z.string(),
    }),
  ),
  problem: z.string().nullable(),
  ex5: z.object({ base64: z.string(), sha256: Hex64, size: z.number().int().positive().max(MAX_COMPILED_EX5_BYTES) }).nullable(),
});
export type CompileReport = z.infer<typeof CompileReportSchema>;

/** Where the agent writes the files, relative to the terminal's MQL5 folder (POSIX separators). */
export function expertRelPath(expert: string): string {
  return `Experts/dcap/${expert}.ex5`;
}
export function templateRelPath(deploymentId: string): string {
  return `Profiles/Templates/dcap/${deploymentId}.tpl`;
}
/** The ChartApplyTemplate argument for that file: a leading backslash means "relative to MQL5\". */
export function templateArg(deploymentId: string): string {
  return `\\Profiles\\Templates\\dcap\\${deploymentId}.tpl`;
}

/**
 * The chart template that starts the EA with its inputs. MT5 writes templates as UTF-16LE with a
 * BOM and CRLF line ends, and reads them that way; `<expert>` names the program and its path under
 * MQL5\Experts, `expertmode=1` is the chart's "Allow Algo Trading" (capped by the bridge EA's own
 * permission: ChartApplyTemplate never extends it). Symbol and period come from ChartOpen: a
 * template does not change them.
 */
export function renderTemplate(p: { expert: string; inputs: Record<string, string> }): Buffer {
  const lines = [
    '<chart>',
    '<window>',
    'height=100.000000',
    '<indicator>',
    'name=Main',
    'path=',
    'apply=1',
    '</indicator>',
    '</window>',
    '<expert>',
    `name=${p.expert}`,
    `path=Experts\\dcap\\${p.expert}.ex5`,
    'expertmode=1',
    '<inputs>',
    ...Object.entries(p.inputs).map(([k, v]) => `${k}=${v}`),
    '</inputs>',
    '</expert>',
    '</chart>',
    '',
  ];
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines.join('\r\n'), 'utf16le')]);
}

/** Reads a template back (UTF-16LE with BOM, or UTF-8): the expert path and the inputs. */
export function parseTemplate(bytes: Buffer): { expertPath: string | null; inputs: Record<string, string> } {
  const text = bytes[0] === 0xff && bytes[1] === 0xfe ? bytes.subarray(2).toString('utf16le') : bytes.toString('utf8').replace(/^\uFEFF/, '');
  const expert = /<expert>([\s\S]*?)<\/expert>/.exec(text)?.[1] ?? '';
  const expertPath = /^path=(.*)$/m.exec(expert)?.[1]?.trim() ?? null;
  const inputs: Record<string, string> = {};
  const block = /<inputs>([\s\S]*?)<\/inputs>/.exec(expert)?.[1] ?? '';
  for (const line of block.split(/\r?\n/)) {
    const m = /^([^=;]+)=(.*)$/.exec(line.trim());
    if (m) inputs[m[1]!] = m[2]!;
  }
  return { expertPath, inputs };
}

/** The bridge command body of a deploy/run/stop job: names and hashes only, never the file bytes. */
export function eaCommandBody(type: 'deploy' | 'run' | 'stop', payload: Record<string, unknown>): Record<string, unknown> {
  if (type === 'stop') {
    const p = StopPayloadSchema.parse(payload);
    return { type, deploymentId: p.deploymentId, expert: { name: p.expert }, ...(p.chartId ? { chartId: p.chartId } : {}) };
  }
  const p = AttachPayloadSchema.parse(payload);
  return {
    type,
    deploymentId: p.deploymentId,
    project: p.project,
    version: p.version,
    expert: { name: p.expert, path: `dcap\\${p.expert}.ex5`, sha256: p.ex5.sha256, size: p.ex5.size },
    template: templateArg(p.deploymentId),
    symbol: p.symbol,
    timeframe: p.timeframe,
    ...(type === 'deploy' ? { start: p.start } : {}),
    ...(type === 'run' && p.chartId ? { chartId: p.chartId } : {}),
  };
}

/**
 * The `input`/`sinput` variables an EA declares, by name (what --inputs may set). A simple scan
 * of the declarations, enough for the EAs dcap writes and most hand-written ones.
 */
export function declaredInputs(source: string): string[] {
  const names = new Set<string>();
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  for (const m of code.matchAll(/^\s*s?input\s+(?:const\s+)?[A-Za-z_][\w:]*(?:\s*<[^>]*>)?\s+([A-Za-z_]\w*)/gm)) names.add(m[1]!);
  return [...names];
}
