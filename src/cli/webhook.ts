import type { Command } from 'commander';
import { action, examples, number } from './action.js';

/** Wires `dcap webhook`. Handlers live in src/commands/ and are imported only when run. */
export function registerWebhook(program: Command): void {
  const webhook = program.command('webhook').description('the daemon that takes TradingView alerts');
  examples(
    webhook
      .command('start')
      .description(
        'serve POST /webhooks/tv/<secret> and GET /healthz until SIGINT/SIGTERM; prints "listening on http://HOST:PORT" once it accepts connections',
      )
      .option('--host <host>', 'address to listen on (config webhook.host, env DCAP_WEBHOOK_HOST; default 127.0.0.1)')
      .option('--port <port>', 'port; 0 takes a free one (config webhook.port, env DCAP_WEBHOOK_PORT; default 8080)', number)
      .action(action(async (ctx, opts) => (await import('../commands/webhook.js')).start(ctx, opts))),
    'dcap webhook start',
    'dcap webhook start --host 0.0.0.0 --port 8080 --data-dir /var/lib/dcap',
    'curl -d \'{"action":"buy","symbol":"EURUSD","qty":"0.1"}\' http://127.0.0.1:8080/webhooks/tv/<secret>',
  );
}
