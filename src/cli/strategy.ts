import type { Command } from 'commander';

/** Wires `dcap strategy`. Handlers live in src/commands/ and are imported only when run. */
export function registerStrategy(program: Command): void {
  void program;
}
