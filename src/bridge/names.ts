/** File names and the dcap:<tag> order comment. */
import { MT5_COMMENT_MAX, TAG_PREFIX, SHORT_ID_LENGTH, JobIdSchema, SEQ_MAX } from './primitives.js';

/** `cmd/<seq zero-padded to 12>-<jobId>.json`: names sort in seq order. */
export function commandFileName(seq: number, jobId: string): string {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq > SEQ_MAX) {
    throw new RangeError(`seq must be an integer from 0 to ${SEQ_MAX}, got ${seq}`);
  }
  JobIdSchema.parse(jobId);
  return `cmd/${String(seq).padStart(12, '0')}-${jobId}.json`;
}

/** `res/<jobId>.json`. */
export function resultFileName(jobId: string): string {
  JobIdSchema.parse(jobId);
  return `res/${jobId}.json`;
}

const COMMAND_NAME_RE = /^(\d{12})-([A-Za-z0-9_-]{1,64})\.json$/;

/** Parses a command file's base name; null for anything else (temporary files, strays). */
export function parseCommandFileName(name: string): { seq: number; jobId: string } | null {
  const m = COMMAND_NAME_RE.exec(name);
  return m ? { seq: Number(m[1]), jobId: m[2]! } : null;
}

/**
 * The id in the `dcap:<short>` order comment: the job id without dashes, lower-cased, last 20
 * characters. For a UUIDv7 those are its 74 random (or counter) bits plus the version nibble;
 * the 48-bit timestamp is dropped, which costs nothing, as two jobs could only be confused if both
 * are in the EA's history window. With n jobs in that window, P(any two share a tag) ~ n^2 / 2^75:
 * 2.6e-11 for a million jobs. "dcap:" + 20 = 25 characters leaves 6 of MT5's 31 for user text.
 * The EA computes the same thing (ShortJobId in Include/Dcap/Util.mqh).
 */
export function shortJobId(jobId: string): string {
  JobIdSchema.parse(jobId);
  const s = jobId.replaceAll('-', '').toLowerCase();
  return s.length <= SHORT_ID_LENGTH ? s : s.slice(-SHORT_ID_LENGTH);
}

/** `dcap:<shortJobId>`: the prefix of every order comment the EA sends for this job. */
export function jobTag(jobId: string): string {
  return TAG_PREFIX + shortJobId(jobId);
}

/**
 * Whether an order/deal/position comment carries this tag: it starts with the tag and the tag is
 * not merely the start of a longer id ("dcap:job1" must not match "dcap:job12").
 */
export function commentHasTag(comment: string, tag: string): boolean {
  if (!comment.startsWith(tag)) return false;
  const next = comment.charAt(tag.length);
  return next === '' || !/[A-Za-z0-9_]/.test(next);
}

/** The order comment for a job: the tag, then the user's text if it fits in 31 characters. */
export function orderComment(jobId: string, text?: string): string {
  const tag = jobTag(jobId);
  const extra = (text ?? '').trim();
  return extra === '' ? tag : `${tag} ${extra}`.slice(0, MT5_COMMENT_MAX);
}

