import type { Command } from 'commander';
import { action, examples, number } from './action.js';

const REDIS_HELP = 'join other relay instances through Redis pub/sub (env DCAP_REDIS_URL)';
const HEARTBEAT_HELP = 'ping interval; a client silent for two of them is cut (default 30s)';

/** Wires `dcap relay` and `dcap up`. Handlers live in src/commands/ and are imported only when run. */
export function registerRelay(program: Command): Command {
  const relay = program.command('relay').description('the price relay: ticks from agents to subscribers over WebSocket (docs/relay.md)');
  examples(
    relay
      .command('start')
      .description('serve the relay on its own port until SIGINT/SIGTERM; prints "listening on ws://HOST:PORT" once it accepts connections')
      .option('--host <host>', 'address to listen on (default 127.0.0.1)')
      .option('--port <port>', 'port; 0 takes a free one (default 8081)', number)
      .option('--redis <url>', REDIS_HELP)
      .option('--redis-prefix <prefix>', 'Redis channel prefix; instances sharing it share one stream (env DCAP_RELAY_REDIS_PREFIX; default dcap:relay:)')
      .option('--heartbeat <duration>', HEARTBEAT_HELP)
      .action(action(async (ctx, opts) => (await import('../commands/relay.js')).start(ctx, opts))),
    'dcap relay start',
    'dcap relay start --host 0.0.0.0 --port 8081 --redis redis://127.0.0.1:6379',
    'websocat -H "Authorization: Bearer $TOKEN" ws://127.0.0.1:8081   # then send {"op":"subscribe","symbols":["EURUSD"]}',
  );
  examples(
    program
      .command('up')
      .description(
        'run the webhook daemon and the relay in one process on one port (WebSocket at /ws); prints "listening on http://HOST:PORT"',
      )
      .option('--host <host>', 'address to listen on (config webhook.host, env DCAP_WEBHOOK_HOST; default 127.0.0.1)')
      .option('--port <port>', 'port; 0 takes a free one (config webhook.port, env DCAP_WEBHOOK_PORT; default 8080)', number)
      .option('--redis <url>', REDIS_HELP)
      .option('--redis-prefix <prefix>', 'Redis channel prefix (env DCAP_RELAY_REDIS_PREFIX; default dcap:relay:)')
      .option('--heartbeat <duration>', HEARTBEAT_HELP)
      .action(action(async (ctx, opts) => (await import('../commands/up.js')).up(ctx, opts))),
    'dcap up',
    'dcap up --host 0.0.0.0 --port 8080',
    'dcap up --redis redis://127.0.0.1:6379',
  );
  return relay;
}
