/**
 * Schema version 1. Times are integer milliseconds since the epoch (UTC); JSON columns hold
 * validated objects (see src/store/*.ts for their shapes). Migrations are append-only: never
 * edit one that has shipped, add the next number.
 */
export const sql = `
CREATE TABLE strategies (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  enabled     INTEGER NOT NULL DEFAULT 1,
  settings    TEXT NOT NULL,           -- JSON StrategySettings
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  removed_at  INTEGER                  -- soft delete: signals keep pointing at the row
);
-- A removed strategy's name can be used again.
CREATE UNIQUE INDEX strategies_name ON strategies(name) WHERE removed_at IS NULL;

CREATE TABLE strategy_secrets (
  id          TEXT PRIMARY KEY,
  strategy_id TEXT NOT NULL REFERENCES strategies(id) ON DELETE CASCADE,
  hash        TEXT NOT NULL UNIQUE,    -- sha256 hex of the secret; the secret itself is never stored
  prefix      TEXT NOT NULL,           -- first 8 characters, the only part ever shown in logs
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER                  -- NULL: current secret; set by rotation (grace period)
);
CREATE INDEX strategy_secrets_strategy ON strategy_secrets(strategy_id);

CREATE TABLE signals (
  id           TEXT PRIMARY KEY,
  strategy_id  TEXT NOT NULL REFERENCES strategies(id),
  received_at  INTEGER NOT NULL,
  source_ip    TEXT,
  content_type TEXT,
  raw_body     TEXT NOT NULL,
  body_hash    TEXT NOT NULL,          -- sha256 hex of raw_body, for the identical-body dedup window
  format       TEXT,                   -- json | pine, NULL when unparseable
  alert_id     TEXT,                   -- the alert's explicit "id", for per-strategy dedup
  parsed       TEXT,                   -- JSON Alert after normalisation, NULL when rejected
  symbol       TEXT,
  action       TEXT,
  outcome      TEXT NOT NULL,          -- intake outcome, never changes: accepted|duplicate|discarded|blocked|rejected
  status       TEXT NOT NULL,          -- lifecycle: the outcome, then executed|failed for accepted signals
  reason       TEXT,                   -- blocked reason, or rejection error code
  error        TEXT,                   -- JSON {code,message,field} for rejected signals
  http_status  INTEGER NOT NULL,
  duplicate_of TEXT,
  job_id       TEXT,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX signals_strategy_time ON signals(strategy_id, received_at);
CREATE INDEX signals_status_time ON signals(status, received_at);
CREATE INDEX signals_received ON signals(received_at);
-- Dedup look-ups (only over signals that were valid: accepted or blocked).
CREATE INDEX signals_alert_id ON signals(strategy_id, alert_id) WHERE alert_id IS NOT NULL AND outcome IN ('accepted','blocked');
CREATE INDEX signals_body_hash ON signals(strategy_id, body_hash, received_at) WHERE outcome IN ('accepted','blocked');

CREATE TABLE jobs (
  id           TEXT PRIMARY KEY,
  signal_id    TEXT REFERENCES signals(id),
  strategy_id  TEXT REFERENCES strategies(id),
  agent        TEXT,                   -- agent name; NULL: any agent may take it
  type         TEXT NOT NULL,          -- trade|close|modify|cancel|compile|deploy|run|stop
  payload      TEXT NOT NULL,          -- JSON, shape per type (src/core/job.ts)
  status       TEXT NOT NULL,          -- pending|running|done|failed
  attempts     INTEGER NOT NULL DEFAULT 0,
  lease_until  INTEGER,
  claimed_by   TEXT,
  result       TEXT,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX jobs_pending ON jobs(status, agent, created_at);

-- Written in the same transaction as the change it describes; the only way data leaves the node.
CREATE TABLE outbox (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,  -- send order
  id           TEXT NOT NULL UNIQUE,               -- event id (UUIDv7)
  aggregate    TEXT NOT NULL,                      -- strategy | signal | job ...
  aggregate_id TEXT NOT NULL,
  type         TEXT NOT NULL,                      -- e.g. signal.recorded, job.created
  payload      TEXT NOT NULL,                      -- JSON snapshot of the row
  created_at   INTEGER NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT,
  synced_at    INTEGER,
  dead         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_unsynced ON outbox(seq) WHERE synced_at IS NULL AND dead = 0;
`;
