import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { parseDuration } from './core/duration.js';
import { UserError } from './errors.js';

export const CONFIG_FILE = 'dcap.config.json';
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const Duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    return typeof v === 'number' ? v * 1000 : parseDuration(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** The whole configuration, after defaults. Durations are in ms. */
export const ConfigSchema = z.strictObject({
  dataDir: z.string().min(1).default('.dcap'),
  logLevel: z.enum(LOG_LEVELS).default('info'),
  webhook: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.int().min(0).max(65535).default(8080),
      /** Identical bodies for one strategy within this window are duplicates. */
      dedupWindow: Duration.default(10_000),
      /** A claimed job not resolved within this lease is handed to its agent again. */
      jobLease: Duration.default(30_000),
      /** The base URL TradingView reaches, used when printing webhook URLs. */
      publicUrl: z.url().optional(),
    })
    .prefault({}),
  /** The EA toolchain (docs/ea-compile.md). */
  ea: z
    .strictObject({
      /** MetaEditor64.exe (run through wine on Linux/macOS) or a native stand-in. */
      metaeditor: z.string().min(1).optional(),
      /** The terminal's MQL5 folder, passed to MetaEditor as /inc:. */
      include: z.string().min(1).optional(),
      /** Force (true) or forbid (false) wine; default: a .exe off Windows runs through wine. */
      wine: z.boolean().optional(),
    })
    .prefault({}),
  /** `dcap ea generate --prompt` (docs/ea.md). The key comes from DCAP_LLM_API_KEY only, never from a file. */
  llm: z
    .strictObject({
      /** An OpenAI-compatible API, e.g. https://api.openai.com/v1 (POST <baseUrl>/chat/completions). */
      baseUrl: z.url().optional(),
      model: z.string().min(1).optional(),
    })
    .prefault({}),
  /** `dcap agent start` (docs/agent.md). The key is a secret: never printed, only its prefix. */
  agent: z
    .strictObject({
      /** The webhook daemon's base URL, e.g. http://10.0.0.5:8080. */
      server: z.url().optional(),
      agentId: z.string().min(1).optional(),
      key: z.string().min(1).optional(),
      bridge: z.enum(['file', 'paper']).optional(),
      /** The terminal's Common\Files folder (the protocol lives in <filesDir>/dcap/<bridgeId>/). */
      filesDir: z.string().min(1).optional(),
      bridgeId: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'use 1-64 of A-Z a-z 0-9 _ . -').default('default'),
    })
    .prefault({}),
  /** The outbox sync to Supabase (docs/supabase.md). The service role key is a secret: never printed. */
  sync: z
    .strictObject({
      /** Supabase project URL (supabase-js sink). */
      url: z.url().optional(),
      serviceRoleKey: z.string().min(1).optional(),
      /** Direct Postgres URL (direct connection or session pooler); preferred over url when both are set. */
      dbUrl: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL').optional(),
      /** The Supabase user (auth.users.id) that owns the synced rows. */
      userId: z.uuid().optional(),
      /** Outbox rows per batch. */
      batchSize: z.int().min(1).max(5000).default(500),
      /** How often an idle loop looks for new outbox rows (ms). */
      intervalMs: z.int().min(10).max(60_000).optional(),
    })
    .prefault({}),
});
export type Config = z.output<typeof ConfigSchema>;

/** Environment variables and the config path each one sets. */
const ENV: { name: string; path: string[]; int?: boolean }[] = [
  { name: 'DCAP_DATA_DIR', path: ['dataDir'] },
  { name: 'DCAP_LOG_LEVEL', path: ['logLevel'] },
  { name: 'DCAP_WEBHOOK_HOST', path: ['webhook', 'host'] },
  { name: 'DCAP_WEBHOOK_PORT', path: ['webhook', 'port'], int: true },
  { name: 'DCAP_DEDUP_WINDOW', path: ['webhook', 'dedupWindow'] },
  { name: 'DCAP_PUBLIC_URL', path: ['webhook', 'publicUrl'] },
  { name: 'DCAP_METAEDITOR', path: ['ea', 'metaeditor'] },
  { name: 'DCAP_LLM_BASE_URL', path: ['llm', 'baseUrl'] },
  { name: 'DCAP_LLM_MODEL', path: ['llm', 'model'] },
  { name: 'DCAP_JOB_LEASE', path: ['webhook', 'jobLease'] },
  { name: 'DCAP_SUPABASE_URL', path: ['sync', 'url'] },
  { name: 'DCAP_SUPABASE_SERVICE_ROLE_KEY', path: ['sync', 'serviceRoleKey'] },
  { name: 'DCAP_SUPABASE_DB_URL', path: ['sync', 'dbUrl'] },
  { name: 'DCAP_SUPABASE_USER_ID', path: ['sync', 'userId'] },
  { name: 'DCAP_SERVER', path: ['agent', 'server'] },
  { name: 'DCAP_AGENT_ID', path: ['agent', 'agentId'] },
  { name: 'DCAP_AGENT_KEY', path: ['agent', 'key'] },
  { name: 'DCAP_BRIDGE', path: ['agent', 'bridge'] },
  { name: 'DCAP_FILES_DIR', path: ['agent', 'filesDir'] },
  { name: 'DCAP_BRIDGE_ID', path: ['agent', 'bridgeId'] },
];

