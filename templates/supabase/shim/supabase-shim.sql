-- A minimal stand-in for what a Supabase project provides, so dcap's migrations
-- (templates/supabase/migrations/) apply to plain PostgreSQL 15 for tests and self-hosting.
-- NEVER run this on a Supabase project: Supabase already has all of it (with more columns).
--
-- What it mirrors (supabase/postgres init-scripts and supabase/auth migrations):
--   * roles anon, authenticated (nologin noinherit) and service_role (nologin noinherit
--     bypassrls). Roles are cluster-wide, so they are created only when missing.
--   * schema auth with a users table (the columns dcap reads: id, email, created_at ...),
--     and auth.uid() / auth.role() / auth.email() / auth.jwt() reading the request's JWT claims
--     from the `request.jwt.claims` setting exactly as PostgREST sets it (and the legacy
--     per-claim `request.jwt.claim.<name>` settings first, as Supabase's definitions do).
--   * usage on schema public and Supabase's default privileges: tables, functions and
--     sequences the migrating role creates in public are granted to the three API roles
--     (row-level security is what protects them; dcap's migrations narrow the grants too).
-- Re-runnable: every statement is guarded or idempotent.

do $$
declare
  r record;
begin
  for r in select * from (values
    ('anon', 'nologin noinherit'),
    ('authenticated', 'nologin noinherit'),
    ('service_role', 'nologin noinherit bypassrls')
  ) as t(name, opts)
  loop
    if not exists (select 1 from pg_roles where rolname = r.name) then
      begin
        execute format('create role %I %s', r.name, r.opts);
      exception when duplicate_object or unique_violation then
        null; -- another database on this server created it at the same moment
      end;
    end if;
  end loop;
end
$$;

create schema if not exists auth;

create table if not exists auth.users (
  instance_id        uuid,
  id                 uuid primary key,
  aud                varchar(255),
  role               varchar(255),
  email              varchar(255),
  raw_app_meta_data  jsonb,
  raw_user_meta_data jsonb,
  is_anonymous       boolean not null default false,
  created_at         timestamptz default now(),
  updated_at         timestamptz default now(),
  deleted_at         timestamptz
);

create or replace function auth.uid() returns uuid
  language sql stable set search_path = ''
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
  language sql stable set search_path = ''
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
  language sql stable set search_path = ''
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

create or replace function auth.jwt() returns jsonb
  language sql stable set search_path = ''
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

grant usage on schema auth to anon, authenticated, service_role;
grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt() to anon, authenticated, service_role;

grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
