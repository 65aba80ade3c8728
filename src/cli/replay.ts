import { Option, type Command } from 'commander';
import { action, collect, examples } from './action.js';

/** Wires `dcap replay`. Handlers live in src/commands/ and are imported only when run. */
export function registerReplay(program: Command): void {
  examples(
    program
      .command('replay')
      .description(
        'replay recorded alerts (JSON lines {"strategy","contentType","body","at"}) in-process against a throwaway store, or against a running daemon with --target; compare outcomes with --expect',
      )
      .argument('<paths...>', 'fixture files, or directories (every *.jsonl inside, sorted by name)')
      .option('--strategies <file>', 'strategies to replay against (dcap strategy export format); default: the data dir\'s strategies, read-only')
      .option('--target <url>', 'POST each alert to a running webhook daemon at this base URL instead')
      .option('--secret <name=secret>', 'webhook secret of a strategy for --target (repeatable; default: <data-dir>/secrets.json)', collect, [])
      .addOption(new Option('--speed <speed>', 'max, or keep the recorded gaps between alerts divided by a factor: 1x, 10x').default('max'))
      .option('--expect <file>', 'compare the results with this file (replay --json output); exit 1 with a diff on any difference')
      .option('--update-expect', 'write the results to the --expect file instead of comparing')
      .action(
        action(async (ctx, paths: string[], opts) => (await import('../commands/replay/index.js')).replay(ctx, paths, opts)),
      ),
    'dcap replay fixtures/alerts --strategies fixtures/alerts/strategies.json',
    'dcap replay fixtures/alerts --strategies fixtures/alerts/strategies.json --expect fixtures/alerts/expect.json',
    'dcap replay fixtures/alerts --strategies fixtures/alerts/strategies.json --expect fixtures/alerts/expect.json --update-expect',
    'dcap replay alerts.jsonl --target http://127.0.0.1:8080 --secret trend=SECRET --speed 10x',
    'dcap signals export --since 24h --out today.jsonl && dcap replay today.jsonl --json',
  );
}
