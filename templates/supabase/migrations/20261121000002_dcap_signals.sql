-- dcap on Supabase, part 2: strategies, signals and jobs, as the webhook daemon records them
-- (src/store/migrations/001-init.ts). Written by the sync only; users read them.
-- Conventions: see 20261121000001_dcap_core.sql.

-- Strategy secrets are never synced: they stay hashed in the node's own store.
create table if not exists public.tv_strategies (
  id         uuid primary key,
  user_id    uuid not null references auth.users (id) on delete cascade,
  node_id    uuid,
  name       text not null,
  enabled    boolean not null default true,
  settings   jsonb not null default '{}'::jsonb,  -- StrategySettings
  created_at timestamptz not null,
  updated_at timestamptz not null,
  removed_at timestamptz,                          -- soft delete: signals keep pointing at it
  sync_seq   bigint not null default 0,
  synced_at  timestamptz not null default now()
);
comment on table public.tv_strategies is 'dcap: TradingView strategies (settings, no secrets).';
create index if not exists tv_strategies_user on public.tv_strategies (user_id, created_at desc);

-- Every request that reached a strategy, with its raw body: the audit trail.
create table if not exists public.tv_signals (
  id           uuid primary key,
  user_id      uuid not null references auth.users (id) on delete cascade,
  node_id      uuid,
  strategy_id  uuid not null,                   -- tv_strategies.id
  received_at  timestamptz not null,
  source_ip    text,
  content_type text,
  raw_body     text not null,
  body_hash    text not null,                   -- sha256 hex of raw_body
  format       text,                            -- json | pine; null when unparseable
  alert_id     text,                            -- the alert's explicit "id"
  parsed       jsonb,                           -- normalised Alert; null when rejected
  symbol       text,
  action       text,
  outcome      text not null,                   -- accepted|duplicate|discarded|blocked|rejected, never changes
  status       text not null,                   -- the outcome, then executed|failed for accepted signals
  reason       text,                            -- blocked reason, or rejection error code
  error        jsonb,                           -- {code,message,field} for rejected signals
  http_status  integer not null,
  duplicate_of uuid,                            -- tv_signals.id of the original
  job_id       uuid,                            -- jobs.id
  updated_at   timestamptz not null,
  sync_seq     bigint not null default 0,
  synced_at    timestamptz not null default now()
);
comment on table public.tv_signals is 'dcap: every TradingView alert received, with its outcome and lifecycle status.';
create index if not exists tv_signals_user_time on public.tv_signals (user_id, received_at desc);
create index if not exists tv_signals_user_strategy_time on public.tv_signals (user_id, strategy_id, received_at desc);
create index if not exists tv_signals_user_status_time on public.tv_signals (user_id, status, received_at desc);
create index if not exists tv_signals_job on public.tv_signals (job_id) where job_id is not null;

create table if not exists public.jobs (
  id          uuid primary key,
  user_id     uuid not null references auth.users (id) on delete cascade,
  node_id     uuid,
  signal_id   uuid,                             -- tv_signals.id
  strategy_id uuid,                             -- tv_strategies.id
  agent       text,                             -- agent name; null: any agent may take it
  type        text not null,                    -- trade|close|modify|cancel|compile|deploy|run|stop
  payload     jsonb not null,
  status      text not null,                    -- pending|running|done|failed
  attempts    integer not null default 0,
  lease_until timestamptz,
  claimed_by  text,
  result      jsonb,                            -- the agent's result: retcode, ticket, price, error ...
  created_at  timestamptz not null,
  updated_at  timestamptz not null,
  sync_seq    bigint not null default 0,
  synced_at   timestamptz not null default now()
);
comment on table public.jobs is 'dcap: work handed to agents (orders, compiles, deployments) and its result.';
create index if not exists jobs_user_time on public.jobs (user_id, created_at desc);
create index if not exists jobs_user_status_time on public.jobs (user_id, status, created_at desc);
create index if not exists jobs_signal on public.jobs (signal_id) where signal_id is not null;

create or replace trigger tv_strategies_keep_newer
  before update on public.tv_strategies for each row execute function dcap.keep_newer_state();
create or replace trigger tv_signals_keep_newer
  before update on public.tv_signals for each row execute function dcap.keep_newer_state();
create or replace trigger jobs_keep_newer
  before update on public.jobs for each row execute function dcap.keep_newer_state();

alter table public.tv_strategies enable row level security;
revoke all on public.tv_strategies from anon, authenticated;
grant select on public.tv_strategies to authenticated;
grant all on public.tv_strategies to service_role;
drop policy if exists tv_strategies_select_own on public.tv_strategies;
create policy tv_strategies_select_own on public.tv_strategies
  for select to authenticated using (user_id = (select auth.uid()));

alter table public.tv_signals enable row level security;
revoke all on public.tv_signals from anon, authenticated;
grant select on public.tv_signals to authenticated;
grant all on public.tv_signals to service_role;
drop policy if exists tv_signals_select_own on public.tv_signals;
create policy tv_signals_select_own on public.tv_signals
  for select to authenticated using (user_id = (select auth.uid()));

alter table public.jobs enable row level security;
revoke all on public.jobs from anon, authenticated;
grant select on public.jobs to authenticated;
grant all on public.jobs to service_role;
drop policy if exists jobs_select_own on public.jobs;
create policy jobs_select_own on public.jobs
  for select to authenticated using (user_id = (select auth.uid()));
