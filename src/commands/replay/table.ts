/** Replay and signals tables: the shared plain-text table (src/ui/table.ts). */
export { table as formatTable } from '../../ui/table.js';
