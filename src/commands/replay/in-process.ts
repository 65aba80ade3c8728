import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { Intake } from '../../daemons/webhook/intake.js';
import { parseStrategiesFile, type ExportedStrategy } from '../../core/settings.js';
import { EXIT, StoreTooNewError, UserError } from '../../errors.js';
import { openDb, storePath, type DB } from '../../store/db.js';
import { SCHEMA_VERSION } from '../../store/migrations/index.js';
import { getStrategyByName, listStrategies, upsertStrategies, type StrategyRow } from '../../store/strategies.js';
import type { FixtureLine } from './fixtures.js';
import type { Reply } from './result.js';

/**
 * Replays alerts through the daemon's own Intake, against a throwaway in-memory store, with the
 * recorded `at` as the clock: dedup windows, rate limits, trading hours and max signal age give
 * the same outcome on every run and every machine. Nothing touches the data dir's store.
 */
export class InProcessRunner {
  private readonly db: DB;
  private readonly intake: Intake;
  private readonly strategies = new Map<string, StrategyRow | undefined>();

  constructor(strategies: ExportedStrategy[], dedupWindowMs: number, now = Date.now()) {
    // OFF: nothing here needs to survive a crash; fsyncs would only slow the replay down.
    this.db = openDb(':memory:', { synchronous: 'OFF' });
    upsertStrategies(this.db, strategies, now);
    this.intake = new Intake(this.db, { dedupWindowMs });
  }

  /** One transaction per batch: per-alert commits would cap the replay at a few thousand/s. */
  send(lines: FixtureLine[]): Reply[] {
    return this.db.transaction(() =>
      lines.map((l) =>
        this.intake.handle(this.strategy(l.strategy), {
          body: l.body,
          receivedAt: l.at,
          ...(l.contentType !== undefined ? { contentType: l.contentType } : {}),
        }),
      ),
    )();
  }

  private strategy(name: string): StrategyRow | undefined {
    if (!this.strategies.has(name)) this.strategies.set(name, getStrategyByName(this.db, name));
    return this.strategies.get(name);
  }

  close(): void {
    this.db.close();
  }
}

/** Strategies from an export file (`dcap strategy export`). */
export function strategiesFromFile(file: string): ExportedStrategy[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read strategies file ${file}: ${(err as Error).message}`, undefined, { cause: err });
  }
  return parseStrategiesFile(text, file);
}

/**
 * The data dir's strategies, without writing anything there. When no process has the store open
 * (no -wal file), the file is read into memory and queried there: even a read-only SQLite
 * connection would leave -wal/-shm files behind. With a -wal present (a running daemon), a
 * read-only connection sees its latest commits, and the files it uses exist already.
 */
export function strategiesFromDataDir(dataDir: string): ExportedStrategy[] {
  const file = storePath(dataDir);
  let db: DB;
  try {
    db = existsSync(`${file}-wal`) ? openDb(file, { readonly: true }) : snapshot(file);
  } catch (err) {
    if ((err as UserError).exitCode === EXIT.STORE_TOO_NEW) throw err;
    throw new UserError(
      `no strategies to replay against: cannot read ${file} (${(err as Error).message}). Pass --strategies FILE (written by dcap strategy export).`,
      undefined,
      { cause: err },
    );
  }
  try {
    return listStrategies(db).map((s) => ({ name: s.name, enabled: s.enabled, settings: s.settings }));
  } finally {
    db.close();
  }
}

function snapshot(file: string): DB {
  const bytes = readFileSync(file);
  // Header bytes 18-19 say "WAL"; an in-memory copy cannot use WAL, so mark it a rollback-journal file.
  if (bytes.length >= 20) bytes[18] = bytes[19] = 1;
  const db = new Database(bytes);
  const found = db.pragma('user_version', { simple: true }) as number;
  if (found > SCHEMA_VERSION) {
    db.close();
    throw new StoreTooNewError(file, found, SCHEMA_VERSION);
  }
  return db;
}
