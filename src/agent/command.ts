/**
 * A server job -> the bridge protocol's command (src/bridge/protocol.ts). Pure. A job the bridge
 * cannot express gets a local failed result instead of a command file.
 */
import { z } from 'zod';
import { CommandSchema, PROTOCOL_VERSION, type Command } from '../bridge/protocol.js';
import { RETCODES } from '../bridge/retcodes.js';
import { eaCommandBody } from '../ea/deploy-payload.js';
import type { ServerJob } from './client.js';

const FIELDS: Record<string, readonly string[]> = {
  trade: ['action', 'symbol', 'sourceSymbol', 'side', 'orderType', 'volume', 'riskPct', 'maxVolume', 'price', 'sl', 'tp', 'slPips', 'tpPips', 'deviationPoints', 'magic', 'comment', 'expiration'],
  close: ['action', 'symbol', 'sourceSymbol', 'ticket', 'volume', 'deviationPoints', 'magic', 'comment'],
  modify: ['symbol', 'sourceSymbol', 'ticket', 'side', 'sl', 'tp', 'slPips', 'tpPips', 'price', 'magic', 'comment'],
  cancel: ['symbol', 'sourceSymbol', 'ticket', 'side', 'magic', 'comment'],
};
/** EA jobs: the command names the files the agent staged (src/agent/deploy.ts), never their bytes. */
const EA_TYPES = new Set(['deploy', 'run', 'stop']);

export type Mapped = { ok: true; command: Command } | { ok: false; result: Record<string, unknown> };

/** Retcodes the agent answers itself with, never having written a command. */
const BAD_COMMAND = 20001;
const UNSUPPORTED = 20006;

export function toCommand(job: ServerJob, seq: number): Mapped {
  const envelope: Record<string, unknown> = { v: PROTOCOL_VERSION, seq, jobId: job.id, createdAt: job.createdAt };
  if (job.expiresAt) envelope.expiresAt = job.expiresAt;
  let body: Record<string, unknown>;
  const fields = FIELDS[job.type];
  if (fields) {
    body = { type: job.type };
    for (const f of fields) if (job.payload[f] !== undefined && job.payload[f] !== null) body[f] = job.payload[f];
    // modify and cancel have one action each; the alert's action names the job type.
    if (job.type === 'modify' || job.type === 'cancel') body.action = job.type;
  } else if (EA_TYPES.has(job.type)) {
    try {
      body = eaCommandBody(job.type as 'deploy' | 'run' | 'stop', job.payload);
    } catch (err) {
      return { ok: false, result: localResult(job, seq, BAD_COMMAND, `the ${job.type} job's payload is not valid: ${(err as Error).message}`) };
    }
  } else {
    return { ok: false, result: localResult(job, seq, UNSUPPORTED, `job type ${job.type} is not something the terminal bridge executes`) };
  }
  const parsed = CommandSchema.safeParse({ ...body, ...envelope });
  if (!parsed.success) return { ok: false, result: localResult(job, seq, BAD_COMMAND, `the job cannot be sent to the bridge: ${z.prettifyError(parsed.error)}`) };
  return { ok: true, command: parsed.data };
}

/** A result in the protocol's shape, for a job answered by the agent itself. */
export function localResult(job: Pick<ServerJob, 'id' | 'type'>, seq: number, retcode: number, error: string): Record<string, unknown> {
  return {
    v: PROTOCOL_VERSION,
    jobId: job.id,
    seq,
    type: job.type,
    ok: false,
    retcode,
    retcodeText: RETCODES[retcode]?.name ?? `UNKNOWN_${retcode}`,
    order: 0,
    deal: 0,
    ticket: 0,
    price: 0,
    volume: 0,
    comment: '',
    error,
    // Not a protocol source: the bridge never saw this job.
    source: 'agent',
    time: Date.now(),
  };
}