type Tree = { [k: string]: unknown };

export interface LoadConfigOptions {
  /** --config; else DCAP_CONFIG; else dcap.config.json in cwd when it exists. */
  file?: string;
  /** Values from flags, highest precedence (same shape as the file). */
  flags?: Tree;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface LoadedConfig {
  config: Config;
  /** The config file read, if any. */
  file?: string;
}

/**
 * defaults < file < env < flags. Every problem is reported at once, each with its path and
 * where the bad value came from; nothing falls back silently.
 */
export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const explicit = opts.file ?? env.DCAP_CONFIG;
  const file = explicit ? resolve(cwd, explicit) : resolve(cwd, CONFIG_FILE);
  const layers: { source: string; tree: Tree }[] = [];

  if (explicit || existsSync(file)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UserError(`cannot read config file ${file}: ${(err as Error).message}`, undefined, { cause: err });
    }
    let tree: unknown;
    try {
      tree = JSON.parse(text);
    } catch (err) {
      throw new UserError(`config file ${file} is not valid JSON: ${(err as Error).message}`, undefined, { cause: err });
    }
    if (!isTree(tree)) throw new UserError(`config file ${file} must hold a JSON object`);
    // Paths in the file are relative to the file, not to wherever dcap runs.
    if (typeof tree.dataDir === 'string' && !isAbsolute(tree.dataDir)) tree.dataDir = resolve(dirname(file), tree.dataDir);
    layers.push({ source: file, tree });
  }

  const envTree: Tree = {};
  const envSource = new Map<string, string>();
  for (const e of ENV) {
    const raw = env[e.name];
    if (raw === undefined || raw === '') continue;
    const value = e.int && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
    setPath(envTree, e.path, value);
    envSource.set(e.path.join('.'), e.name);
  }
  layers.push({ source: 'env', tree: envTree });
  if (opts.flags) layers.push({ source: 'flags', tree: opts.flags });

  const merged: Tree = {};
  for (const l of layers) deepMerge(merged, l.tree);
  if (typeof merged.dataDir === 'string') merged.dataDir = resolve(cwd, merged.dataDir);

  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const path = issue.path.join('.') || '(root)';
      const from = sourceOf(path, layers, envSource);
      return `  ${path}${from ? ` (from ${from})` : ''}: ${issue.message}`;
    });
    throw new UserError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  if (!isAbsolute(config.dataDir)) config.dataDir = resolve(cwd, config.dataDir);
  return { config, file: layers[0]?.source !== 'env' ? layers[0]?.source : undefined };
}

function sourceOf(path: string, layers: { source: string; tree: Tree }[], envSource: Map<string, string>) {
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i]!;
    if (getPath(l.tree, path.split('.')) === undefined) continue;
    if (l.source === 'env') return envSource.get(path) ?? 'env';
    return l.source === 'flags' ? 'command line' : l.source;
  }
  return undefined;
}

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(into: Tree, from: Tree): void {
  for (const [k, v] of Object.entries(from)) {
    if (v === undefined || k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    const cur = into[k];
    if (isTree(v) && isTree(cur)) deepMerge(cur, v);
    else into[k] = isTree(v) ? structuredClone(v) : v;
  }
}

function setPath(tree: Tree, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    if (!isTree(node[key])) node[key] = {};
    node = node[key] as Tree;
  }
  node[path[path.length - 1]!] = value;
}

function getPath(tree: Tree, path: string[]): unknown {
  let node: unknown = tree;
  for (const key of path) {
    if (!isTree(node)) return undefined;
    node = node[key];
  }
  return node;
}
