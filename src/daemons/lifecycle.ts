import type { Logger } from '../log.js';

/**
 * Waits for SIGINT/SIGTERM, then runs `stop` (stop intake, drain, close). A second signal while
 * stopping forces the exit: the operator always wins. Returns when `stop` has finished.
 */
export function untilSignal(stop: () => Promise<void>, log: Logger): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ event: 'shutdown.forced', signal }, 'second signal: exiting now');
        // The one place outside bin/ that exits: a forced exit cannot wait for anything.
        process.exit(130);
      }
      stopping = true;
      log.info({ event: 'shutdown.start', signal }, 'stopping: no new requests, draining');
      // Report what keeps the process alive if draining hangs (unref'd: never holds it open itself).
      setTimeout(() => {
        const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
        log.warn({ event: 'shutdown.slow', handles: handles.map((h) => (h as object)?.constructor?.name) }, 'still stopping');
      }, 15_000).unref();
      stop().then(
        () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          log.info({ event: 'shutdown.done' }, 'stopped');
          resolve();
        },
        reject,
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
