-- One-round-trip append with optimistic concurrency. SECURITY INVOKER: it runs as the caller
-- (the app role), sets the RLS context for the current transaction itself, and every statement
-- inside is checked by the row-level security policies. Raises SQLSTATE 'CG409' when the stream
-- is not at p_expected (a concurrent writer won). Works in autocommit and inside a transaction.
CREATE FUNCTION chat.append_events(
  p_tenant text, p_user text, p_stream uuid, p_expected integer,
  p_types text[], p_datas jsonb[], p_actor text
)
RETURNS TABLE (stream_id uuid, version integer, tenant_id text, user_id text, type text,
               data jsonb, actor text, created_at timestamptz)
LANGUAGE plpgsql SECURITY INVOKER SET search_path = chat, pg_temp AS $$
DECLARE
  n integer;
BEGIN
  PERFORM set_config('app.tenant_id', p_tenant, true), set_config('app.user_id', p_user, true);
  IF p_expected = 0 THEN
    INSERT INTO chat.streams AS s (stream_id, tenant_id, user_id, version)
    VALUES (p_stream, p_tenant, p_user, cardinality(p_types))
    ON CONFLICT ON CONSTRAINT streams_pkey DO NOTHING;
  ELSE
    UPDATE chat.streams AS s SET version = s.version + cardinality(p_types), updated_at = now()
    WHERE s.stream_id = p_stream AND s.version = p_expected
      AND s.tenant_id = p_tenant AND s.user_id = p_user;
  END IF;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n = 0 THEN
    RAISE EXCEPTION 'stream % is not at version %', p_stream, p_expected USING ERRCODE = 'CG409';
  END IF;
  RETURN QUERY
  INSERT INTO chat.events AS ev (stream_id, version, tenant_id, user_id, type, data, actor)
  SELECT p_stream, p_expected + e.ord::integer, p_tenant, p_user, e.type, e.data, p_actor
  FROM unnest(p_types, p_datas) WITH ORDINALITY AS e(type, data, ord)
  RETURNING ev.stream_id, ev.version, ev.tenant_id, ev.user_id, ev.type, ev.data, ev.actor, ev.created_at;
END
$$;

REVOKE ALL ON FUNCTION chat.append_events(text, text, uuid, integer, text[], jsonb[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION chat.append_events(text, text, uuid, integer, text[], jsonb[], text) TO chat_gateway_app;
