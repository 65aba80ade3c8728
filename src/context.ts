import { loadConfig, type Config, type LogLevel } from './config.js';
import { createLogger, type Logger } from './log.js';
import { openDb, storePath, type DB } from './store/db.js';

/** Options every command accepts (see src/cli.ts). */
export interface GlobalOptions {
  dataDir?: string;
  config?: string;
  json?: boolean;
  logLevel?: LogLevel;
}

/**
 * What a command handler gets: parsed global options, config loading, the store, output.
 * Handlers print through `out`/`outJson` only, so `--json` keeps stdout machine-readable.
 */
export class Ctx {
  readonly json: boolean;
  private loaded?: Config;
  private openDbs: DB[] = [];
  private closers: (() => void | Promise<void>)[] = [];
  private logger?: Logger;

  constructor(
    readonly globals: GlobalOptions,
    readonly env: NodeJS.ProcessEnv = process.env,
    readonly cwd: string = process.cwd(),
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {
    this.json = globals.json ?? false;
  }

  /**
   * The configuration (defaults < file < env < global flags < `flags`). The first call fixes it;
   * commands with their own flags (e.g. --port) pass them on that first call.
   */
  config(flags: Record<string, unknown> = {}): Config {
    if (!this.loaded) {
      const globalFlags: Record<string, unknown> = {};
      if (this.globals.dataDir !== undefined) globalFlags.dataDir = this.globals.dataDir;
      if (this.globals.logLevel !== undefined) globalFlags.logLevel = this.globals.logLevel;
      this.loaded = loadConfig({
        file: this.globals.config,
        env: this.env,
        cwd: this.cwd,
        flags: { ...globalFlags, ...flags },
      }).config;
    }
    return this.loaded;
  }

  get log(): Logger {
    this.logger ??= createLogger(this.config().logLevel);
    return this.logger;
  }

  /** The data dir's store, opened (and migrated) on first use, closed when the command ends. */
  db(): DB {
    if (!this.openDbs[0]) this.openDbs.push(openDb(storePath(this.config().dataDir)));
    return this.openDbs[0]!;
  }

  /** Runs `fn` when the command ends (after the handler returns or throws). */
  onClose(fn: () => void | Promise<void>): void {
    this.closers.push(fn);
  }

  /** Human output on stdout (a trailing newline is added). Silent under --json. */
  out(text: string): void {
    if (!this.json) this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Machine output on stdout: one JSON document. */
  outJson(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Prints `value` as JSON under --json, else `text()`. */
  result(value: unknown, text: () => string): void {
    if (this.json) this.outJson(value);
    else this.out(text());
  }

  /** Messages for the user that are not the command's output (warnings, progress). */
  err(text: string): void {
    this.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  async close(): Promise<void> {
    for (const fn of this.closers.splice(0).reverse()) await fn();
    for (const db of this.openDbs.splice(0)) if (db.open) db.close();
  }
}
