/** The shape of a replay's outcome, shared by both runners, the output and --expect. */

/** What the intake answered, in-process or over HTTP. */
export interface Reply {
  httpStatus: number;
  body?: {
    status?: string;
    reason?: string;
    error?: { code?: string };
  };
}

export interface ReplayResult {
  index: number;
  strategy: string;
  /** body.status, or a name for the replies that have no body. */
  status: string;
  httpStatus: number;
  /** The block reason, the error code of a rejection, else null. */
  reason: string | null;
}

export interface ReplaySummary {
  total: number;
  byStatus: Record<string, number>;
  elapsedMs: number;
  alertsPerSecond: number;
}

const BODYLESS: Record<number, string> = { 404: 'not_found', 405: 'method_not_allowed', 413: 'too_large', 429: 'rate_limited', 503: 'unavailable' };

export function toResult(index: number, strategy: string, reply: Reply): ReplayResult {
  const body = reply.body;
  const status = typeof body?.status === 'string' ? body.status : (BODYLESS[reply.httpStatus] ?? `http_${reply.httpStatus}`);
  let reason: string | null = null;
  if (status === 'rejected' && typeof body?.error?.code === 'string') reason = body.error.code;
  else if (status === 'blocked' && typeof body?.reason === 'string') reason = body.reason;
  return { index, strategy, status, httpStatus: reply.httpStatus, reason };
}

export function summarize(results: ReplayResult[], elapsedMs: number): ReplaySummary {
  const byStatus: Record<string, number> = {};
  for (const r of results) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const alertsPerSecond = elapsedMs > 0 ? Math.round((results.length * 1000) / elapsedMs) : results.length;
  return { total: results.length, byStatus, elapsedMs: Math.round(elapsedMs), alertsPerSecond };
}
