import { v7 } from 'uuid';

/**
 * Every row id is a UUIDv7: unique across the nodes that sync into one Supabase project,
 * and time-ordered, so primary-key order is (almost) arrival order and B-tree inserts append.
 */
export function newId(): string {
  return v7();
}
