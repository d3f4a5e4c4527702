-- One-round-trip append with optimistic concurrency. SECURITY INVOKER: it runs as the caller
-- (the app role), sets the RLS context for the current transaction itself, and every statement
-- inside is checked by the row-level security policies. The events get versions
-- p_expected+1..; the unique (stream_id, version) index rejects a concurrent writer (23505), and
-- SQLSTATE 'CG409' reports a stream that already exists (p_expected = 0) or lacks p_expected.
-- Only inserts: no hot stream row is updated. Returns (version, created_at) of each new event.
-- Works in autocommit and inside a transaction.
CREATE FUNCTION chat.append_events(
  p_tenant text, p_user text, p_stream uuid, p_expected integer,
  p_types text[], p_datas jsonb[], p_actor text
)
RETURNS TABLE (version integer, created_at timestamptz)
LANGUAGE plpgsql SECURITY INVOKER SET search_path = chat, pg_temp AS $$
DECLARE
  n integer;
BEGIN
  PERFORM set_config('app.tenant_id', p_tenant, true), set_config('app.user_id', p_user, true);
  IF p_expected = 0 THEN
    INSERT INTO chat.streams AS s (stream_id, tenant_id, user_id)
    VALUES (p_stream, p_tenant, p_user)
    ON CONFLICT ON CONSTRAINT streams_pkey DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
      RAISE EXCEPTION 'stream % exists already', p_stream USING ERRCODE = 'CG409';
    END IF;
  ELSIF NOT EXISTS (SELECT 1 FROM chat.events e WHERE e.stream_id = p_stream AND e.version = p_expected) THEN
    -- Never leave a gap: the expected version must exist (and be visible to this tenant).
    RAISE EXCEPTION 'stream % has no version %', p_stream, p_expected USING ERRCODE = 'CG409';
  END IF;
  -- A concurrent writer that took version p_expected + 1 first makes this INSERT fail with
  -- unique_violation (23505) on (stream_id, version), after waiting for its commit.
  RETURN QUERY
  INSERT INTO chat.events AS ev (stream_id, version, tenant_id, user_id, type, data, actor)
  SELECT p_stream, p_expected + e.ord::integer, p_tenant, p_user, e.type, e.data, p_actor
  FROM unnest(p_types, p_datas) WITH ORDINALITY AS e(type, data, ord)
  RETURNING ev.version, ev.created_at;
END
$$;

REVOKE ALL ON FUNCTION chat.append_events(text, text, uuid, integer, text[], jsonb[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION chat.append_events(text, text, uuid, integer, text[], jsonb[], text) TO chat_gateway_app;
