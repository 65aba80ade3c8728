/**
 * The bridge file protocol between the agent and DcapBridge.mq5 (or the paper terminal):
 * zod schemas for every file in <Common\Files>/dcap/<bridge-id>/. docs/bridge.md is the prose
 * version of this file; keep the two in step (test/bridge-fixtures.test.ts checks the examples).
 *
 * Objects strip unknown fields instead of rejecting them, so a newer EA can add fields
 * without breaking an older agent. Numbers are finite (zod 4 rejects NaN and Infinity).
 */

export { SymbolSpecSchema, SymbolsFileSchema, type SymbolSpec, type SymbolsFile } from './symbols.js';
export { BRIDGE_VERSION, PROTOCOL_VERSION, MT5_COMMENT_MAX, TAG_PREFIX, JobIdSchema } from './primitives.js';
export * from './commands.js';
export * from './result-files.js';
export * from './names.js';
