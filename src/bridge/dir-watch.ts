/**
 * Names appearing in (or leaving) one folder of the bridge, from the OS's own notifications
 * (inotify, ReadDirectoryChangesW, FSEvents through fs.watch), not chokidar: chokidar re-reads the
 * whole folder and lstat()s every entry on each event, and adds a watch per file. That was the
 * largest CPU cost of the agent with the paper terminal under load, and added milliseconds to
 * every command and result (bench/latency.mjs). Callers keep a periodic scan as well: events are
 * lost on network shares, some wine setups and an overflowing inotify queue.
 */
import { watch, type FSWatcher } from 'node:fs';

/**
 * Calls `onName` with the file name of every event in `dir` (a creation, a rename into place, a
 * deletion; callers check what they find), or with null when the platform did not say which.
 * Returns the watcher to close, or undefined when the folder cannot be watched (the scan remains).
 */
export function watchDir(dir: string, onName: (name: string | null) => void, onError: (err: unknown) => void): FSWatcher | undefined {
  try {
    const w = watch(dir, { persistent: false }, (_event, name) => onName(name === null ? null : String(name)));
    w.on('error', (err) => {
      w.close();
      onError(err);
    });
    return w;
  } catch (err) {
    onError(err);
    return undefined;
  }
}
