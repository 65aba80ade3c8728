import type { Command } from 'commander';

/** Wires `dcap init`. Handlers live in src/commands/ and are imported only when run. */
export function registerInit(program: Command): void {
  void program;
}
