import { hostname } from 'node:os';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { v5 } from 'uuid';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { DB } from '../store/db.js';
import { chooseSink, DEFAULT_INTERVAL_MS } from './config.js';
import { SyncLoop, type SyncSnapshot } from './loop.js';
import { PgSink } from './sink-pg.js';
import type { Sink, SinkOp } from './sink.js';
import { SupabaseSink } from './sink-supabase.js';

export type { SyncSnapshot, SyncState } from './loop.js';
export { SyncLoop } from './loop.js';

export interface SyncHandle {
  stop(): Promise<void>;
  snapshot(): SyncSnapshot;
  loop: SyncLoop;
}

export interface StartSyncOptions {
  /** What this node is, for sync_nodes (webhook | agent | cli). */
  kind?: string;
  /** false: build the loop without starting it (dcap sync run --once drains it itself). */
  autoStart?: boolean;
}

/** Any fixed namespace: node ids are name-based (v5), so the same store keeps its id. */
const NODE_NAMESPACE = '5b8f0f52-2f7e-4d0c-9a39-6a3c2c7a4e11';

/**
 * A stable id for this node: its host name and the absolute path of its store. Moving the data
 * dir to another path or host makes it a new node in sync_nodes; the rows it syncs keep their ids.
 */
export function nodeIdOf(db: DB): string {
  return v5(`${hostname()}:${resolve(db.name)}`, NODE_NAMESPACE);
}

/**
 * Starts the outbox sync on any store with an `outbox` table. Never throws for a missing or
 * incomplete configuration: the sync is then off, says so once (an error when half-configured),
 * and the caller (a daemon) carries on.
 */
export function startSync(db: DB, config: Config, log: Logger, opts: StartSyncOptions = {}): SyncHandle {
  const choice = chooseSink(config.sync);
  const nodeId = nodeIdOf(db);
  let sink: Sink | null = null;
  let offReason: string | undefined;
  if (choice.kind === 'off') {
    offReason = choice.reason;
    if (choice.misconfigured) log.error({ event: 'sync.off' }, choice.reason);
    else log.info({ event: 'sync.off' }, choice.reason);
  } else {
    sink = choice.kind === 'postgres' ? new PgSink(choice.dbUrl) : new SupabaseSink(choice.url, choice.serviceRoleKey);
    log.info({ event: 'sync.start', sink: choice.kind, target: choice.target, nodeId }, 'syncing the outbox');
  }
  const userId = choice.kind === 'off' ? '' : choice.userId;
  const node: SinkOp = {
    kind: 'upsert',
    table: 'sync_nodes',
    rows: [{ id: nodeId, user_id: userId, name: hostname(), kind: opts.kind ?? 'cli', hostname: hostname(), dcap_version: version(), sync_seq: 0 }],
  };
  const loop = new SyncLoop({
    db,
    sink,
    offReason,
    log,
    map: { userId, nodeId },
    batchSize: config.sync.batchSize,
    intervalMs: config.sync.intervalMs ?? DEFAULT_INTERVAL_MS,
    node,
  });
  if (opts.autoStart !== false) loop.start();
  return { loop, stop: () => loop.stop(), snapshot: () => loop.snapshot() };
}

function version(): string {
  try {
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
