import { sql as m001 } from './001-init.js';
import { sql as m002 } from './002-agents.js';

/** Numbered, append-only. The schema version of a database is the number of the last one applied. */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  { version: 1, name: 'init', sql: m001 },
  { version: 2, name: 'agents', sql: m002 },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
