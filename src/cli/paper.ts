import type { Command } from 'commander';

/** Wires `dcap paper`. Handlers live in src/commands/ and are imported only when run. */
export function registerPaper(program: Command): void {
  void program;
}
