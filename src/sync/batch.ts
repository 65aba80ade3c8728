import { SYNC_TABLES, type Row, type SyncTableName } from '../supabase/upsert.js';
import { mapEvent, MappingError, type MapContext, type OutboxRow } from './mapping.js';
import type { SinkOp } from './sink.js';

export interface Plan {
  ops: SinkOp[];
  /** Outbox rows that cannot be mapped: dead at once, with the reason. */
  unmappable: { seq: number; error: string }[];
  /** `<table>:<key>` -> the outbox seqs folded into that target row (to dead-letter a missed patch). */
  sources: Map<string, number[]>;
}

interface Folded {
  table: SyncTableName;
  full: boolean;
  row: Row;
}

/**
 * Turns a run of outbox rows (in seq order) into sink writes. Events about one row are folded
 * in seq order into one target row: a patch merges onto the full row before it (a signal
 * recorded and executed in the same batch is sent once, complete); a later full row replaces
 * what came before; a duplicate append-only event keeps the first. Folding keeps per-row order
 * without relying on the order of statements, so the writes are grouped: one upsert per table
 * (full rows), then one patch per table (changes to rows sent in earlier batches). Tables have
 * no foreign keys between them (see the schema), so the order across tables does not matter.
 */
export function planBatch(events: readonly OutboxRow[], ctx: MapContext): Plan {
  const folded = new Map<string, Folded>();
  const sources = new Map<string, number[]>();
  const unmappable: Plan['unmappable'] = [];
  for (const ev of events) {
    let rows;
    try {
      rows = mapEvent(ev, ctx);
    } catch (err) {
      if (!(err instanceof MappingError)) throw err;
      unmappable.push({ seq: ev.seq, error: `${ev.type}: ${err.message}` });
      continue;
    }
    for (const t of rows) {
      const spec = SYNC_TABLES[t.table];
      const key = `${t.table}:${String(t.row[spec.key])}`;
      const seqs = sources.get(key);
      if (seqs) seqs.push(ev.seq);
      else sources.set(key, [ev.seq]);
      const seen = folded.get(key);
      if (!seen) folded.set(key, { table: t.table, full: t.full, row: { ...t.row } });
      else if (spec.kind === 'event') continue;
      else if (t.full) folded.set(key, { table: t.table, full: true, row: { ...t.row } });
      else Object.assign(seen.row, t.row);
    }
  }
  const upserts = new Map<SyncTableName, Row[]>();
  const patches = new Map<SyncTableName, Row[]>();
  for (const f of folded.values()) {
    const into = f.full ? upserts : patches;
    const list = into.get(f.table);
    if (list) list.push(f.row);
    else into.set(f.table, [f.row]);
  }
  const ops: SinkOp[] = [
    ...[...upserts].map(([table, rows]) => ({ kind: 'upsert' as const, table, rows })),
    ...[...patches].map(([table, rows]) => ({ kind: 'patch' as const, table, rows })),
  ];
  return { ops, unmappable, sources };
}
