-- dcap on Supabase, part 5: the sync's partial updates.
-- Conventions: see 20261121000001_dcap_core.sql.
--
-- Many outbox events change a few columns of a row sent before (a job claimed or completed, a
-- signal executed, an agent's heartbeat). An upsert cannot carry them: INSERT checks NOT NULL
-- before it looks for a conflict, so a row with only the changed columns fails (or, through
-- PostgREST's `columns`, nulls every column it leaves out). This function updates only the
-- columns each JSON object names, on rows that exist for that user, and returns the keys of
-- rows it did not find (their first event never arrived: the sync dead-letters the patch).
-- The keep_newer_state trigger still drops a late version. Both sinks call it: the direct
-- Postgres connection, and supabase-js as POST /rest/v1/rpc/dcap_sync_patch (service role only).

create or replace function public.dcap_sync_patch(p_table text, p_rows jsonb)
  returns text[]
  language plpgsql security invoker set search_path = ''
as $$
declare
  v_key     text;
  v_cols    text;
  v_vals    text;
  v_missing text[];
begin
  -- The state tables the sync patches; the name is never interpolated unchecked.
  v_key := case p_table
    when 'sync_nodes' then 'id' when 'tv_strategies' then 'id' when 'tv_signals' then 'id'
    when 'jobs' then 'id' when 'mt5_agents' then 'id' when 'positions' then 'agent_id'
    when 'ea_projects' then 'id' when 'ea_versions' then 'id' when 'ea_deployments' then 'id'
  end;
  if v_key is null then
    raise exception 'dcap_sync_patch: "%" is not a table the sync patches', p_table using errcode = '22023';
  end if;
  if jsonb_typeof(p_rows) is distinct from 'array' then
    raise exception 'dcap_sync_patch: p_rows must be a JSON array' using errcode = '22023';
  end if;

  -- Every column but the key, the owner (fixed by the first insert) and synced_at (the trigger's).
  -- jsonb_populate_record(t, patch) starts from the current row, so a column the patch leaves
  -- out keeps its value.
  select string_agg(format('%I', a.attname), ', ' order by a.attnum),
         string_agg(format('p.%I', a.attname), ', ' order by a.attnum)
    into v_cols, v_vals
    from pg_catalog.pg_attribute a
   where a.attrelid = format('public.%I', p_table)::regclass
     and a.attnum > 0 and not a.attisdropped
     and a.attname not in (v_key, 'user_id', 'synced_at');

  execute format(
    'update public.%1$I as t set (%2$s) = (select %3$s from pg_catalog.jsonb_populate_record(t, r.value) as p)
       from pg_catalog.jsonb_array_elements($1) as r
      where t.%4$I = (r.value ->> %5$L)::uuid and t.user_id = (r.value ->> ''user_id'')::uuid',
    p_table, v_cols, v_vals, v_key, v_key)
  using p_rows;

  execute format(
    'select pg_catalog.array_agg(r.value ->> %2$L)
       from pg_catalog.jsonb_array_elements($1) as r
      where not exists (select 1 from public.%1$I as t
                         where t.%3$I = (r.value ->> %2$L)::uuid and t.user_id = (r.value ->> ''user_id'')::uuid)',
    p_table, v_key, v_key)
  into v_missing
  using p_rows;

  return coalesce(v_missing, '{}');
end
$$;

comment on function public.dcap_sync_patch(text, jsonb) is
  'dcap sync: updates the named columns of existing rows (late versions dropped); returns the keys not found.';

-- Writers only. Supabase grants new public functions to anon and authenticated by default.
revoke all on function public.dcap_sync_patch(text, jsonb) from public, anon, authenticated;
grant execute on function public.dcap_sync_patch(text, jsonb) to service_role;
