-- dcap on Supabase, part 1: helpers, profiles, user settings, sync nodes.
--
-- Conventions of every dcap migration (docs/supabase.md explains them):
--   * Re-runnable: `if not exists`, `create or replace`, `drop policy if exists` before each
--     policy. Applying a file twice changes nothing.
--   * Every user-owned row has `user_id uuid not null references auth.users on delete cascade`.
--     Row-level security is enabled (not forced: the table owner, i.e. a direct Postgres sink
--     connecting as `postgres`, and service_role with BYPASSRLS write without policies).
--     `authenticated` gets `user_id = (select auth.uid())` policies; `anon` gets nothing.
--   * Grants are explicit per table, not left to the project's default privileges.
--   * Times are timestamptz (the local store keeps integer ms), JSON is jsonb.
--   * No foreign keys between synced tables: rows from different nodes (webhook daemon,
--     agents) arrive in any order, and a trade event landing before its job must not fail.
--     The references are logical and indexed. Enum-like text columns have no CHECK for the
--     same reason: an older schema must accept a newer node's values rather than reject rows.
--   * State rows carry (updated_at, sync_seq); dcap.keep_newer_state() makes any update that
--     would replace a newer state with an older one a no-op, whatever the writer (the direct
--     Postgres sink, or PostgREST upserts from supabase-js, which cannot add a WHERE clause).

-- Internal functions live outside the API-exposed schemas (public, graphql_public), so the
-- Data API never offers them as RPCs.
create schema if not exists dcap;
revoke all on schema dcap from public;
grant usage on schema dcap to service_role;

-- A late row never overwrites a newer state. Returning NULL from a BEFORE UPDATE trigger
-- skips the row, so `insert ... on conflict (id) do update` keeps the newer version.
-- Equal versions pass: a replay of the same state is harmless and keeps retries idempotent.
create or replace function dcap.keep_newer_state() returns trigger
  language plpgsql set search_path = ''
as $$
begin
  if (new.updated_at, new.sync_seq) < (old.updated_at, old.sync_seq) then
    return null;
  end if;
  new.synced_at := now();
  return new;
end
$$;

-- For rows users edit from a dashboard (settings, profile): the server's clock decides.
create or replace function dcap.touch_updated_at() returns trigger
  language plpgsql set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;

revoke all on function dcap.keep_newer_state(), dcap.touch_updated_at() from public;

-- profiles: one row per auth user, kept in step by triggers on auth.users.
create table if not exists public.profiles (
  id           uuid primary key references auth.users (id) on delete cascade,
  email        text,
  display_name text,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now()
);
comment on table public.profiles is 'dcap: one row per Supabase user, mirrored from auth.users.';

-- security definer: auth.users is written by Supabase's auth server, whose role may not touch
-- public tables. search_path is empty so nothing in a user-writable schema can be hijacked.
create or replace function dcap.handle_auth_user() returns trigger
  language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.profiles (id, email, created_at)
  values (new.id, new.email, coalesce(new.created_at, now()))
  on conflict (id) do update set email = excluded.email, updated_at = now();
  return new;
end
$$;
revoke all on function dcap.handle_auth_user() from public;

-- `create or replace`, never `drop trigger`: on Supabase the postgres role may create
-- triggers on auth.users but may not drop them (it does not own the table). A trigger that
-- fails would fail the sign-up itself, so the function only upserts into profiles.
create or replace trigger dcap_on_auth_user_created
  after insert on auth.users
  for each row execute function dcap.handle_auth_user();
create or replace trigger dcap_on_auth_user_email_changed
  after update of email on auth.users
  for each row when (old.email is distinct from new.email)
  execute function dcap.handle_auth_user();

-- Users who signed up before dcap was installed.
insert into public.profiles (id, email, created_at)
select u.id, u.email, coalesce(u.created_at, now()) from auth.users u
on conflict (id) do nothing;

create or replace trigger profiles_touch
  before update on public.profiles
  for each row execute function dcap.touch_updated_at();

alter table public.profiles enable row level security;
revoke all on public.profiles from anon, authenticated;
grant select on public.profiles to authenticated;
grant update (display_name) on public.profiles to authenticated;
grant all on public.profiles to service_role;
drop policy if exists profiles_select_own on public.profiles;
create policy profiles_select_own on public.profiles
  for select to authenticated using (id = (select auth.uid()));
drop policy if exists profiles_update_own on public.profiles;
create policy profiles_update_own on public.profiles
  for update to authenticated using (id = (select auth.uid())) with check (id = (select auth.uid()));

-- user_settings: dashboard preferences, the one table users fully manage themselves.
create table if not exists public.user_settings (
  user_id    uuid primary key references auth.users (id) on delete cascade,
  settings   jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.user_settings is 'dcap: per-user dashboard settings, written by the user.';

create or replace trigger user_settings_touch
  before update on public.user_settings
  for each row execute function dcap.touch_updated_at();

alter table public.user_settings enable row level security;
revoke all on public.user_settings from anon, authenticated;
grant select, insert, update, delete on public.user_settings to authenticated;
grant all on public.user_settings to service_role;
drop policy if exists user_settings_select_own on public.user_settings;
create policy user_settings_select_own on public.user_settings
  for select to authenticated using (user_id = (select auth.uid()));
drop policy if exists user_settings_insert_own on public.user_settings;
create policy user_settings_insert_own on public.user_settings
  for insert to authenticated with check (user_id = (select auth.uid()));
drop policy if exists user_settings_update_own on public.user_settings;
create policy user_settings_update_own on public.user_settings
  for update to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
drop policy if exists user_settings_delete_own on public.user_settings;
create policy user_settings_delete_own on public.user_settings
  for delete to authenticated using (user_id = (select auth.uid()));

-- sync_nodes: every dcap node (webhook daemon, agent) that syncs into this project. Synced
-- rows name their node in `node_id`, so a dashboard can tell where a row came from and how
-- far behind each node is.
create table if not exists public.sync_nodes (
  id            uuid primary key,
  user_id       uuid not null references auth.users (id) on delete cascade,
  name          text,
  kind          text,                 -- webhook | agent | cli
  hostname      text,
  dcap_version  text,
  first_seen_at timestamptz not null default now(),
  last_seen_at  timestamptz,
  updated_at    timestamptz not null,
  sync_seq      bigint not null default 0,
  synced_at     timestamptz not null default now()
);
comment on table public.sync_nodes is 'dcap: the nodes that sync into this project.';
create index if not exists sync_nodes_user on public.sync_nodes (user_id, last_seen_at desc);

create or replace trigger sync_nodes_keep_newer
  before update on public.sync_nodes
  for each row execute function dcap.keep_newer_state();

alter table public.sync_nodes enable row level security;
revoke all on public.sync_nodes from anon, authenticated;
grant select on public.sync_nodes to authenticated;
grant all on public.sync_nodes to service_role;
drop policy if exists sync_nodes_select_own on public.sync_nodes;
create policy sync_nodes_select_own on public.sync_nodes
  for select to authenticated using (user_id = (select auth.uid()));
