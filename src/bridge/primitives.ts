/** Constants and building blocks shared by every protocol file schema (see protocol.ts). */
import { z } from 'zod';

/** Version of DcapBridge.mq5 this code speaks to; the EA reports its own in hello.json. */
export const BRIDGE_VERSION = '1.0.0';
/** The `v` field of every file. A reader refuses files with a higher `v`. */
export const PROTOCOL_VERSION = 1;

/** MT5 refuses order comments longer than this. */
export const MT5_COMMENT_MAX = 31;
export const TAG_PREFIX = 'dcap:';
export const SHORT_ID_LENGTH = 20;

export const JOB_ID_RE = /^(?=.*[A-Za-z0-9])[A-Za-z0-9_-]{1,64}$/;
/**
 * Job ids appear in file names, so only [A-Za-z0-9_-] is allowed, with at least one letter or
 * digit (an all-dash id would give an empty tag). dcap uses UUIDv7.
 */
export const JobIdSchema = z.string().regex(JOB_ID_RE, 'must be 1-64 characters of A-Z, a-z, 0-9, _ and -');

export const SEQ_MAX = 999_999_999_999; // 12 digits in the file name
export const Seq = z.number().int().nonnegative().max(SEQ_MAX);
/** Milliseconds since the epoch, UTC. */
export const TimeMs = z.number().int().nonnegative();
/** An MT5 ticket (order, deal or position). 0 means "none". */
export const Ticket = z.number().int().nonnegative();
export const Positive = z.number().positive();
export const SymbolName = z.string().min(1).max(64);
export const Magic = z.number().int().nonnegative();
export const Side = z.enum(['buy', 'sell']);

export const envelope = {
  v: z.literal(PROTOCOL_VERSION),
  seq: Seq,
  jobId: JobIdSchema,
  createdAt: TimeMs,
  /** The EA answers DCAP_EXPIRED instead of acting once this time has passed. */
  expiresAt: TimeMs.optional(),
};

