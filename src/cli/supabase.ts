import type { Command } from 'commander';

/** Wires `dcap supabase`. Handlers live in src/commands/ and are imported only when run. */
export function registerSupabase(program: Command): void {
  void program;
}
