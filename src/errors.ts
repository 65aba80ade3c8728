/**
 * The few error classes of dcap. Only `src/cli.ts` turns them into exit codes:
 * a UserError is printed without a stack; anything else is a bug.
 */

/** Exit codes shared by every command. Documented in docs/cli.md. */
export const EXIT = {
  OK: 0,
  /** A failure the user can fix: bad input, missing strategy, replay differences. */
  FAILURE: 1,
  /** Bad command line (unknown option, missing argument). */
  USAGE: 2,
  /** The database was written by a newer dcap: refusing to touch it. */
  STORE_TOO_NEW: 3,
  /** The database cannot be opened or written (locked, read-only, corrupt). */
  STORE_UNAVAILABLE: 4,
  /** An unexpected error: a bug. */
  BUG: 70,
} as const;

/** An error caused by what the user asked for; shown as its message, exit 1 (or `code`). */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.FAILURE,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Ends the command with an exit code after it has printed what it needed to. */
export class ExitError extends Error {
  override name = 'ExitError';
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export class StoreTooNewError extends UserError {
  override name = 'StoreTooNewError';
  constructor(file: string, found: number, known: number) {
    super(
      `${file} has schema version ${found}, but this dcap only knows up to ${known}. ` +
        `It was written by a newer dcap: upgrade dcap, or point --data-dir elsewhere. Nothing was changed.`,
      EXIT.STORE_TOO_NEW,
    );
  }
}

export class StoreUnavailableError extends UserError {
  override name = 'StoreUnavailableError';
  constructor(file: string, cause: unknown) {
    super(`cannot open the store ${file}: ${(cause as Error)?.message ?? String(cause)}`, EXIT.STORE_UNAVAILABLE, {
      cause,
    });
  }
}
