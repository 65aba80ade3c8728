/**
 * Finishing jobs the agent claimed but has no result for: after a restart (kill -9 between writing
 * a command and reading its result) and, periodically, for a command the terminal consumed without
 * answering. Prefer what the bridge already did; write a command only when none is there; never
 * resend blindly (a re-written command is answered from the EA's processed-job memory or the
 * `dcap:` tag it finds in the terminal, so it cannot trade twice).
 */
import type { Logger } from '../log.js';
import type { FileBridge } from './bridge/file.js';
import { toCommand } from './command.js';
import type { LocalJobs } from './deploy.js';
import type { AgentJob, AgentStore } from './outbox.js';
import type { ResultIngest } from './results.js';

export interface ReconcileDeps {
  store: AgentStore;
  bridge: FileBridge;
  ingest: ResultIngest;
  log: Logger;
  /** The lowest seq a new command may take: above the EA's lastSeq and anything in cmd/. */
  minSeq: () => Promise<number>;
  /** Called when a job got a local result (its command could not be built). */
  queued: () => void;
  local?: LocalJobs;
}

export interface ReconcileReport {
  finished: number;
  waiting: number;
  written: number;
}

/**
 * One pass over the open jobs. `lostAfterMs`: a job whose command file was written, is gone from
 * cmd/, and has had no result for this long is written again (with a fresh seq); 0 at start-up
 * would rewrite too eagerly, so the caller passes a grace period.
 */
export async function reconcile(d: ReconcileDeps, lostAfterMs: number, now = Date.now()): Promise<ReconcileReport> {
  const report: ReconcileReport = { finished: 0, waiting: 0, written: 0 };
  const open = d.store.openJobs();
  if (open.length === 0) return report;
  const inCmd = new Set((await d.bridge.pendingCommands()).map((c) => c.jobId));
  for (const job of open) {
    if (d.local?.takes(job.job)) {
      // Run by the agent itself (compile): restarted after a restart, else left running.
      d.local.start(job.job, job.seq);
      report.waiting++;
      continue;
    }
    const res = await d.bridge.readResult(job.jobId);
    if (res.ok) {
      await d.ingest.onResult(job.jobId);
      report.finished++;
      continue;
    }
    if (inCmd.has(job.jobId)) {
      if (job.stage === 'claimed') d.store.markWritten(job.jobId, toCommandOrNull(job) ?? {}, now);
      report.waiting++;
      continue;
    }
    if (job.stage === 'claimed') {
      await writeFor(d, job, job.seq, 'the command was never written (restart between claim and write)');
      report.written++;
      continue;
    }
    if (now - job.updatedAt >= lostAfterMs) {
      const seq = d.store.reseq(job.jobId, await d.minSeq(), now);
      await writeFor(d, job, seq, 'the command left cmd/ without a result');
      report.written++;
    } else report.waiting++;
  }
  if (report.finished + report.written > 0 || report.waiting > 0) d.log.info({ event: 'reconcile', ...report }, 'reconciled open jobs');
  return report;
}

function toCommandOrNull(job: AgentJob): Record<string, unknown> | null {
  const m = toCommand(job.job, job.seq);
  return m.ok ? (m.command as Record<string, unknown>) : null;
}

async function writeFor(d: ReconcileDeps, job: AgentJob, seq: number, why: string): Promise<void> {
  const m = toCommand(job.job, seq);
  const refused = m.ok ? await d.local?.beforeCommand(job.job, seq) : null;
  if (!m.ok || refused) {
    d.store.recordResult(job.jobId, m.ok ? refused! : m.result, [], Date.now());
    d.queued();
    return;
  }
  await d.bridge.writeCommand(m.command);
  d.store.markWritten(job.jobId, m.command as Record<string, unknown>, Date.now());
  d.log.warn({ event: 'reconcile.write', jobId: job.jobId, seq, why }, `writing the command of job ${job.jobId} (${why}); the EA answers it from its memory if it ran already`);
}
