import type { Command } from 'commander';

/** Wires `dcap signals`. Handlers live in src/commands/ and are imported only when run. */
export function registerSignals(program: Command): void {
  void program;
}
