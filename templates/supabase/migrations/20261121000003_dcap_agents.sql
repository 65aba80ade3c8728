-- dcap on Supabase, part 3: MT5 agents, their latest account/positions snapshot, and trade
-- events (fills, closes, SL/TP hits). Written by the sync only; users read them.
-- Conventions: see 20261121000001_dcap_core.sql.

-- The agent key's hash is never synced: it stays in the webhook daemon's store.
create table if not exists public.mt5_agents (
  id                 uuid primary key,
  user_id            uuid not null references auth.users (id) on delete cascade,
  node_id            uuid,
  name               text not null,
  last_heartbeat_at  timestamptz,
  terminal_connected boolean,
  trade_allowed      boolean,                   -- AutoTrading enabled in the terminal and for the account
  account_login      bigint,
  account_server     text,
  account            jsonb,                     -- company, currency, leverage, margin mode ...
  terminal_build     integer,
  bridge_version     text,
  metrics            jsonb,                     -- heartbeat metrics (queue depth, latency ...)
  paired_at          timestamptz,
  revoked_at         timestamptz,
  created_at         timestamptz not null,
  updated_at         timestamptz not null,
  sync_seq           bigint not null default 0,
  synced_at          timestamptz not null default now()
);
comment on table public.mt5_agents is 'dcap: paired MT5 agents and their latest heartbeat.';
create index if not exists mt5_agents_user on public.mt5_agents (user_id, name);

-- One row per agent: the latest snapshot replaces the previous one (positions that closed
-- simply disappear from it). History lives in trade_events.
create table if not exists public.positions (
  agent_id    uuid primary key,                 -- mt5_agents.id
  user_id     uuid not null references auth.users (id) on delete cascade,
  node_id     uuid,
  currency    text,
  balance     numeric,
  equity      numeric,
  margin      numeric,
  free_margin numeric,
  account     jsonb,                            -- the full account block of state.json
  positions   jsonb not null default '[]'::jsonb,
  orders      jsonb not null default '[]'::jsonb, -- pending orders
  updated_at  timestamptz not null,             -- when the terminal took the snapshot
  sync_seq    bigint not null default 0,
  synced_at   timestamptz not null default now()
);
comment on table public.positions is 'dcap: latest account and open positions per agent.';
create index if not exists positions_user on public.positions (user_id, updated_at desc);

-- Append-only: a duplicate (same id) is ignored, never merged.
create table if not exists public.trade_events (
  id          uuid primary key,
  user_id     uuid not null references auth.users (id) on delete cascade,
  node_id     uuid,
  agent_id    uuid,                             -- mt5_agents.id
  job_id      uuid,                             -- jobs.id, when dcap caused it
  signal_id   uuid,                             -- tv_signals.id, when dcap caused it
  kind        text not null,                    -- fill|close|partial_close|sl|tp|stop_out|modify|cancel ...
  symbol      text,
  side        text,                             -- buy|sell
  volume      numeric,
  price       numeric,
  sl          numeric,
  tp          numeric,
  profit      numeric,
  commission  numeric,
  swap        numeric,
  ticket      numeric(20, 0),                   -- position ticket: MT5 tickets are ulong
  deal        numeric(20, 0),
  comment     text,
  details     jsonb,
  occurred_at timestamptz not null,             -- the terminal's time of the event
  created_at  timestamptz not null default now(), -- when the node recorded it
  synced_at   timestamptz not null default now()
);
comment on table public.trade_events is 'dcap: fills, closes, SL/TP hits and other trade events reported by agents.';
create index if not exists trade_events_user_time on public.trade_events (user_id, occurred_at desc);
create index if not exists trade_events_user_agent_time on public.trade_events (user_id, agent_id, occurred_at desc);
create index if not exists trade_events_job on public.trade_events (job_id) where job_id is not null;
create index if not exists trade_events_signal on public.trade_events (signal_id) where signal_id is not null;

create or replace trigger mt5_agents_keep_newer
  before update on public.mt5_agents for each row execute function dcap.keep_newer_state();
create or replace trigger positions_keep_newer
  before update on public.positions for each row execute function dcap.keep_newer_state();

alter table public.mt5_agents enable row level security;
revoke all on public.mt5_agents from anon, authenticated;
grant select on public.mt5_agents to authenticated;
grant all on public.mt5_agents to service_role;
drop policy if exists mt5_agents_select_own on public.mt5_agents;
create policy mt5_agents_select_own on public.mt5_agents
  for select to authenticated using (user_id = (select auth.uid()));

alter table public.positions enable row level security;
revoke all on public.positions from anon, authenticated;
grant select on public.positions to authenticated;
grant all on public.positions to service_role;
drop policy if exists positions_select_own on public.positions;
create policy positions_select_own on public.positions
  for select to authenticated using (user_id = (select auth.uid()));

alter table public.trade_events enable row level security;
revoke all on public.trade_events from anon, authenticated;
grant select on public.trade_events to authenticated;
grant all on public.trade_events to service_role;
drop policy if exists trade_events_select_own on public.trade_events;
create policy trade_events_select_own on public.trade_events
  for select to authenticated using (user_id = (select auth.uid()));
