/**
 * Schema version 5: EA deployments (docs/ea-deploy.md). A deployment runs one immutable version
 * (name@N) on one agent's terminal, on one chart. It is pinned: the trigger refuses any change of
 * its version, so a later version of the project can never replace what runs.
 */
export const sql = `
CREATE TABLE ea_deployments (
  id              TEXT PRIMARY KEY,
  project_id      TEXT NOT NULL REFERENCES ea_projects(id),
  version_id      TEXT NOT NULL REFERENCES ea_versions(id),
  agent_id        TEXT NOT NULL,          -- agents.id at the time of the deploy
  agent           TEXT NOT NULL,          -- the agent's name: jobs are bound by name
  symbol          TEXT NOT NULL,
  timeframe       TEXT NOT NULL,
  inputs          TEXT NOT NULL,          -- JSON {"name": "value"}: the EA inputs written into the chart template
  status          TEXT NOT NULL CHECK (status IN ('pending', 'deployed', 'running', 'stopped', 'failed')),
  chart_id        TEXT,                   -- MT5 chart id (a string: ids exceed 2^53) while running
  last_action     TEXT NOT NULL CHECK (last_action IN ('deploy', 'run', 'stop')),
  last_job_id     TEXT NOT NULL,          -- jobs.id of the last deploy/run/stop
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX ea_deployments_agent ON ea_deployments(agent, created_at);
CREATE INDEX ea_deployments_job ON ea_deployments(last_job_id);

CREATE TRIGGER ea_deployments_pinned
  BEFORE UPDATE OF id, project_id, version_id, agent_id, agent, symbol, timeframe, inputs, created_at ON ea_deployments
BEGIN
  SELECT RAISE(ABORT, 'ea_deployments are pinned: version, agent, chart settings and inputs never change (deploy again instead)');
END;
`;
