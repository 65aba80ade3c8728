/**
 * `--bridge paper`: the paper terminal (src/paper/terminal.ts) run in this process on a files
 * folder, driven through the real file bridge, so the paper path exercises exactly the files an
 * MT5 terminal would see.
 */
import type { Logger } from '../../log.js';

export interface PaperHandle {
  stop(): Promise<void>;
}

export async function startPaperTerminal(opts: { filesDir: string; bridgeId: string; log: Logger }): Promise<PaperHandle> {
  // Imported only for --bridge paper: a real terminal's agent never loads the simulator.
  const { PaperTerminal } = await import('../../paper/terminal.js');
  const terminal = new PaperTerminal({ filesDir: opts.filesDir, bridgeId: opts.bridgeId, log: opts.log.child({ component: 'paper' }) });
  await terminal.start();
  opts.log.info({ event: 'paper.started', filesDir: opts.filesDir, bridgeId: opts.bridgeId }, 'paper terminal running in-process');
  return { stop: () => terminal.stop() };
}
