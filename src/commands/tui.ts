import { createElement } from 'react';
import type { Ctx } from '../context.js';
import { UserError } from '../errors.js';
import { storePath } from '../store/db.js';

export interface TuiOptions {
  server?: string;
  token?: string;
}

/** The server the TUI watches: --server, else the agent's configured server, else this box's `dcap up`. */
export function defaultServer(ctx: Ctx, given?: string): string {
  const config = ctx.config();
  const raw = given ?? config.agent.server ?? `http://${wildcardToLoopback(config.webhook.host)}:${config.webhook.port}`;
  try {
    const u = new URL(raw);
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) throw new Error(`unsupported protocol ${u.protocol}`);
  } catch (err) {
    throw new UserError(`--server "${raw}" is not a usable URL (${(err as Error).message}); e.g. --server http://127.0.0.1:8080`);
  }
  return raw.replace(/\/$/, '');
}

function wildcardToLoopback(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** `dcap tui`: live positions, signals and agents in the terminal (docs/tui.md). */
export async function tui(ctx: Ctx, opts: TuiOptions): Promise<void> {
  if (ctx.json || !process.stdin.isTTY || !process.stdout.isTTY) {
    throw new UserError(
      'the TUI needs an interactive terminal (stdin and stdout must be a TTY). For scripts: dcap positions --json, dcap signals list --json, dcap agent list --json',
    );
  }
  const token = opts.token ?? ctx.env.DCAP_TOKEN;
  if (!token) {
    throw new UserError('the TUI needs a read token: --token <token> or env DCAP_TOKEN (create one on the server with: dcap token create <name> --read)');
  }
  const server = defaultServer(ctx, opts.server);
  const dataDir = ctx.config().dataDir;
  // Ink renders only the final frame when it believes it runs in CI (env CI set, read when ink
  // loads). We checked for a TTY above: this is an interactive terminal, so draw every frame.
  process.env.CI = '0';
  process.env.CONTINUOUS_INTEGRATION = '0';
  const [{ render }, { App }, { serverSource }, { storeCloser }] = await Promise.all([
    import('ink'),
    import('../tui/app.js'),
    import('../tui/data.js'),
    import('../tui/actions.js'),
  ]);
  const app = render(
    createElement(App, {
      source: serverSource({ server, token }),
      closer: storeCloser(storePath(dataDir), () => ctx.db()),
      server,
    }),
  );
  await app.waitUntilExit();
}
