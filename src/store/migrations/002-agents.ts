/**
 * Schema version 2: MT5 agents (paired with a key, stored hashed), their latest heartbeat and
 * account state, trade events, and the execution result on jobs and signals.
 */
export const sql = `
CREATE TABLE agents (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  key_hash      TEXT NOT NULL UNIQUE,   -- sha256 hex of the key; the key itself is never stored
  key_prefix    TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  revoked_at    INTEGER,
  last_seen_at  INTEGER,                -- any authenticated request
  heartbeat_at  INTEGER,
  heartbeat     TEXT,                   -- JSON: terminalConnected, tradeAllowed, account, build, bridgeVersion, metrics
  state_at      INTEGER,
  state         TEXT                    -- JSON: latest account + positions + orders snapshot
);
CREATE UNIQUE INDEX agents_name ON agents(name) WHERE revoked_at IS NULL;

CREATE TABLE trade_events (
  id           TEXT PRIMARY KEY,        -- chosen by the agent: re-sent events are ignored
  agent_id     TEXT NOT NULL REFERENCES agents(id),
  job_id       TEXT,
  signal_id    TEXT,
  kind         TEXT NOT NULL,           -- fill | close | sl | tp | stopout | cancel | modify ...
  symbol       TEXT,
  side         TEXT,
  volume       REAL,
  price        REAL,
  profit       REAL,
  ticket       TEXT,
  time         INTEGER NOT NULL,
  payload      TEXT NOT NULL,
  received_at  INTEGER NOT NULL
);
CREATE INDEX trade_events_agent_time ON trade_events(agent_id, time);

ALTER TABLE jobs ADD COLUMN expires_at INTEGER;     -- a trade that waited longer than the strategy's max age is not executed
ALTER TABLE jobs ADD COLUMN completed_at INTEGER;
ALTER TABLE jobs ADD COLUMN tag TEXT;               -- the dcap:<tag> of its orders' comments (shortJobId), to map positions back
CREATE INDEX jobs_tag ON jobs(tag);
CREATE INDEX jobs_strategy_status ON jobs(strategy_id, status);
ALTER TABLE signals ADD COLUMN result TEXT;         -- JSON bridge result (fill price, volume, ticket, retcode ...)
ALTER TABLE signals ADD COLUMN completed_at INTEGER;
CREATE INDEX jobs_claimed ON jobs(claimed_by, status);
`;
