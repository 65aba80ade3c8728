import type { Command } from 'commander';

/** Wires `dcap webhook`. Handlers live in src/commands/ and are imported only when run. */
export function registerWebhook(program: Command): void {
  void program;
}
