/**
 * Schema version 3: read tokens for relay subscribers (dcap tui, dashboards). A token is shown
 * once and stored as its sha256; the name is how operators list and revoke it.
 */
export const sql = `
CREATE TABLE read_tokens (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  token_hash    TEXT NOT NULL UNIQUE,   -- sha256 hex of the token; the token itself is never stored
  token_prefix  TEXT NOT NULL,
  scope         TEXT NOT NULL,          -- 'read' (the only scope so far)
  created_at    INTEGER NOT NULL,
  revoked_at    INTEGER,
  last_used_at  INTEGER
);
CREATE UNIQUE INDEX read_tokens_name ON read_tokens(name) WHERE revoked_at IS NULL;
`;
