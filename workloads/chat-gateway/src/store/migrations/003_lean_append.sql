-- Cheaper appends and subscribe checks; the guarantees and error codes of 002 are unchanged
-- (RLS context set by the function, version p_expected must exist, a concurrent writer loses on
-- the unique (stream_id, version) index with 23505, CG409 for a wrong version).
--  * The RLS context is set by assignments, which PL/pgSQL evaluates as simple expressions;
--    PERFORM ran a full query through the executor on every call.
--  * "Version p_expected exists" is part of the INSERT (WHERE EXISTS): one statement on one
--    snapshot instead of two; no row inserted then means the version is missing (CG409).
--  * chat.append_event takes one event as scalars. Most commands append one event, and parsing
--    text[]/jsonb[] literals plus unnest cost about as much as the INSERT itself.

CREATE OR REPLACE FUNCTION chat.append_events(
  p_tenant text, p_user text, p_stream uuid, p_expected integer,
  p_types text[], p_datas jsonb[], p_actor text
)
RETURNS TABLE (version integer, created_at timestamptz)
LANGUAGE plpgsql SECURITY INVOKER SET search_path = chat, pg_temp AS $$
DECLARE
  n integer;
  ignored text;
BEGIN
  ignored := set_config('app.tenant_id', p_tenant, true);
  ignored := set_config('app.user_id', p_user, true);
  IF p_expected = 0 THEN
    INSERT INTO chat.streams AS s (stream_id, tenant_id, user_id)
    VALUES (p_stream, p_tenant, p_user)
    ON CONFLICT ON CONSTRAINT streams_pkey DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
      RAISE EXCEPTION 'stream % exists already', p_stream USING ERRCODE = 'CG409';
    END IF;
  END IF;
  RETURN QUERY
  INSERT INTO chat.events AS ev (stream_id, version, tenant_id, user_id, type, data, actor)
  SELECT p_stream, p_expected + e.ord::integer, p_tenant, p_user, e.type, e.data, p_actor
  FROM unnest(p_types, p_datas) WITH ORDINALITY AS e(type, data, ord)
  WHERE p_expected = 0
     OR EXISTS (SELECT 1 FROM chat.events x WHERE x.stream_id = p_stream AND x.version = p_expected)
  RETURNING ev.version, ev.created_at;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n = 0 AND cardinality(p_types) > 0 THEN
    -- Never leave a gap: the expected version must exist (and be visible to this tenant).
    RAISE EXCEPTION 'stream % has no version %', p_stream, p_expected USING ERRCODE = 'CG409';
  END IF;
END
$$;

-- One event: the same as chat.append_events with one-element arrays.
CREATE FUNCTION chat.append_event(
  p_tenant text, p_user text, p_stream uuid, p_expected integer,
  p_type text, p_data jsonb, p_actor text
)
RETURNS TABLE (version integer, created_at timestamptz)
LANGUAGE plpgsql SECURITY INVOKER SET search_path = chat, pg_temp AS $$
DECLARE
  n integer;
  ignored text;
BEGIN
  ignored := set_config('app.tenant_id', p_tenant, true);
  ignored := set_config('app.user_id', p_user, true);
  IF p_expected = 0 THEN
    INSERT INTO chat.streams AS s (stream_id, tenant_id, user_id)
    VALUES (p_stream, p_tenant, p_user)
    ON CONFLICT ON CONSTRAINT streams_pkey DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
      RAISE EXCEPTION 'stream % exists already', p_stream USING ERRCODE = 'CG409';
    END IF;
  END IF;
  RETURN QUERY
  INSERT INTO chat.events AS ev (stream_id, version, tenant_id, user_id, type, data, actor)
  SELECT p_stream, p_expected + 1, p_tenant, p_user, p_type, p_data, p_actor
  WHERE p_expected = 0
     OR EXISTS (SELECT 1 FROM chat.events x WHERE x.stream_id = p_stream AND x.version = p_expected)
  RETURNING ev.version, ev.created_at;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n = 0 THEN
    RAISE EXCEPTION 'stream % has no version %', p_stream, p_expected USING ERRCODE = 'CG409';
  END IF;
END
$$;

-- Version of a stream the caller owns, or NULL (missing or another tenant's/user's): the
-- ownership check before a subscription in one round trip, where BEGIN + context, SELECT and
-- COMMIT took three.
CREATE FUNCTION chat.owned_stream_version(p_tenant text, p_user text, p_stream uuid)
RETURNS integer
LANGUAGE plpgsql SECURITY INVOKER SET search_path = chat, pg_temp AS $$
DECLARE
  ignored text;
BEGIN
  ignored := set_config('app.tenant_id', p_tenant, true);
  ignored := set_config('app.user_id', p_user, true);
  RETURN (
    SELECT coalesce((SELECT max(e.version) FROM chat.events e WHERE e.stream_id = s.stream_id), 0)
    FROM chat.streams s
    WHERE s.stream_id = p_stream AND s.tenant_id = p_tenant AND s.user_id = p_user
  );
END
$$;

REVOKE ALL ON FUNCTION chat.append_event(text, text, uuid, integer, text, jsonb, text),
  chat.owned_stream_version(text, text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION chat.append_event(text, text, uuid, integer, text, jsonb, text),
  chat.owned_stream_version(text, text, uuid) TO chat_gateway_app;
