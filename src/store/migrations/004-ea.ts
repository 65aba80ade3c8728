/**
 * Schema version 4: Expert Advisor projects and their immutable, numbered versions, plus the
 * compiled files (docs/ea.md). A version's source never changes: deployments pin `name@N`, so
 * the triggers below refuse any change but the compile result, and any delete.
 */
export const sql = `
CREATE TABLE ea_projects (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL UNIQUE,
  template     TEXT,                    -- ma-cross | breakout | grid | blank; NULL for a generated EA
  symbol       TEXT NOT NULL,
  timeframe    TEXT NOT NULL,           -- M1 ... MN1
  dir          TEXT NOT NULL,           -- absolute path of the project folder (holds <name>.mq5)
  description  TEXT,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);

CREATE TABLE ea_versions (
  id              TEXT PRIMARY KEY,
  project_id      TEXT NOT NULL REFERENCES ea_projects(id),
  number          INTEGER NOT NULL,     -- 1, 2, 3 ... per project, never reused
  content_hash    TEXT NOT NULL,        -- sha256 hex of source
  source          TEXT NOT NULL,
  origin          TEXT NOT NULL CHECK (origin IN ('template', 'spec', 'prompt', 'edit')),
  note            TEXT,                 -- where it came from: template name, spec file, the prompt
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  compile_status  TEXT NOT NULL DEFAULT 'none' CHECK (compile_status IN ('none', 'compiled', 'failed')),
  errors          INTEGER,
  warnings        INTEGER,
  diagnostics     TEXT,                 -- JSON [{file,line,column,severity,code,message}] of the last compile
  problem         TEXT,                 -- why the last compile failed when no diagnostic says it
  ex5_path        TEXT,
  ex5_sha256      TEXT,
  ex5_size        INTEGER,
  compiled_at     INTEGER,
  UNIQUE (project_id, number)
);

CREATE TRIGGER ea_versions_immutable
  BEFORE UPDATE OF id, project_id, number, content_hash, source, origin, note, created_at ON ea_versions
BEGIN
  SELECT RAISE(ABORT, 'ea_versions are immutable: only the compile result of a version may change');
END;
CREATE TRIGGER ea_versions_kept BEFORE DELETE ON ea_versions
BEGIN
  SELECT RAISE(ABORT, 'ea_versions are never deleted: deployments pin them');
END;

-- Append-only: one row per successful compile.
CREATE TABLE ea_artifacts (
  id          TEXT PRIMARY KEY,
  version_id  TEXT NOT NULL REFERENCES ea_versions(id),
  kind        TEXT NOT NULL DEFAULT 'ex5',
  path        TEXT NOT NULL,
  size_bytes  INTEGER NOT NULL,
  sha256      TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX ea_artifacts_version ON ea_artifacts(version_id, created_at);
`;
