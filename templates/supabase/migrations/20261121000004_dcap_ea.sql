-- dcap on Supabase, part 4: the EA toolchain (projects, immutable versions, compiled
-- artifacts, deployments to agents). Written by the sync only; users read them.
-- Conventions: see 20261121000001_dcap_core.sql.

create table if not exists public.ea_projects (
  id          uuid primary key,
  user_id     uuid not null references auth.users (id) on delete cascade,
  node_id     uuid,
  name        text not null,
  strategy_id uuid,                             -- tv_strategies.id, when generated for one
  template    text,
  description text,
  created_at  timestamptz not null,
  updated_at  timestamptz not null,
  removed_at  timestamptz,
  sync_seq    bigint not null default 0,
  synced_at   timestamptz not null default now()
);
comment on table public.ea_projects is 'dcap: Expert Advisor projects.';
create index if not exists ea_projects_user on public.ea_projects (user_id, created_at desc);

-- The source of a version never changes (content_hash); its compile status does, so it is a
-- state row.
create table if not exists public.ea_versions (
  id             uuid primary key,
  user_id        uuid not null references auth.users (id) on delete cascade,
  node_id        uuid,
  project_id     uuid not null,                 -- ea_projects.id
  number         integer not null,              -- 1, 2, 3 ... per project
  content_hash   text not null,                 -- sha256 hex of source
  source         text not null,                 -- the .mq5 source
  compile_status text not null default 'pending', -- pending|ok|failed
  diagnostics    jsonb not null default '[]'::jsonb, -- [{file,line,col,severity,code,message}]
  compiled_at    timestamptz,
  created_at     timestamptz not null,
  updated_at     timestamptz not null,
  sync_seq       bigint not null default 0,
  synced_at      timestamptz not null default now(),
  constraint ea_versions_project_number unique (project_id, number)
);
comment on table public.ea_versions is 'dcap: immutable EA versions with their compile result.';
create index if not exists ea_versions_user on public.ea_versions (user_id, created_at desc);

-- Append-only: one row per compiled file.
create table if not exists public.ea_artifacts (
  id          uuid primary key,
  user_id     uuid not null references auth.users (id) on delete cascade,
  node_id     uuid,
  version_id  uuid not null,                    -- ea_versions.id
  kind        text not null default 'ex5',
  path        text not null,                    -- on the node that compiled it
  size_bytes  bigint,
  sha256      text,
  created_at  timestamptz not null,
  synced_at   timestamptz not null default now()
);
comment on table public.ea_artifacts is 'dcap: compiled EA files (path, size, hash; not the bytes).';
create index if not exists ea_artifacts_version on public.ea_artifacts (version_id);
create index if not exists ea_artifacts_user on public.ea_artifacts (user_id, created_at desc);

create table if not exists public.ea_deployments (
  id          uuid primary key,
  user_id     uuid not null references auth.users (id) on delete cascade,
  node_id     uuid,
  version_id  uuid not null,                    -- ea_versions.id: the pinned version
  agent_id    uuid,                             -- mt5_agents.id
  symbol      text,
  timeframe   text,
  inputs      jsonb not null default '{}'::jsonb,
  status      text not null,                    -- pending|deployed|running|stopped|failed
  error       text,
  created_at  timestamptz not null,
  updated_at  timestamptz not null,
  sync_seq    bigint not null default 0,
  synced_at   timestamptz not null default now()
);
comment on table public.ea_deployments is 'dcap: EA versions deployed to agents (chart, inputs, status).';
create index if not exists ea_deployments_user on public.ea_deployments (user_id, created_at desc);
create index if not exists ea_deployments_agent on public.ea_deployments (agent_id) where agent_id is not null;

create or replace trigger ea_projects_keep_newer
  before update on public.ea_projects for each row execute function dcap.keep_newer_state();
create or replace trigger ea_versions_keep_newer
  before update on public.ea_versions for each row execute function dcap.keep_newer_state();
create or replace trigger ea_deployments_keep_newer
  before update on public.ea_deployments for each row execute function dcap.keep_newer_state();

alter table public.ea_projects enable row level security;
revoke all on public.ea_projects from anon, authenticated;
grant select on public.ea_projects to authenticated;
grant all on public.ea_projects to service_role;
drop policy if exists ea_projects_select_own on public.ea_projects;
create policy ea_projects_select_own on public.ea_projects
  for select to authenticated using (user_id = (select auth.uid()));

alter table public.ea_versions enable row level security;
revoke all on public.ea_versions from anon, authenticated;
grant select on public.ea_versions to authenticated;
grant all on public.ea_versions to service_role;
drop policy if exists ea_versions_select_own on public.ea_versions;
create policy ea_versions_select_own on public.ea_versions
  for select to authenticated using (user_id = (select auth.uid()));

alter table public.ea_artifacts enable row level security;
revoke all on public.ea_artifacts from anon, authenticated;
grant select on public.ea_artifacts to authenticated;
grant all on public.ea_artifacts to service_role;
drop policy if exists ea_artifacts_select_own on public.ea_artifacts;
create policy ea_artifacts_select_own on public.ea_artifacts
  for select to authenticated using (user_id = (select auth.uid()));

alter table public.ea_deployments enable row level security;
revoke all on public.ea_deployments from anon, authenticated;
grant select on public.ea_deployments to authenticated;
grant all on public.ea_deployments to service_role;
drop policy if exists ea_deployments_select_own on public.ea_deployments;
create policy ea_deployments_select_own on public.ea_deployments
  for select to authenticated using (user_id = (select auth.uid()));
