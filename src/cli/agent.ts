import type { Command } from 'commander';
import { action, examples } from './action.js';

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
    program
      .command('positions')
      .description("account and open positions per agent, from each agent's latest reported state")
      .option('--agent <name>', 'only this agent')
      .action(action(async (ctx, opts) => (await import('../commands/positions.js')).positions(ctx, opts))),
    'dcap positions',
    'dcap positions --agent vps-1 --json',
  );
  return agent;
}
