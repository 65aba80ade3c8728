import { Option, type Command } from 'commander';
import { action, collect, examples } from './action.js';

/** Wires `dcap agent`. Handlers live in src/commands/agent/ and are imported only when run. */
export function registerAgent(program: Command): Command {
  const agent = program.command('agent').description('MT5 agents: pair them with the webhook daemon, see their health, run one');
  examples(
    agent
      .command('pair <name>')
      .description('create an agent and print its id and key once (the key is stored hashed)')
      .action(action(async (ctx, name: string) => (await import('../commands/agent/manage.js')).pair(ctx, name))),
    'dcap agent pair vps-1',
    'dcap agent pair vps-1 --json   # {"agentId":"...","key":"..."}',
  );
  examples(
    agent
      .command('list')
      .description('every agent: online/offline, heartbeat age, terminal connected, AutoTrading allowed, account, bridge version')
      .action(action(async (ctx) => (await import('../commands/agent/manage.js')).list(ctx))),
    'dcap agent list',
    'dcap agent list --json',
  );
  examples(
    agent
      .command('revoke <name>')
      .description('revoke an agent: its key stops working at once; its history is kept')
      .action(action(async (ctx, name: string) => (await import('../commands/agent/manage.js')).revoke(ctx, name))),
    'dcap agent revoke vps-1',
  );
  examples(
    agent
      .command('start')
      .description('run the agent beside MT5: pull jobs from the webhook daemon, execute them through the bridge, report results (never listens on a port)')
      .option('--server <url>', 'webhook daemon base URL (env DCAP_SERVER)')
      .option('--agent-id <id>', 'agent id from dcap agent pair (env DCAP_AGENT_ID)')
      .option('--key <key>', 'agent key from dcap agent pair (env DCAP_AGENT_KEY; prefer the env var: flags show in ps)')
      .addOption(new Option('--bridge <kind>', 'file: DcapBridge EA in MT5; paper: the built-in paper terminal (env DCAP_BRIDGE)').choices(['file', 'paper']))
      .option('--files-dir <dir>', 'MT5 Common\\Files folder (env DCAP_FILES_DIR; default on Windows: %APPDATA%\\MetaQuotes\\Terminal\\Common\\Files; paper: <data-dir>/paper-files)')
      .option('--bridge-id <id>', 'bridge folder <files-dir>/dcap/<id>/, one per terminal (env DCAP_BRIDGE_ID; default "default")')
      .option('--terminal-dir <dir>', "the terminal's data folder, the parent of MQL5, where deploy jobs put EAs (env DCAP_TERMINAL_DIR; paper: a folder of its own)")
      .option('--metaeditor <path>', 'MetaEditor64.exe for compile jobs (env DCAP_METAEDITOR, config ea.metaeditor; none: compile jobs fail)')
      .option('--relay <url>', "price relay to publish the terminal's ticks to: ws://HOST:PORT/ws, or off (env DCAP_RELAY_URL; default: the /ws of --server, as dcap up serves)")
      .option('--watch <symbols>', 'symbols to stream besides those with open positions, comma-separated, repeatable (env DCAP_WATCH)', collect)
      .action(action(async (ctx, opts) => (await import('../commands/agent/start.js')).start(ctx, opts))),
    'DCAP_AGENT_KEY=... dcap agent start --server http://10.0.0.5:8080 --agent-id 0193... --bridge file',
    'dcap agent start --server http://127.0.0.1:8080 --agent-id 0193... --key ... --bridge file --files-dir ~/.wine/drive_c/users/me/AppData/Roaming/MetaQuotes/Terminal/Common/Files',
    'dcap agent start --server http://127.0.0.1:8080 --agent-id 0193... --key ... --bridge paper --data-dir .dcap-agent',
    'dcap agent start --server http://127.0.0.1:8080 --agent-id 0193... --bridge paper --watch EURUSD,GBPUSD   # ticks to the /ws of dcap up',
    'dcap agent start --server http://10.0.0.5:8080 --agent-id 0193... --bridge file --relay ws://10.0.0.6:8081 --watch XAUUSD',
    'dcap agent start --server http://10.0.0.5:8080 --agent-id 0193... --bridge file --relay off   # no ticks',
    'dcap agent start --server http://10.0.0.5:8080 --agent-id 0193... --bridge file --terminal-dir "$HOME/.wine/drive_c/users/$USER/AppData/Roaming/MetaQuotes/Terminal/<hash>" --metaeditor "$HOME/.wine/drive_c/Program Files/MetaTrader 5/MetaEditor64.exe"',
  );
  examples(
    program
      .command('positions')
      .description("account and open positions per agent, from each agent's latest reported state")
      .option('--agent <name>', 'only this agent')
      .action(action(async (ctx, opts) => (await import('../commands/positions.js')).positions(ctx, opts))),
    'dcap positions',
    'dcap positions --agent vps-1 --json',
  );
  examples(
    program
      .command('demo')
      .description(
        'the whole pipeline on a throwaway data dir, no accounts, no network: webhook daemon, paper terminal, agent; replays fixtures/alerts/demo.jsonl and prints signals, fills, positions and P&L',
      )
      .option('--alerts <file>', 'alerts to replay (fixture format; default fixtures/alerts/demo.jsonl)')
      .option('--keep', 'keep the throwaway data dir and print where it is')
      .option('--timeout <seconds>', 'how long to wait for the fills', (v) => Number(v), 30)
      .action(action(async (ctx, opts) => (await import('../commands/demo.js')).demo(ctx, opts))),
    'dcap demo',
    'dcap demo --json',
  );
  return agent;
}
