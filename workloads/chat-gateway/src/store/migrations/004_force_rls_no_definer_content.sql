-- Hardening (issue 11): row-level security also binds the tables' owner, and no SECURITY DEFINER
-- function returns message text.
--  * FORCE ROW LEVEL SECURITY: without it the owner (the role that ran the migrations, and every
--    SECURITY DEFINER function running as it) bypasses the policies. A superuser still bypasses
--    RLS; the app role (chat_gateway_app) never is one.
--  * The narrow cross-tenant functions (stream heads, expired leases, indexer backlog and queue)
--    run as the owner; with FORCE they need an explicit read-only policy for the owner role. It
--    is FOR SELECT and TO the owner only, so the app role is unaffected and the owner still
--    cannot write rows outside the tenant context.
--  * chat.pending_embeddings returned every tenant's message content to the app role. It now
--    returns keys only; the indexer reads each message's text under the owner's RLS scope.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['streams', 'events', 'conversations', 'messages', 'branches',
                           'reply_leases', 'message_embeddings'] LOOP
    EXECUTE format('ALTER TABLE chat.%I FORCE ROW LEVEL SECURITY', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['streams', 'events', 'messages', 'reply_leases', 'message_embeddings'] LOOP
    EXECUTE format('CREATE POLICY definer_read ON chat.%I FOR SELECT TO %I USING (true)', t, current_user);
  END LOOP;
END
$$;

DROP FUNCTION chat.pending_embeddings(integer);

CREATE FUNCTION chat.pending_embeddings(lim integer)
RETURNS TABLE (conversation_id uuid, message_id uuid, tenant_id text, user_id text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = chat, pg_temp AS $$
  SELECT m.conversation_id, m.message_id, m.tenant_id, m.user_id
  FROM chat.messages m
  WHERE m.status = 'complete' AND m.content <> ''
    AND NOT EXISTS (SELECT 1 FROM chat.message_embeddings e
                    WHERE e.conversation_id = m.conversation_id AND e.message_id = m.message_id)
  ORDER BY m.created_at LIMIT lim
$$;

REVOKE ALL ON FUNCTION chat.pending_embeddings(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION chat.pending_embeddings(integer) TO chat_gateway_app;
