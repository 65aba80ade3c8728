import { join, resolve } from 'node:path';
import { DcapAgent } from '../../agent/agent.js';
import type { Ctx } from '../../context.js';
import { untilSignal } from '../../daemons/lifecycle.js';
import { UserError } from '../../errors.js';
import { secretPrefix } from '../../log.js';
import { relayUrl } from '../../relay/client.js';
import { loggableUrl } from '../../agent/ticks.js';
import { MAX_SUBSCRIBED } from '../../agent/subscriptions.js';

export interface AgentStartOptions {
  server?: string;
  agentId?: string;
  key?: string;
  bridge?: string;
  filesDir?: string;
  bridgeId?: string;
  terminalDir?: string;
  metaeditor?: string;
  relay?: string;
  watch?: string[];
}

/**
 * --relay (env DCAP_RELAY_URL): a ws(s):// URL, an http(s):// server URL (its /ws), or `off`;
 * default: the relay of `dcap up` on the --server itself. Returns undefined for off.
 */
export function resolveRelay(given: string | undefined, server: string): string | undefined {
  const value = (given ?? '').trim();
  if (value.toLowerCase() === 'off') return undefined;
  const url = value === '' ? server : value;
  try {
    return relayUrl(url);
  } catch (err) {
    throw new UserError(`--relay ${value === '' ? `(from --server ${url})` : `"${value}"`} is not a relay URL: ${(err as Error).message}; give ws://HOST:PORT/ws, the server's http:// URL, or off`);
  }
}

/** --watch EURUSD,GBPUSD (repeatable; env DCAP_WATCH): broker symbol names, case kept (EURUSD.m). */
export function parseWatch(values: string[]): string[] {
  const symbols = [...new Set(values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== ''))];
  const bad = symbols.filter((s) => s.length > 64 || /\s/.test(s));
  if (bad.length > 0) throw new UserError(`--watch: not a symbol name: ${bad.map((s) => JSON.stringify(s)).join(', ')} (up to 64 characters, no spaces; e.g. --watch EURUSD,GBPUSD)`);
  if (symbols.length > MAX_SUBSCRIBED) throw new UserError(`--watch names ${symbols.length} symbols; the bridge streams at most ${MAX_SUBSCRIBED}`);
  return symbols;
}

/** MT5's Common\Files on Windows; off Windows there is no default (a wine prefix differs per user). */
export function defaultFilesDir(platform = process.platform, env = process.env): string | undefined {
  if (platform !== 'win32' || !env.APPDATA) return undefined;
  return join(env.APPDATA, 'MetaQuotes', 'Terminal', 'Common', 'Files');
}

/** `dcap agent start`: pulls jobs from the webhook daemon and executes them through the bridge until SIGINT/SIGTERM. */
export async function start(ctx: Ctx, opts: AgentStartOptions): Promise<void> {
  const flags: Record<string, unknown> = {};
  for (const k of ['server', 'agentId', 'key', 'bridge', 'filesDir', 'bridgeId'] as const) if (opts[k] !== undefined) flags[k] = opts[k];
  const config = ctx.config({ agent: flags, ...(opts.metaeditor !== undefined ? { ea: { metaeditor: opts.metaeditor } } : {}) });
  const a = config.agent;
  const missing = [
    !a.server && '--server URL (or DCAP_SERVER)',
    !a.agentId && '--agent-id ID (or DCAP_AGENT_ID)',
    !a.key && '--key KEY (or DCAP_AGENT_KEY)',
    !a.bridge && '--bridge file|paper (or DCAP_BRIDGE)',
  ].filter((x): x is string => typeof x === 'string');
  if (missing.length > 0) throw new UserError(`dcap agent start needs ${missing.join(', ')}; dcap agent pair <name> prints the id and key`);
  let filesDir = a.filesDir;
  if (a.bridge === 'paper') filesDir ??= join(config.dataDir, 'paper-files');
  filesDir ??= defaultFilesDir();
  if (!filesDir) {
    throw new UserError(
      '--files-dir is required off Windows: the MT5 terminal\'s Common\\Files folder (or DCAP_FILES_DIR), ' +
        'e.g. under wine: --files-dir "$HOME/.wine/drive_c/users/$USER/AppData/Roaming/MetaQuotes/Terminal/Common/Files"',
    );
  }
  // EA jobs (docs/ea-deploy.md): where deployed EAs go, and this machine's MetaEditor for compile jobs.
  const terminalDir = opts.terminalDir ?? (ctx.env.DCAP_TERMINAL_DIR || undefined);
  const { ea } = config;
  const relay = resolveRelay(opts.relay ?? ctx.env.DCAP_RELAY_URL, a.server!);
  const watch = parseWatch(opts.watch ?? (ctx.env.DCAP_WATCH ? [ctx.env.DCAP_WATCH] : []));
  const agent = new DcapAgent({
    terminalDir: terminalDir === undefined ? undefined : resolve(ctx.cwd, terminalDir),
    compile: ea.metaeditor
      ? { metaeditor: resolve(ctx.cwd, ea.metaeditor), include: ea.include === undefined ? undefined : resolve(ctx.cwd, ea.include), wine: ea.wine, env: ctx.env }
      : undefined,
    server: a.server!,
    agentId: a.agentId!,
    key: a.key!,
    bridge: a.bridge!,
    filesDir,
    bridgeId: a.bridgeId,
    dataDir: config.dataDir,
    log: ctx.log,
    relay,
    watch,
  });
  await agent.start();
  // Handlers before the ready line: a signal sent the moment it appears must still stop cleanly.
  const stopped = untilSignal(() => agent.stop(), ctx.log);
  const ticks = relay ? `ticks to ${loggableUrl(relay)}${watch.length ? ` (watching ${watch.join(', ')})` : ''}` : 'no ticks (--relay off)';
  ctx.out(`agent ${a.agentId} (key ${secretPrefix(a.key!)}...) running: server ${a.server}, ${a.bridge} bridge in ${join(filesDir, 'dcap', a.bridgeId)}, ${ticks}`);
  await stopped;
}
