import { sql as m001 } from './001-init.js';
import { sql as m002 } from './002-agents.js';
import { sql as m003 } from './003-tokens.js';
import { sql as m004 } from './004-ea.js';
import { sql as m005 } from './005-ea-deployments.js';

/** Numbered, append-only. The schema version of a database is the number of the last one applied. */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  { version: 1, name: 'init', sql: m001 },
  { version: 2, name: 'agents', sql: m002 },
  { version: 3, name: 'tokens', sql: m003 },
  { version: 4, name: 'ea', sql: m004 },
  { version: 5, name: 'ea-deployments', sql: m005 },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
