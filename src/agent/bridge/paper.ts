/**
 * `--bridge paper`: the paper terminal (src/paper/terminal.ts) run in this process on a files
 * folder, driven through the real file bridge, so the paper path exercises exactly the files an
 * MT5 terminal would see.
 */
import type { Logger } from '../../log.js';

export interface PaperHandle {
  stop(): Promise<void>;
}

interface PaperModule {
  PaperTerminal: new (opts: { filesDir: string; bridgeId?: string; log?: Logger }) => { start(): Promise<void>; stop(): Promise<void> };
}

// A variable specifier keeps this file compiling while src/paper/terminal.ts is being written.
const PAPER_MODULE = '../../paper/terminal.js';

export async function startPaperTerminal(opts: { filesDir: string; bridgeId: string; log: Logger }): Promise<PaperHandle> {
  const { PaperTerminal } = (await import(PAPER_MODULE)) as PaperModule;
  const terminal = new PaperTerminal({ filesDir: opts.filesDir, bridgeId: opts.bridgeId, log: opts.log.child({ component: 'paper' }) });
  await terminal.start();
  opts.log.info({ event: 'paper.started', filesDir: opts.filesDir, bridgeId: opts.bridgeId }, 'paper terminal running in-process');
  return { stop: () => terminal.stop() };
}
